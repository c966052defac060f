// ts_version, ts_process_info and ts_collect: the counters are consistent, follow what the
// program does, and ts_collect(true) gives freed memory back.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

TEST(ApiVersion, MatchesHeader) { EXPECT_EQ(ts_version(), TESSERA_VERSION); }

::testing::AssertionResult consistent(const ts_process_info_t& info) {
  if (info.committed <= info.reserved && info.committed <= info.committed_peak)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "reserved " << info.reserved << ", committed "
                                       << info.committed << ", peak " << info.committed_peak;
}

TEST(ApiProcessInfo, TracksABigAllocation) {
  constexpr size_t kBig = 64 * kMiB;
  ts_collect(true);  // so that `before` holds no free memory the big block could reuse
  const ts_process_info_t before = process_info();
  EXPECT_TRUE(consistent(before));

  void* p = ts_malloc(kBig);
  ASSERT_NE(p, nullptr);
  fill_sparse(p, kBig, 1);  // commit every page
  const ts_process_info_t during = process_info();
  EXPECT_TRUE(consistent(during));
  // Slack of a quarter for memory the allocator may keep cached even after a forced collect.
  EXPECT_GE(during.committed, before.committed + kBig * 3 / 4);
  EXPECT_GE(during.reserved, kBig);
  EXPECT_GE(during.committed_peak, during.committed);
  EXPECT_GE(during.purged, before.purged);

  ts_free(p);
  ts_collect(true);
  const ts_process_info_t after = process_info();
  EXPECT_TRUE(consistent(after));
  EXPECT_LE(after.committed, during.committed - kBig / 2) << "the block's memory was not returned";
  EXPECT_GE(after.committed_peak, during.committed);  // a peak never goes down
  EXPECT_GE(after.purged, during.purged + kBig / 2);
}

// Many small blocks, freed: a forced collect must return most of their pages, a gentle one must at
// least leave the allocator working.
TEST(ApiCollect, ForcedCollectReturnsFreedSmallBlocks) {
  constexpr size_t kBlock = 256, kTotal = 64 * kMiB;
  std::vector<void*> blocks(kTotal / kBlock);
  ts_collect(true);
  const ts_process_info_t before = process_info();
  for (void*& p : blocks) {
    p = ts_malloc(kBlock);
    ASSERT_NE(p, nullptr);
    fill_block(p, kBlock);
  }
  const size_t committed_full = process_info().committed;
  EXPECT_GE(committed_full, before.committed + kTotal * 3 / 4);
  for (void* p : blocks) {
    ASSERT_TRUE(BlockIntact(p, kBlock));
    ts_free(p);
  }

  ts_collect(false);
  for (void*& p : blocks) {  // reuse after a gentle collect
    p = ts_malloc(kBlock);
    ASSERT_NE(p, nullptr);
    fill_block(p, kBlock);
  }
  for (void* p : blocks) {
    ASSERT_TRUE(BlockIntact(p, kBlock));
    ts_free(p);
  }

  ts_collect(true);
  const ts_process_info_t after = process_info();
  EXPECT_TRUE(consistent(after));
  EXPECT_LE(after.committed, before.committed + kTotal / 10);
  EXPECT_GT(after.purged, before.purged);
}

}  // namespace
