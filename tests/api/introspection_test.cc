// glibc's introspection calls on tessera's terms (api/introspection.h; the override exports
// them as malloc_trim, mallinfo2, mallinfo, mallopt): trim returns memory and says so,
// mallinfo2 follows allocations, mallinfo saturates, mallopt accepts glibc's parameters.
#include <gtest/gtest.h>
#include <malloc.h>
#include <tessera/tessera.h>

#include <climits>
#include <vector>

#include "api/introspection.h"
#include "support/block_pattern.h"
#include "support/filled_blocks.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;
using tessera::api::mallinfo2_now;
using tessera::api::mallinfo_now;

TEST(ApiMallocTrim, ReturnsOneAfterFreeingLotsAndCommittedDrops) {
  constexpr size_t kBlock = 512, kTotal = 32 * kMiB;
  std::vector<void*> blocks = allocate_filled(kTotal / kBlock, kBlock);
  free_checked(blocks, kBlock);
  const size_t committed = process_info().committed;
  EXPECT_EQ(ts_malloc_trim(0), 1);
  EXPECT_LE(process_info().committed, committed - kTotal / 2);
  EXPECT_EQ(ts_malloc_trim(0), 0) << "nothing left to give back";
}

TEST(ApiMallinfo2, FollowsAllocations) {
  const struct mallinfo2 before = mallinfo2_now();
  std::vector<void*> blocks(1000);
  for (void*& p : blocks) p = ts_malloc(1000);
  void* huge = ts_malloc(20 * kMiB);
  ASSERT_NE(huge, nullptr);
  const struct mallinfo2 during = mallinfo2_now();
  EXPECT_GE(during.uordblks, before.uordblks + 1000 * 1000);
  EXPECT_EQ(during.hblks, before.hblks + 1);
  EXPECT_GE(during.hblkhd, before.hblkhd + 20 * kMiB);
  EXPECT_GE(during.arena, during.uordblks);
  EXPECT_EQ(during.fordblks, during.arena - during.uordblks);
  for (void* p : blocks) ts_free(p);
  ts_free(huge);
  const struct mallinfo2 after = mallinfo2_now();
  EXPECT_EQ(after.uordblks, before.uordblks);
  EXPECT_EQ(after.hblks, before.hblks);
}

TEST(ApiMallinfo, SaturatesPastIntMax) {
  void* p = ts_malloc((size_t)3 << 30);  // address space only: never touched
  if (p == nullptr) GTEST_SKIP() << "no 3 GiB of address space";
  EXPECT_GT(mallinfo2_now().hblkhd, (size_t)INT_MAX);
  EXPECT_EQ(mallinfo_now().hblkhd, INT_MAX);
  EXPECT_EQ(mallinfo_now().hblks, 1);
  ts_free(p);
  EXPECT_EQ(mallinfo_now().hblkhd, 0);
}

size_t huge_allocations() {
  ts_stats_t s;
  s.size = sizeof s;
  ts_stats_get(&s);
  return s.bins[s.bin_count - 1].allocations;
}

TEST(ApiMallopt, MmapThresholdMovesTheHugeTier) {
  const size_t before = huge_allocations();
  void* large = ts_malloc(2 * kMiB);
  EXPECT_EQ(huge_allocations(), before) << "2 MiB is a large block by default";
  EXPECT_EQ(ts_mallopt(M_MMAP_THRESHOLD, 1 << 20), 1);
  void* huge = ts_malloc(2 * kMiB);
  EXPECT_EQ(huge_allocations(), before + 1) << "above the threshold: a mapping of its own";
  fill_block(huge, 2 * kMiB);
  EXPECT_TRUE(BlockIntact(huge, 2 * kMiB));
  EXPECT_EQ(ts_mallopt(M_MMAP_THRESHOLD, 64 << 20), 1);  // clamps to 16 MiB
  void* big = ts_malloc(10 * kMiB);
  EXPECT_EQ(huge_allocations(), before + 1);
  EXPECT_EQ(ts_mallopt(M_MMAP_THRESHOLD, -1), 0);
  ts_free(large);
  ts_free(huge);
  ts_free(big);
}

TEST(ApiMallopt, TrimThresholdMapsToThePurgeDelay) {
  EXPECT_EQ(ts_mallopt(M_TRIM_THRESHOLD, -1), 1);
  EXPECT_EQ(ts_option_get(ts_option_purge_delay), LONG_MAX);
  EXPECT_EQ(ts_mallopt(M_TRIM_THRESHOLD, 0), 1);
  EXPECT_EQ(ts_option_get(ts_option_purge_delay), 0);
  EXPECT_EQ(ts_mallopt(M_TRIM_THRESHOLD, 128 * 1024), 1);
  EXPECT_EQ(ts_option_get(ts_option_purge_delay), 0) << "a positive threshold changes nothing";
}

TEST(ApiMallopt, KnownParametersAreAcceptedUnknownRefused) {
  for (int param : {M_TOP_PAD, M_MMAP_MAX, M_ARENA_MAX, M_ARENA_TEST, M_MXFAST, M_PERTURB,
                    M_CHECK_ACTION})
    EXPECT_EQ(ts_mallopt(param, 0), 1) << param;
  EXPECT_EQ(ts_mallopt(12345, 1), 0);
  EXPECT_EQ(ts_mallopt(-100, 1), 0);
}

}  // namespace
