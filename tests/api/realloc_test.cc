// ts_realloc and ts_reallocarray: the glibc edge cases, contents surviving moves between every
// tier, and staying in place while the block's size class still fits.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <vector>

#include "config/build_mode.h"
#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

TEST(ApiRealloc, NullPointerAllocates) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, 5000 * size_t{1}, 300 * kKiB, 3 * kMiB}) {
    void* p = ts_realloc(nullptr, n);
    ASSERT_NE(p, nullptr) << "size " << n;
    EXPECT_TRUE(is_aligned(p, 16));
    ASSERT_GE(ts_usable_size(p), n);
    fill_block(p, n);
    EXPECT_TRUE(BlockIntact(p, n));
    ts_free(p);
  }
}

TEST(ApiRealloc, ZeroSizeFreesAndReturnsNull) {
  for (size_t n : {size_t{1}, size_t{100}, 100 * kKiB, 8 * kMiB}) {
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(ts_realloc(p, 0), nullptr) << "size " << n;
  }
}

// Up through every tier and back down; the bytes common to the old and new size must follow the
// block at each step. One seed for the whole walk, so the check does not depend on addresses.
TEST(ApiRealloc, ContentsSurviveGrowingAndShrinkingAcrossTiers) {
  const std::vector<size_t> steps = {8,        100,       1000,      10000,     100000,   kMiB,
                                     5 * kMiB, 20 * kMiB, 64 * kMiB, 20 * kMiB, 5 * kMiB, kMiB,
                                     100000,   10000,     1000,      100,       8};
  constexpr uint64_t kSeed = 0x7e55e7a;
  void* p = ts_malloc(steps[0]);
  ASSERT_NE(p, nullptr);
  fill_pattern(p, steps[0], kSeed);
  for (size_t i = 1; i < steps.size(); ++i) {
    void* q = ts_realloc(p, steps[i]);
    ASSERT_NE(q, nullptr) << steps[i - 1] << " -> " << steps[i];
    EXPECT_TRUE(is_aligned(q, 16));
    ASSERT_GE(ts_usable_size(q), steps[i]);
    ASSERT_TRUE(HasPattern(q, std::min(steps[i - 1], steps[i]), kSeed))
        << steps[i - 1] << " -> " << steps[i];
    fill_pattern(q, steps[i], kSeed);
    p = q;
  }
  ts_free(p);
}

// Any size up to the usable size of a block is in its size class, so realloc must not move it.
TEST(ApiRealloc, StaysInPlaceWithinUsableSize) {
  if (tessera::kCheckedBlocks) GTEST_SKIP() << "checked builds move every realloc (new canary)";
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 4096; n += 13) sizes.push_back(n);
  for (size_t n = 8 * kKiB; n <= 32 * kMiB; n *= 2) sizes.insert(sizes.end(), {n - 3, n, n + 5});
  for (size_t n : sizes) {
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr);
    const size_t usable = ts_usable_size(p);
    ASSERT_GE(usable, n);
    const uint64_t seed = pattern_seed(p, n);
    fill_pattern(p, n, seed);
    size_t held = n;
    for (size_t target : {usable, n + (usable - n) / 2, n}) {
      void* q = ts_realloc(p, target);
      ASSERT_NE(q, nullptr);
      EXPECT_EQ(q, p) << "size " << n << " -> " << target << " (usable " << usable << ") moved";
      p = q;
      ASSERT_TRUE(HasPattern(p, std::min(held, target), seed));
      fill_pattern(p, target, seed);
      held = target;
    }
    ts_free(p);
  }
}

TEST(ApiReallocarray, ResizesToCountTimesSize) {
  constexpr uint64_t kSeed = 0xa77a7;
  auto* p = static_cast<unsigned*>(ts_reallocarray(nullptr, 10, sizeof(unsigned)));
  ASSERT_NE(p, nullptr);
  ASSERT_GE(ts_usable_size(p), 10 * sizeof(unsigned));
  fill_pattern(p, 10 * sizeof(unsigned), kSeed);
  size_t held = 10;
  for (size_t count : {1000, 100000, 3, 50000}) {
    auto* q = static_cast<unsigned*>(ts_reallocarray(p, count, sizeof(unsigned)));
    ASSERT_NE(q, nullptr) << count;
    ASSERT_GE(ts_usable_size(q), count * sizeof(unsigned));
    ASSERT_TRUE(HasPattern(q, std::min(held, count) * sizeof(unsigned), kSeed));
    fill_pattern(q, count * sizeof(unsigned), kSeed);
    p = q;
    held = count;
  }
  ts_free(p);
}

}  // namespace
