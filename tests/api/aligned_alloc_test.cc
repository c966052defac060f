// Every aligned-allocation entry point, at every power-of-two alignment up to 1 MiB (and a few
// larger), with sizes chosen to sit awkwardly against the alignment.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

struct AlignedAllocator {
  const char* name;
  void* (*alloc)(size_t size, size_t alignment);
  size_t min_alignment;  // posix_memalign rejects alignments below sizeof(void*)
};

const AlignedAllocator kAlignedAllocators[] = {
    {"MallocAligned", [](size_t n, size_t a) { return ts_malloc_aligned(n, a); }, 1},
    {"ZallocAligned", [](size_t n, size_t a) { return ts_zalloc_aligned(n, a); }, 1},
    {"ReallocAlignedFromNull", [](size_t n, size_t a) { return ts_realloc_aligned(nullptr, n, a); },
     1},
    {"AlignedAlloc", [](size_t n, size_t a) { return ts_aligned_alloc(a, n); }, 1},
    {"Memalign", [](size_t n, size_t a) { return ts_memalign(a, n); }, 1},
    {"PosixMemalign",
     [](size_t n, size_t a) {
       void* p = nullptr;
       return ts_posix_memalign(&p, a, n) == 0 ? p : nullptr;
     },
     sizeof(void*)},
};

std::vector<size_t> alignments(size_t min_alignment) {
  std::vector<size_t> result;
  for (size_t a = min_alignment; a <= kMiB; a *= 2) result.push_back(a);
  result.insert(result.end(), {2 * kMiB, 4 * kMiB, 16 * kMiB});
  return result;
}

std::vector<size_t> awkward_sizes(size_t alignment) {
  return {0, 1, 15, 17, alignment - 1, alignment, alignment + 1, 3 * alignment + 5, 100000};
}

class ApiAlignedAlloc : public ::testing::TestWithParam<AlignedAllocator> {};

// The previous block stays live while the next is written, to catch overlapping blocks.
TEST_P(ApiAlignedAlloc, AlignedUsableAndWritable) {
  void* prev = nullptr;
  size_t prev_size = 0;
  for (size_t alignment : alignments(GetParam().min_alignment)) {
    for (size_t size : awkward_sizes(alignment)) {
      void* p = GetParam().alloc(size, alignment);
      ASSERT_NE(p, nullptr) << "size " << size << ", alignment " << alignment;
      ASSERT_TRUE(is_aligned(p, std::max<size_t>(alignment, 16)))
          << p << " for size " << size << ", alignment " << alignment;
      ASSERT_GE(ts_usable_size(p), size) << "size " << size << ", alignment " << alignment;
      fill_block(p, size);
      if (prev != nullptr) {
        ASSERT_TRUE(BlockIntact(prev, prev_size))
            << "after size " << size << ", alignment " << alignment;
        ts_free(prev);
      }
      prev = p;
      prev_size = size;
    }
  }
  ts_free(prev);
}

INSTANTIATE_TEST_SUITE_P(Tessera, ApiAlignedAlloc, ::testing::ValuesIn(kAlignedAllocators),
                         [](const auto& info) { return std::string(info.param.name); });

// Huge blocks (their own mapping) at every alignment, fresh and recycled from the huge cache:
// the block must start on the alignment even where the mapping's header is not a multiple of
// it (checked builds' headers are 2 MiB and more).
TEST(ApiAlignedHuge, EveryAlignmentFreshAndRecycled) {
  const size_t size = 20 * kMiB;
  for (int round = 0; round < 2; round++) {
    for (size_t alignment = 16; alignment <= 16 * kMiB; alignment *= 4) {
      auto* p = (unsigned char*)ts_malloc_aligned(size, alignment);
      ASSERT_NE(p, nullptr) << alignment;
      EXPECT_TRUE(is_aligned(p, alignment)) << (void*)p << " for alignment " << alignment;
      ASSERT_GE(ts_usable_size(p), size) << alignment;
      p[0] = 1;
      p[size - 1] = 2;
      EXPECT_EQ(p[0] + p[size - 1], 3);
      ts_free(p);
    }
  }
}

// Zeroed even where the allocator recycles a block that an aligned allocation of the same shape
// just dirtied.
TEST(ApiZallocAligned, ZeroesRecycledMemory) {
  for (size_t alignment : alignments(1)) {
    for (size_t size : awkward_sizes(alignment)) {
      void* dirty = ts_malloc_aligned(size, alignment);
      ASSERT_NE(dirty, nullptr);
      std::memset(opaque(dirty), 0xAB, ts_usable_size(dirty));
      ts_free(dirty);
      void* p = ts_zalloc_aligned(size, alignment);
      ASSERT_NE(p, nullptr) << "size " << size << ", alignment " << alignment;
      ASSERT_TRUE(is_aligned(p, alignment)) << p;
      ASSERT_TRUE(IsZeroed(p, size)) << "size " << size << ", alignment " << alignment;
      ts_free(p);
    }
  }
}

TEST(ApiValloc, PageAligned) {
  const size_t page = page_size();
  for (size_t size : {size_t{0}, size_t{1}, page - 1, page, page + 1, 10 * page + 3, 3 * kMiB}) {
    void* p = ts_valloc(size);
    ASSERT_NE(p, nullptr) << "size " << size;
    EXPECT_TRUE(is_aligned(p, page)) << p;
    ASSERT_GE(ts_usable_size(p), size);
    fill_block(p, size);
    EXPECT_TRUE(BlockIntact(p, size));
    ts_free(p);
  }
}

TEST(ApiPvalloc, PageAlignedAndRoundedToWholePages) {
  const size_t page = page_size();
  for (size_t size : {size_t{1}, page - 1, page, page + 1, 10 * page + 3, 3 * kMiB + 1}) {
    const size_t rounded = (size + page - 1) / page * page;
    void* p = ts_pvalloc(size);
    ASSERT_NE(p, nullptr) << "size " << size;
    EXPECT_TRUE(is_aligned(p, page)) << p;
    ASSERT_GE(ts_usable_size(p), rounded) << "size " << size;
    fill_block(p, rounded);  // all of it is the caller's
    EXPECT_TRUE(BlockIntact(p, rounded));
    ts_free(p);
  }
  void* p = ts_pvalloc(0);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(is_aligned(p, page)) << p;
  ts_free(p);
}

}  // namespace
