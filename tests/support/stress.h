// Shared pieces of the stress tests: how much work to do, a realistic mix of block sizes, and
// blocks that carry their pattern and are checked just before they are freed.
#pragma once

#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <random>
#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"
#include "support/sanitizers.h"

namespace tessera_test {

// Work multiplier: 1 in a plain build; less under sanitizers, which slow every allocation and
// every checked byte 5-20x; TESSERA_STRESS_SCALE (e.g. 0.1 or 4) overrides it.
inline double stress_scale() {
  static const double scale = [] {
    if (const char* env = std::getenv("TESSERA_STRESS_SCALE")) {
      const double s = std::strtod(env, nullptr);
      if (s > 0) return s;
    }
    if (kThreadSanitizer) return 0.25;
    if (kAddressSanitizer) return 0.5;
    return 1.0;
  }();
  return scale;
}

// n scaled, but never below `minimum` (a test needs some work to mean anything).
inline size_t scaled(size_t n, size_t minimum = 1) {
  return std::max(minimum, static_cast<size_t>(static_cast<double>(n) * stress_scale()));
}

// A size from a program-like mix: mostly small (<= 256 B), some medium (<= 64 KiB), rarely large
// (<= 4 MiB). Medium and large sizes are log-uniform, as real programs skew to the small end.
inline size_t random_block_size(std::mt19937_64& rng) {
  const auto log_uniform = [&rng](int min_bits, int max_bits) {
    const int bits =
        min_bits + static_cast<int>(rng() % static_cast<uint64_t>(max_bits - min_bits));
    const size_t low = size_t{1} << bits;
    return low + 1 + rng() % low;  // (2^bits, 2^(bits+1)]
  };
  const uint64_t r = rng() % 1000;
  if (r < 900) return 1 + rng() % 256;
  if (r < 999) return log_uniform(8, 16);
  return log_uniform(16, 22);
}

// Corruption seen by any thread. The first few are reported in full; the count is checked at the
// end so a badly broken allocator does not flood the log.
inline std::atomic<size_t>& corruption_count() {
  static std::atomic<size_t> count{0};
  return count;
}
inline void report_corruption(const ::testing::AssertionResult& what) {
  if (corruption_count().fetch_add(1) < 10) ADD_FAILURE() << what.message();
}

// A live block with its pattern seeded from where it was first allocated and how big it was.
struct Block {
  void* p = nullptr;
  size_t size = 0;
  uint64_t seed = 0;
};

inline Block alloc_block(size_t size) {
  Block b{ts_malloc(size), size, 0};
  if (b.p == nullptr) {
    report_corruption(::testing::AssertionFailure() << "ts_malloc(" << size << ") returned NULL");
    return Block{};
  }
  b.seed = pattern_seed(b.p, size);
  fill_pattern(b.p, size, b.seed);
  return b;
}

inline void check_block(const Block& b) {
  if (auto ok = HasPattern(b.p, b.size, b.seed); !ok) report_corruption(ok);
}

inline void free_block(const Block& b) {
  if (b.p == nullptr) return;
  check_block(b);
  ts_free(b.p);
}

// Reallocates, checks that the common prefix moved with the block, and refills it.
inline Block realloc_block(const Block& b, size_t new_size) {
  check_block(b);
  void* q = ts_realloc(b.p, new_size);
  if (q == nullptr) {
    report_corruption(::testing::AssertionFailure()
                      << "ts_realloc(" << b.p << ", " << new_size << ") returned NULL");
    return b;
  }
  if (auto ok = HasPattern(q, std::min(b.size, new_size), b.seed); !ok) report_corruption(ok);
  Block nb{q, new_size, pattern_seed(q, new_size)};
  fill_pattern(nb.p, nb.size, nb.seed);
  return nb;
}

// Blocks handed from one thread to another for checking and freeing, behind a mutex.
struct BlockMailbox {
  std::mutex mutex;
  std::vector<Block> blocks;
};

}  // namespace tessera_test
