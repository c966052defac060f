// purge_decommits: off, tessera purges with MADV_FREE (the kernel takes the pages when it needs
// them). The purged bytes stop counting as committed either way, and since such memory may
// still hold its old bytes, calloc must not take it for zeroed.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cstring>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

void purge_and_reuse(bool decommit) {
  constexpr size_t kSize = 4 * kMiB;
  ts_option_set(ts_option_purge_decommits, decommit ? 1 : 0);
  void* p = ts_malloc(kSize);
  ASSERT_NE(p, nullptr);
  memset(p, 0xee, kSize);
  const ts_process_info_t before = process_info();
  ts_free(p);
  ts_collect(true);
  const ts_process_info_t after = process_info();
  EXPECT_LE(after.committed + kSize, before.committed);
  EXPECT_GE(after.purged, before.purged + kSize);
  // The same span comes back: it must read as zero.
  void* q = ts_calloc(1, kSize);
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(IsZeroed(q, kSize));
  ts_free(q);
  ts_option_set(ts_option_purge_decommits, 1);
}

TEST(ApiPurgeDecommits, DontNeedPurgesAndZeroes) { purge_and_reuse(true); }
TEST(ApiPurgeDecommits, LazyFreePurgesAndCallocStillZeroes) { purge_and_reuse(false); }

}  // namespace
