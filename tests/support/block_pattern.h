// Byte patterns that tell whether an allocated block kept its contents.
//
// A block's pattern is derived from a seed, normally made from the block's address and size, so
// two live blocks in practice never carry the same bytes: a block that overlaps a neighbour, that
// the allocator hands out twice, or that allocator metadata scribbles over fails its check. The
// pattern depends only on the seed and the offset, so contents can also be followed to a new
// address (realloc) by checking with the old seed.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "support/common.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pattern words are stored little-endian");

namespace tessera_test {

inline uint64_t pattern_seed(const void* p, size_t size) {
  return mix64(reinterpret_cast<uintptr_t>(p) ^ mix64(size + 0x9e3779b97f4a7c15ULL));
}

// Word i of the pattern (bytes 8i..8i+7, little-endian) and its single bytes.
inline uint64_t pattern_word(uint64_t seed, size_t i) { return seed ^ (i * 0x9e3779b97f4a7c15ULL); }
inline unsigned char pattern_byte(uint64_t seed, size_t offset) {
  return static_cast<unsigned char>(pattern_word(seed, offset / 8) >> (8 * (offset % 8)));
}

// Writes the pattern over all n bytes at p.
inline void fill_pattern(void* p, size_t n, uint64_t seed) {
  auto* b = static_cast<unsigned char*>(opaque(p));
  const size_t words = n / 8;
  for (size_t i = 0; i < words; ++i) {
    const uint64_t w = pattern_word(seed, i);
    std::memcpy(b + 8 * i, &w, 8);
  }
  for (size_t j = words * 8; j < n; ++j) b[j] = pattern_byte(seed, j);
}

// The offset of the first byte that differs from the pattern, or n when all n bytes match.
inline size_t pattern_mismatch(const void* p, size_t n, uint64_t seed) {
  const auto* b = static_cast<const unsigned char*>(opaque(p));
  // A branch-free pass first (it vectorizes); the byte-exact search only runs on failure.
  uint64_t diff = 0;
  const size_t words = n / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, b + 8 * i, 8);
    diff |= w ^ pattern_word(seed, i);
  }
  for (size_t j = words * 8; j < n; ++j) diff |= b[j] ^ pattern_byte(seed, j);
  if (diff == 0) return n;
  for (size_t j = 0; j < n; ++j) {
    if (b[j] != pattern_byte(seed, j)) return j;
  }
  return n;
}

// The sparse variant for blocks too big to fill in full: the first and last byte and one byte in
// every 4 KiB, so every page of the block is touched and checked.
constexpr size_t kSparseStride = 4096;

inline void fill_sparse(void* p, size_t n, uint64_t seed) {
  auto* b = static_cast<unsigned char*>(opaque(p));
  for (size_t j = 0; j < n; j += kSparseStride) b[j] = pattern_byte(seed, j);
  if (n > 0) b[n - 1] = pattern_byte(seed, n - 1);
}

inline size_t sparse_mismatch(const void* p, size_t n, uint64_t seed) {
  const auto* b = static_cast<const unsigned char*>(opaque(p));
  for (size_t j = 0; j < n; j += kSparseStride) {
    if (b[j] != pattern_byte(seed, j)) return j;
  }
  if (n > 0 && b[n - 1] != pattern_byte(seed, n - 1)) return n - 1;
  return n;
}

// For blocks of any size: the full pattern up to 1 MiB, the sparse one beyond, where checking
// every byte would dominate the run time while adding little. Check with the size that was filled.
inline constexpr size_t kFullPatternLimit = size_t{1} << 20;
inline void fill_scaled_pattern(void* p, size_t n, uint64_t seed) {
  n <= kFullPatternLimit ? fill_pattern(p, n, seed) : fill_sparse(p, n, seed);
}
inline size_t scaled_pattern_mismatch(const void* p, size_t n, uint64_t seed) {
  return n <= kFullPatternLimit ? pattern_mismatch(p, n, seed) : sparse_mismatch(p, n, seed);
}

// Offset of the first non-zero byte, or n.
inline size_t nonzero_offset(const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(opaque(p));
  unsigned char any = 0;
  for (size_t j = 0; j < n; ++j) any |= b[j];
  if (any == 0) return n;
  for (size_t j = 0; j < n; ++j) {
    if (b[j] != 0) return j;
  }
  return n;
}

// GoogleTest predicates: EXPECT_TRUE(HasPattern(p, n, seed)) reports where a block went wrong.
inline ::testing::AssertionResult mismatch_result(const char* what, const void* p, size_t n,
                                                  size_t bad, unsigned expected) {
  if (bad == n) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": block " << p << " of " << n << " bytes differs at offset " << bad
         << " (byte " << unsigned{static_cast<const unsigned char*>(p)[bad]} << ", expected "
         << expected << ")";
}
inline ::testing::AssertionResult HasPattern(const void* p, size_t n, uint64_t seed) {
  const size_t bad = pattern_mismatch(p, n, seed);
  return mismatch_result("pattern", p, n, bad, pattern_byte(seed, bad));
}
inline ::testing::AssertionResult HasSparsePattern(const void* p, size_t n, uint64_t seed) {
  const size_t bad = sparse_mismatch(p, n, seed);
  return mismatch_result("sparse pattern", p, n, bad, pattern_byte(seed, bad));
}
inline ::testing::AssertionResult HasScaledPattern(const void* p, size_t n, uint64_t seed) {
  const size_t bad = scaled_pattern_mismatch(p, n, seed);
  return mismatch_result("pattern", p, n, bad, pattern_byte(seed, bad));
}
inline ::testing::AssertionResult IsZeroed(const void* p, size_t n) {
  return mismatch_result("zero fill", p, n, nonzero_offset(p, n), 0);
}

// The common case: a block's own pattern, seeded from its address and size, scaled to its size.
inline void fill_block(void* p, size_t n) { fill_scaled_pattern(p, n, pattern_seed(p, n)); }
inline ::testing::AssertionResult BlockIntact(const void* p, size_t n) {
  return HasScaledPattern(p, n, pattern_seed(p, n));
}

}  // namespace tessera_test
