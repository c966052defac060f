// tessera::Arena: what a reservation reports (page kind, fallback) and heaps built in one.
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdio>
#include <new>
#include <stdexcept>
#include <vector>

#include "cpp/heap_census.h"
#include "support/block_pattern.h"

namespace {

using tessera::Arena;
using tessera::PageKind;

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kSegment = 32 * kMiB;

void expect_consistent(const Arena& arena, size_t at_least) {
  const tessera::ArenaInfo info = arena.info();
  EXPECT_NE(info.start, nullptr);
  EXPECT_GE(info.size, at_least);
  EXPECT_EQ(info.size % kSegment, 0u);
  EXPECT_EQ(info.pages, arena.pages());
  EXPECT_EQ(arena.fell_back(), arena.pages() != arena.requested());
  std::printf("arena %d: %zu MiB, asked for %s, got %s\n", arena.id(), info.size / kMiB,
              tessera::to_string(arena.requested()), tessera::to_string(arena.pages()));
}

TEST(Arena, ReserveNormalPages) {
  const Arena arena = Arena::reserve(40 * kMiB);
  EXPECT_EQ(arena.requested(), PageKind::normal);
  EXPECT_EQ(arena.pages(), PageKind::normal);
  EXPECT_FALSE(arena.fell_back());
  expect_consistent(arena, 40 * kMiB);
  EXPECT_FALSE(arena.info().exclusive);
}

TEST(Arena, LargePagesReportWhatTheyGot) {
  const Arena arena = Arena::reserve(kSegment, {.large_pages = true, .exclusive = true});
  EXPECT_EQ(arena.requested(), PageKind::large);
  EXPECT_LE(arena.pages(), PageKind::large);
  EXPECT_TRUE(arena.info().exclusive);
  expect_consistent(arena, kSegment);
}

TEST(Arena, HugePagesReportWhatTheyGot) {
  const Arena arena = Arena::reserve_huge(1, std::chrono::milliseconds(100));
  EXPECT_EQ(arena.requested(), PageKind::huge);
  EXPECT_TRUE(arena.info().exclusive);
  expect_consistent(arena, size_t{1} << 30);
}

TEST(Arena, BadSizeIsAnError) {
  EXPECT_THROW((void)Arena::reserve(0), std::invalid_argument);
}

TEST(Arena, HeapTakesAllItsMemoryFromTheArena) {
  const Arena arena = Arena::reserve(4 * kSegment, {.exclusive = true});
  tessera::Heap heap = arena.new_heap();
  tessera::Heap second = tessera::Heap::in(arena);
  std::vector<void*> blocks;
  for (size_t size : {16, 1000, 100000, 3000000}) {
    for (tessera::Heap* h : {&heap, &second}) {
      void* p = h->allocate(size);
      tessera_test::fill_block(p, size);
      EXPECT_TRUE(arena.contains(p)) << size;
      blocks.push_back(p);
    }
  }
  EXPECT_GT(arena.info().in_use, 0u);
  for (void* p : blocks) ts_free(p);
}

TEST(Arena, FullExclusiveArenaThrowsBadAlloc) {
  const Arena arena = Arena::reserve(kSegment, {.exclusive = true});
  tessera::Heap heap = arena.new_heap();
  std::vector<void*> blocks;
  constexpr size_t kBlock = kMiB;
  auto fill_until_full = [&] {
    try {
      for (size_t i = 0; i <= kSegment / kBlock; ++i) {
        blocks.push_back(heap.allocate(kBlock));
        tessera_test::fill_sparse(blocks.back(), kBlock, i);
      }
    } catch (const std::bad_alloc&) {
      return true;
    }
    return false;
  };
  ASSERT_TRUE(fill_until_full()) << "more than the arena's size fitted in it";
  EXPECT_GT(blocks.size(), 0u);
  for (size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_TRUE(arena.contains(blocks[i]));
    ASSERT_TRUE(tessera_test::HasSparsePattern(blocks[i], kBlock, i)) << "block " << i;
  }
  // Reset gives the arena's memory back to the heap, which can fill it again.
  const size_t first_fill = blocks.size();
  heap.reset();
  blocks.clear();
  ASSERT_TRUE(fill_until_full());
  EXPECT_EQ(blocks.size(), first_fill);
}

}  // namespace
