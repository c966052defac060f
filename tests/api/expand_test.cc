// ts_expand resizes only in place: it returns p (with the new size usable and the contents kept)
// or NULL (with the block untouched). Staying within the block it already has always works.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

const size_t kSizes[] = {1,     8,         17,         100,  256,      1000,     4000,
                         10000, 70 * kKiB, 300 * kKiB, kMiB, 3 * kMiB, 10 * kMiB};

TEST(ApiExpand, WithinTheBlockAlwaysSucceeds) {
  for (size_t n : kSizes) {
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr);
    const size_t usable = ts_usable_size(p);
    const uint64_t seed = pattern_seed(p, n);
    fill_pattern(p, n, seed);
    size_t held = n;
    // Up to the usable size, then smaller and smaller.
    for (size_t target : {usable, n, n / 2 + 1, n / 4 + 1, size_t{1}}) {
      ASSERT_EQ(ts_expand(p, target), p)
          << "size " << n << " (usable " << usable << ") to " << target;
      ASSERT_GE(ts_usable_size(p), target);
      ASSERT_TRUE(HasPattern(p, std::min(held, target), seed)) << "size " << n << " to " << target;
      fill_pattern(p, target, seed);
      held = target;
    }
    ts_free(p);
  }
}

// Growing past the usable size may or may not be possible in place. When it is, the new bytes are
// the block's own: blocks allocated afterwards must not land on them.
TEST(ApiExpand, GrowingReturnsSamePointerOrLeavesBlockAlone) {
  for (size_t n : kSizes) {
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr);
    const uint64_t seed = pattern_seed(p, n);
    fill_scaled_pattern(p, n, seed);
    size_t held = n;
    std::vector<void*> neighbours;
    for (size_t target : {n + 1, 2 * n, n + 64 * kKiB, 4 * n + kMiB}) {
      const size_t usable_before = ts_usable_size(p);
      void* r = ts_expand(p, target);
      if (r == nullptr) {
        EXPECT_EQ(ts_usable_size(p), usable_before) << "failed expand of " << n << " to " << target;
      } else {
        ASSERT_EQ(r, p) << "ts_expand moved the block";
        ASSERT_GE(ts_usable_size(p), target);
        ASSERT_TRUE(HasScaledPattern(p, held, seed)) << "expand of " << n << " to " << target;
        fill_scaled_pattern(p, target, seed);
        held = target;
      }
      ASSERT_TRUE(HasScaledPattern(p, held, seed)) << "size " << n << " to " << target;
      for (int i = 0; i < 2; ++i) {
        neighbours.push_back(ts_malloc(n));
        ASSERT_NE(neighbours.back(), nullptr);
        fill_block(neighbours.back(), n);
      }
    }
    EXPECT_TRUE(HasScaledPattern(p, held, seed)) << "size " << n << " grown to " << held;
    for (void* q : neighbours) {
      EXPECT_TRUE(BlockIntact(q, n));
      ts_free(q);
    }
    ts_free(p);
  }
}

}  // namespace
