// ts_calloc and ts_zalloc hand out zeroed memory even when it is recycled: the allocator may skip
// zeroing fresh OS pages, but never memory a previous block dirtied.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cstring>
#include <set>
#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

struct ZeroingAllocator {
  const char* name;
  void* (*alloc)(size_t size);
};

const ZeroingAllocator kZeroingAllocators[] = {
    {"CallocBytes", [](size_t n) { return ts_calloc(n, 1); }},
    {"CallocOneElement", [](size_t n) { return ts_calloc(1, n); }},
    {"Zalloc", [](size_t n) { return ts_zalloc(n); }},
};

class ApiZeroedAlloc : public ::testing::TestWithParam<ZeroingAllocator> {};

// Small sizes many times over (so freed blocks of each class are reused), medium and large once.
std::vector<size_t> recycled_sizes() {
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 1024; n += 7) sizes.insert(sizes.end(), 16, n);
  for (size_t n = 1100; n <= 64 * kKiB; n = n * 3 / 2) sizes.insert(sizes.end(), 4, n);
  for (size_t n = 64 * kKiB; n <= 32 * kMiB; n *= 2) sizes.insert(sizes.end(), {n - 1, n + 100});
  return sizes;
}

TEST_P(ApiZeroedAlloc, ZeroesRecycledMemory) {
  const std::vector<size_t> sizes = recycled_sizes();
  // Dirty memory of every size, all live at once, then free it for the zeroing allocations.
  std::vector<void*> blocks(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    blocks[i] = ts_malloc(sizes[i]);
    ASSERT_NE(blocks[i], nullptr);
    std::memset(opaque(blocks[i]), 0xAB, ts_usable_size(blocks[i]));
  }
  for (void* p : blocks) ts_free(p);
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      blocks[i] = GetParam().alloc(sizes[i]);
      ASSERT_NE(blocks[i], nullptr) << "size " << sizes[i];
      ASSERT_TRUE(IsZeroed(blocks[i], sizes[i])) << "round " << round << ", size " << sizes[i];
      std::memset(opaque(blocks[i]), 0xAB, ts_usable_size(blocks[i]));  // dirty for the next round
    }
    for (void* p : blocks) ts_free(p);
  }
}

TEST_P(ApiZeroedAlloc, ZeroSizeGivesUniqueFreeablePointers) {
  std::set<void*> seen;
  for (int i = 0; i < 100; ++i) {
    void* p = opaque(GetParam().alloc(0));
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(seen.insert(p).second) << p << " returned twice";
  }
  for (void* p : seen) ts_free(p);
}

INSTANTIATE_TEST_SUITE_P(Tessera, ApiZeroedAlloc, ::testing::ValuesIn(kZeroingAllocators),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ApiCalloc, MultipliesCountBySize) {
  for (size_t count : {1, 3, 100, 4096}) {
    for (size_t size : {1, 8, 24, 1000}) {
      auto* p = static_cast<unsigned char*>(ts_calloc(count, size));
      ASSERT_NE(p, nullptr);
      ASSERT_GE(ts_usable_size(p), count * size);
      EXPECT_TRUE(IsZeroed(p, count * size));
      ts_free(p);
    }
  }
  // A zero count or element size is a zero-byte request: a unique, freeable pointer.
  void* a = opaque(ts_calloc(0, 16));
  void* b = opaque(ts_calloc(16, 0));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  ts_free(a);
  ts_free(b);
}

}  // namespace
