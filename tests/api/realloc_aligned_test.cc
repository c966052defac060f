// ts_realloc_aligned keeps the block's alignment through every resize, moving or not.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

TEST(ApiReallocAligned, KeepsAlignmentAndContents) {
  for (size_t alignment : {size_t{16}, size_t{64}, size_t{4096}, 64 * kKiB, kMiB, 4 * kMiB}) {
    constexpr uint64_t kSeed = 0xa11a;
    size_t held = 100;
    void* p = ts_realloc_aligned(nullptr, held, alignment);
    ASSERT_NE(p, nullptr) << "alignment " << alignment;
    ASSERT_TRUE(is_aligned(p, alignment)) << p;
    fill_pattern(p, held, kSeed);
    for (size_t size : {size_t{5000}, 200 * kKiB, 3 * kMiB, size_t{1000}, size_t{10}, 5 * kMiB}) {
      void* q = ts_realloc_aligned(p, size, alignment);
      ASSERT_NE(q, nullptr) << held << " -> " << size << " at alignment " << alignment;
      EXPECT_TRUE(is_aligned(q, alignment))
          << q << " for " << held << " -> " << size << " at alignment " << alignment;
      ASSERT_GE(ts_usable_size(q), size);
      ASSERT_TRUE(HasPattern(q, std::min(held, size), kSeed))
          << held << " -> " << size << " at alignment " << alignment;
      fill_pattern(q, size, kSeed);
      p = q;
      held = size;
    }
    EXPECT_EQ(ts_realloc_aligned(p, 0, alignment), nullptr);  // size 0 frees
  }
}

}  // namespace
