// ts_malloc and ts_free over the whole size range: every block 16-byte aligned, at least as big as
// asked, and its usable bytes its own.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <set>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

TEST(ApiMalloc, ZeroSizeGivesUniqueFreeablePointers) {
  // Programs use malloc(0) results as distinct handles, so each call must differ.
  std::set<void*> seen;
  for (int i = 0; i < 1000; ++i) {
    void* p = opaque(ts_malloc(0));
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(is_aligned(p, 16)) << p;
    EXPECT_TRUE(seen.insert(p).second) << "ts_malloc(0) returned " << p << " twice";
  }
  for (void* p : seen) ts_free(p);
}

TEST(ApiMalloc, FreeNullDoesNothing) {
  ts_free(nullptr);
  void* p = ts_malloc(32);
  ASSERT_NE(p, nullptr);
  fill_block(p, 32);
  ts_free(nullptr);
  EXPECT_TRUE(BlockIntact(p, 32));
  ts_free(p);
}

// Every size up to 64 KiB, one byte apart: each size class boundary is crossed on both sides.
// The last few blocks stay live while the next are written, so a block that overlaps a recent
// neighbour fails the neighbour's check.
TEST(ApiMalloc, EverySizeUpTo64KiB) {
  constexpr size_t kLive = 4;
  void* live[kLive] = {};
  size_t live_size[kLive] = {};
  for (size_t n = 0; n <= 64 * kKiB; ++n) {
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr) << "size " << n;
    ASSERT_TRUE(is_aligned(p, 16)) << p << " for size " << n;
    const size_t usable = ts_usable_size(p);
    ASSERT_GE(usable, n);
    fill_block(p, usable);
    ASSERT_TRUE(BlockIntact(p, usable)) << "size " << n;
    const size_t slot = n % kLive;
    if (live[slot] != nullptr) {
      ASSERT_TRUE(BlockIntact(live[slot], live_size[slot])) << "size " << n;
      ts_free(live[slot]);
    }
    live[slot] = p;
    live_size[slot] = usable;
  }
  for (size_t i = 0; i < kLive; ++i) {
    EXPECT_TRUE(BlockIntact(live[i], live_size[i]));
    ts_free(live[i]);
  }
}

// Powers of two and their neighbours up to 256 MiB: the large and huge tiers. Every page is
// touched, the previous block staying live to catch overlaps.
TEST(ApiMalloc, PowersOfTwoAndNeighboursUpTo256MiB) {
  void* prev = nullptr;
  size_t prev_size = 0;
  for (int shift = 0; shift <= 28; ++shift) {
    const size_t pow = size_t{1} << shift;
    for (size_t n : {pow - 1, pow, pow + 1}) {
      void* p = ts_malloc(n);
      ASSERT_NE(p, nullptr) << "size " << n;
      ASSERT_TRUE(is_aligned(p, 16)) << p << " for size " << n;
      ASSERT_GE(ts_usable_size(p), n);
      fill_sparse(p, n, pattern_seed(p, n));
      ASSERT_TRUE(HasSparsePattern(p, n, pattern_seed(p, n))) << "size " << n;
      if (prev != nullptr) {
        ASSERT_TRUE(HasSparsePattern(prev, prev_size, pattern_seed(prev, prev_size)))
            << "size " << prev_size << " after allocating " << n;
        ts_free(prev);
      }
      prev = p;
      prev_size = n;
    }
  }
  ts_free(prev);
}

}  // namespace
