// ts_usable_size and ts_good_size: the usable size is really the caller's (writing all of it
// harms no neighbour), and ts_good_size predicts what ts_malloc gives.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <vector>

#include "config/build_mode.h"
#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

TEST(ApiUsableSize, NullIsZero) { EXPECT_EQ(ts_usable_size(nullptr), 0u); }

// Blocks of one size allocated back to back are usually neighbours in memory. Writing each one's
// full usable size would overwrite the next one's pattern if the allocator overstated it.
void expect_usable_bytes_private(void* (*alloc)(size_t), size_t size) {
  constexpr int kNeighbours = 8;
  std::vector<void*> blocks;
  for (int i = 0; i < kNeighbours; ++i) {
    void* p = alloc(size);
    ASSERT_NE(p, nullptr) << "size " << size;
    ASSERT_GE(ts_usable_size(p), size);
    fill_block(p, ts_usable_size(p));
    blocks.push_back(p);
  }
  for (void* p : blocks) {
    EXPECT_TRUE(BlockIntact(p, ts_usable_size(p))) << "size " << size;
    ts_free(p);
  }
}

std::vector<size_t> sizes_to_probe() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 2048; ++n) sizes.push_back(n);
  for (size_t n = 2049; n <= 8 * kMiB; n += n / 8 + 1) sizes.push_back(n);
  return sizes;
}

TEST(ApiUsableSize, AllUsableBytesAreWritable) {
  for (size_t n : sizes_to_probe())
    expect_usable_bytes_private([](size_t s) { return ts_malloc(s); }, n);
}

TEST(ApiUsableSize, AllUsableBytesOfAlignedBlocksAreWritable) {
  for (size_t n : {size_t{1}, size_t{100}, size_t{4000}, 70 * kKiB, 3 * kMiB}) {
    expect_usable_bytes_private([](size_t s) { return ts_malloc_aligned(s, 64); }, n);
    expect_usable_bytes_private([](size_t s) { return ts_malloc_aligned(s, 4096); }, n);
    expect_usable_bytes_private([](size_t s) { return ts_malloc_aligned(s, 256 * kKiB); }, n);
  }
}

// ts_good_size(n) is the usable size ts_malloc(n) gets, at least up to 1 MiB, and never below n.
TEST(ApiGoodSize, MatchesUsableSizeOfMalloc) {
  size_t previous = 0;
  for (size_t n : sizes_to_probe()) {
    const size_t good = ts_good_size(n);
    ASSERT_GE(good, n);
    ASSERT_GE(good, previous) << "ts_good_size is not monotonic at " << n;
    previous = good;
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr);
    if (tessera::kPadding) {
      // Padding builds: the canary starts right after the size asked for (malloc(0) gets 1).
      EXPECT_EQ(ts_usable_size(p), n ? n : 1) << "size " << n;
    } else if (n <= kMiB) {
      EXPECT_EQ(ts_usable_size(p), good) << "size " << n;
    } else {
      EXPECT_GE(ts_usable_size(p), n);
    }
    ts_free(p);
  }
}

}  // namespace
