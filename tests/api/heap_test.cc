// First-class heaps (ts_heap_*): allocation from a named heap, frees from any thread, delete
// (blocks move to the default heap), destroy and reset (everything freed at once), visiting,
// and misuse from a thread that does not own the heap.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "config/build_mode.h"
#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

struct Block {
  void* p;
  size_t size;
};

// Sizes from every tier: small, medium, large and huge.
const size_t kTierSizes[] = {1, 16, 24, 100, 1000, 8192, 20000, 131072, 200000, 4 << 20, 24 << 20};

std::vector<Block> fill_blocks(ts_heap_t* heap, size_t rounds) {
  std::vector<Block> blocks;
  for (size_t r = 0; r < rounds; r++) {
    for (size_t n : kTierSizes) {
      void* p = ts_heap_malloc(heap, n);
      EXPECT_NE(p, nullptr) << n;
      if (p == nullptr) continue;
      EXPECT_TRUE(is_aligned(p, 16));
      fill_sparse(p, n, pattern_seed(p, n));
      blocks.push_back({p, n});
    }
  }
  return blocks;
}

void expect_intact(const std::vector<Block>& blocks) {
  for (const Block& b : blocks) {
    EXPECT_EQ(sparse_mismatch(b.p, b.size, pattern_seed(b.p, b.size)), b.size) << b.size;
  }
}

// Live blocks as ts_heap_visit_blocks sees them: address -> size. Each one is the address the
// program holds with its usable size, inside its area; a block fills its area's slot, unless
// the build pads it with a header and a canary, or checks blocks and hands an aligned one out
// at its aligned address inside the slot.
std::map<void*, size_t> visited_blocks(ts_heap_t* heap) {
  std::map<void*, size_t> seen;
  auto visit = [](const ts_heap_t*, const ts_heap_area_t* area, void* block, size_t size,
                  void* arg) {
    if (block != nullptr) {
      EXPECT_EQ(size, ts_usable_size(block));
      if (tessera::kPadding) EXPECT_LT(size, area->block_size);
      else if (tessera::kCheckedBlocks) EXPECT_LE(size, area->block_size);  // aligned: inside
      else EXPECT_EQ(size, area->block_size);
      EXPECT_GE((uintptr_t)block, (uintptr_t)area->blocks);
      EXPECT_LE((uintptr_t)block + size, (uintptr_t)area->blocks + area->committed);
      bool first_visit = static_cast<std::map<void*, size_t>*>(arg)->emplace(block, size).second;
      EXPECT_TRUE(first_visit) << "visited twice: " << block;
    }
    return true;
  };
  EXPECT_TRUE(ts_heap_visit_blocks(heap, true, visit, &seen));
  return seen;
}

TEST(Heap, AllocatesFromItselfInEveryTier) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  EXPECT_NE(heap, ts_heap_get_default());
  std::vector<Block> blocks = fill_blocks(heap, 3);
  void* mine = ts_malloc(100);
  for (const Block& b : blocks) {
    EXPECT_EQ(ts_heap_of(b.p), heap) << b.size;
    EXPECT_TRUE(ts_heap_contains(heap, b.p));
    EXPECT_TRUE(ts_heap_contains(heap, (char*)b.p + b.size - 1));
    EXPECT_FALSE(ts_heap_contains(ts_heap_get_default(), b.p));
  }
  EXPECT_EQ(ts_heap_of(mine), ts_heap_get_default());
  EXPECT_FALSE(ts_heap_contains(heap, mine));
  int local = 0;
  EXPECT_EQ(ts_heap_of(&local), nullptr);
  expect_intact(blocks);
  for (const Block& b : blocks) ts_free(b.p);
  ts_free(mine);
  ts_heap_delete(heap);
}

TEST(Heap, TheOtherAllocationFunctions) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  auto* z = (unsigned char*)ts_heap_zalloc(heap, 5000);
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(std::count(z, z + 5000, 0), 5000);
  auto* c = (unsigned char*)ts_heap_calloc(heap, 100, 30);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(std::count(c, c + 3000, 0), 3000);
  errno = 0;
  EXPECT_EQ(ts_heap_calloc(heap, opaque(SIZE_MAX / 2), 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  for (size_t align : {32u, 256u, 4096u, 1u << 20}) {
    void* a = ts_heap_malloc_aligned(heap, 100, align);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(is_aligned(a, align));
    EXPECT_TRUE(ts_heap_contains(heap, a));
    auto* za = (unsigned char*)ts_heap_zalloc_aligned(heap, 300, align);
    ASSERT_NE(za, nullptr);
    EXPECT_EQ(std::count(za, za + 300, 0), 300);
    void* ra = ts_heap_realloc_aligned(heap, a, 5000, align);
    ASSERT_NE(ra, nullptr);
    EXPECT_TRUE(is_aligned(ra, align));
    ts_free(ra);
    ts_free(za);
  }
  errno = 0;
  EXPECT_EQ(ts_heap_malloc_aligned(heap, 10, 48), nullptr);
  EXPECT_EQ(errno, EINVAL);
  // realloc keeps contents and moves within the heap.
  auto* r = (unsigned char*)ts_heap_malloc(heap, 40);
  fill_pattern(r, 40, 7);
  r = (unsigned char*)ts_heap_realloc(heap, r, 100000);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(pattern_mismatch(r, 40, 7), 40u);
  EXPECT_EQ(ts_heap_of(r), heap);
  r = (unsigned char*)ts_heap_reallocarray(heap, r, 1000, 3000);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(pattern_mismatch(r, 40, 7), 40u);
  errno = 0;
  EXPECT_EQ(ts_heap_reallocarray(heap, r, opaque(SIZE_MAX / 2), 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  char* s = ts_heap_strdup(heap, "a heap of its own");
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(s, "a heap of its own");
  EXPECT_EQ(ts_heap_of(s), heap);
  ts_free(s);
  ts_free(r);
  ts_free(c);
  ts_free(z);
  ts_heap_delete(heap);
}

TEST(Heap, VisitSeesExactlyTheLiveBlocks) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  std::vector<Block> blocks = fill_blocks(heap, 20);
  for (size_t i = 0; i < 3000; i++) {
    size_t n = 16 + (i % 50) * 16;
    void* p = ts_heap_malloc(heap, n);
    ASSERT_NE(p, nullptr);
    fill_sparse(p, n, pattern_seed(p, n));
    blocks.push_back({p, n});
  }
  // Aligned blocks in every tier: checked builds hand them out further inside their block.
  std::set<void*> aligned;
  for (size_t round = 0; round < 3; round++) {
    for (size_t align : {64u, 4096u, 65536u, 1u << 20}) {
      for (size_t n : {100u, 5000u, 300000u, 20u << 20}) {
        void* p = ts_heap_malloc_aligned(heap, n, align);
        ASSERT_NE(p, nullptr) << n << " aligned to " << align;
        fill_sparse(p, n, pattern_seed(p, n));
        blocks.push_back({p, n});
        aligned.insert(p);
      }
    }
  }
  // Free every third block here and every third (offset by one) from another thread.
  std::vector<Block> live, remote;
  for (size_t i = 0; i < blocks.size(); i++) {
    if (i % 3 == 0) ts_free(blocks[i].p);
    else if (i % 3 == 1) remote.push_back(blocks[i]);
    else live.push_back(blocks[i]);
  }
  std::thread([&] { for (const Block& b : remote) ts_free(b.p); }).join();
  const std::map<void*, size_t> visited = visited_blocks(heap);
  EXPECT_EQ(visited.size(), live.size());
  for (const Block& b : live) {
    // Exactly the address the program holds; release builds know no more of an aligned
    // block inside an over-allocated one than the block around it.
    auto it = visited.upper_bound(b.p);
    ASSERT_NE(it, visited.begin()) << b.size << " not visited";
    --it;
    if (tessera::kCheckedBlocks || !aligned.count(b.p)) {
      EXPECT_EQ(it->first, b.p) << b.size;
    }
    EXPECT_LE((uintptr_t)b.p + b.size, (uintptr_t)it->first + it->second) << b.size;
  }

  // The area figures add up, and stopping early is honoured.
  size_t areas = 0, used = 0;
  struct Count { size_t* areas; size_t* used; } count{&areas, &used};
  auto tally = [](const ts_heap_t*, const ts_heap_area_t* area, void* block, size_t, void* arg) {
    auto* c = static_cast<Count*>(arg);
    EXPECT_EQ(block, nullptr);  // areas only
    EXPECT_LE(area->committed, area->reserved);
    ++*c->areas;
    *c->used += area->used;
    return true;
  };
  EXPECT_TRUE(ts_heap_visit_blocks(heap, false, tally, &count));
  EXPECT_EQ(used, live.size());
  EXPECT_GT(areas, 3u);
  size_t calls = 0;
  auto stop = [](const ts_heap_t*, const ts_heap_area_t*, void*, size_t, void* arg) {
    return ++*static_cast<size_t*>(arg) < 2;
  };
  EXPECT_FALSE(ts_heap_visit_blocks(heap, true, stop, &calls));
  EXPECT_EQ(calls, 2u);
  expect_intact(live);
  ts_heap_destroy(heap);
}

TEST(Heap, DeleteMovesLiveBlocksToTheDefaultHeap) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  std::vector<Block> blocks = fill_blocks(heap, 5);
  ts_heap_delete(heap);
  expect_intact(blocks);
  for (const Block& b : blocks) EXPECT_EQ(ts_heap_of(b.p), ts_heap_get_default()) << b.size;
  // The blocks are now ordinary blocks of this thread: realloc and free work.
  for (Block& b : blocks) {
    b.p = ts_realloc(b.p, b.size + 1);
    ASSERT_NE(b.p, nullptr);
    fill_sparse(b.p, b.size, pattern_seed(b.p, b.size));
  }
  expect_intact(blocks);
  for (const Block& b : blocks) ts_free(b.p);
}

TEST(Heap, BlocksFreedFromOtherThreadsAreReused) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  std::vector<void*> blocks;
  for (int i = 0; i < 20000; i++) {
    auto* p = (uint64_t*)ts_heap_malloc(heap, 64);
    ASSERT_NE(p, nullptr);
    *p = (uint64_t)i;
    blocks.push_back(p);
  }
  std::set<void*> first(blocks.begin(), blocks.end());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (size_t i = (size_t)t; i < blocks.size(); i += 4) {
        EXPECT_EQ(*(uint64_t*)blocks[i], i);
        ts_free(blocks[i]);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(visited_blocks(heap).empty());
  // The heap takes the remotely freed blocks back instead of carving new memory.
  size_t reused = 0;
  std::vector<void*> again;
  for (int i = 0; i < 20000; i++) {
    void* p = ts_heap_malloc(heap, 64);
    reused += first.count(p);
    again.push_back(p);
  }
  // (Pages emptied entirely may be re-carved elsewhere; most blocks come back in place.)
  EXPECT_GE(reused, again.size() * 9 / 10);
  ts_heap_destroy(heap);
}

size_t blocks_in_use() {
  ts_stats_t stats{};
  stats.size = sizeof stats;
  EXPECT_EQ(ts_stats_get(&stats), 0);
  return stats.total.blocks_in_use;
}

TEST(Heap, DestroyAndResetFreeMillionsOfBlocksAtOnce) {
  constexpr size_t kBlocks = 1'000'000;
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  ts_collect(true);
  const size_t committed_before = process_info().committed;
  std::vector<void*> blocks(kBlocks);
  auto fill = [&] {
    for (size_t i = 0; i < kBlocks; i++) {
      blocks[i] = ts_heap_malloc(heap, 32);
      ASSERT_NE(blocks[i], nullptr);
      *(size_t*)blocks[i] = i;
    }
  };
  using clock = std::chrono::steady_clock;
  fill();
  auto t0 = clock::now();
  for (void* p : blocks) ts_free(p);
  const double one_by_one = std::chrono::duration<double>(clock::now() - t0).count();

  const size_t in_use_before = blocks_in_use();
  fill();
  EXPECT_GE(blocks_in_use(), in_use_before + kBlocks);  // the statistics see them all
  const size_t committed_full = process_info().committed;
  EXPECT_GE(committed_full, committed_before + kBlocks * 32);
  t0 = clock::now();
  ts_heap_reset(heap);
  const double reset = std::chrono::duration<double>(clock::now() - t0).count();
  EXPECT_TRUE(visited_blocks(heap).empty());
  EXPECT_LT(blocks_in_use(), in_use_before + 1000);  // and see them gone at once
  EXPECT_EQ(ts_heap_of(blocks[0]), nullptr);  // no block there any more
  // The heap keeps its memory for reuse: filling it again takes no more.
  fill();
  EXPECT_EQ(visited_blocks(heap).size(), kBlocks);
  EXPECT_LE(process_info().committed, committed_full + committed_full / 16);
  t0 = clock::now();
  ts_heap_destroy(heap);
  const double destroy = std::chrono::duration<double>(clock::now() - t0).count();
  EXPECT_EQ(ts_heap_of(blocks[0]), nullptr);
  EXPECT_LT(blocks_in_use(), in_use_before + 1000);
  // The memory goes back to the OS after the purge delay, or now with a forced collect.
  ts_collect(true);
  EXPECT_LT(process_info().committed, committed_before + kBlocks * 32 / 4);
  std::printf("1M blocks of 32 B: free one by one %.2f ms, reset %.3f ms (%.0fx), destroy %.3f ms "
              "(%.0fx)\n", one_by_one * 1e3, reset * 1e3, one_by_one / reset, destroy * 1e3,
              one_by_one / destroy);
}

TEST(Heap, SetDefaultRedirectsPlainMalloc) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  ts_heap_t* own = ts_heap_get_default();
  EXPECT_EQ(ts_heap_set_default(heap), own);
  EXPECT_EQ(ts_heap_get_default(), heap);
  void* p = ts_malloc(100);
  void* big = ts_malloc(1 << 20);
  EXPECT_EQ(ts_heap_of(p), heap);
  EXPECT_EQ(ts_heap_of(big), heap);
  EXPECT_EQ(ts_heap_set_default(own), heap);
  void* q = ts_malloc(100);
  EXPECT_EQ(ts_heap_of(q), own);
  ts_free(q);
  // Deleting the default heap puts the thread's own heap back.
  ts_heap_set_default(heap);
  ts_heap_delete(heap);
  EXPECT_EQ(ts_heap_get_default(), own);
  EXPECT_EQ(ts_heap_of(p), own);
  ts_free(p);
  ts_free(big);
}

TEST(Heap, ThreadExitKeepsItsHeapsBlocksValid) {
  std::vector<Block> blocks;
  ts_heap_t* heap = nullptr;
  std::thread([&] {
    heap = ts_heap_new();
    ASSERT_NE(heap, nullptr);
    blocks = fill_blocks(heap, 4);
  }).join();  // exits without deleting its heap
  expect_intact(blocks);
  for (const Block& b : blocks) EXPECT_NE(ts_heap_of(b.p), heap);
  for (const Block& b : blocks) ts_free(b.p);
}

std::string stderr_of(void (*f)(ts_heap_t*), ts_heap_t* heap) {
  testing::internal::CaptureStderr();
  f(heap);
  return testing::internal::GetCapturedStderr();
}

TEST(Heap, UseFromAnotherThreadIsRefusedAndReported) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  void* p = ts_heap_malloc(heap, 100);
  std::string out;
  std::thread([&] {
    out = stderr_of([](ts_heap_t* h) {
      errno = 0;
      EXPECT_EQ(ts_heap_malloc(h, 10), nullptr);
      EXPECT_EQ(errno, EPERM);
      EXPECT_EQ(ts_heap_calloc(h, 1, 10), nullptr);
      ts_heap_destroy(h);  // refused: the heap stays intact
    }, heap);
  }).join();
  EXPECT_NE(out.find("tessera: error: heap used by a thread that does not own it"),
            std::string::npos) << out;
  EXPECT_EQ(ts_heap_of(p), heap);
  // Its own thread still uses it.
  void* q = ts_heap_malloc(heap, 10);
  EXPECT_NE(q, nullptr);
  ts_heap_destroy(heap);
  // And after destroy it is refused here too.
  out = stderr_of([](ts_heap_t* h) {
    errno = 0;
    EXPECT_EQ(ts_heap_malloc(h, 10), nullptr);
    EXPECT_EQ(errno, EPERM);
  }, heap);
  EXPECT_NE(out.find("after delete"), std::string::npos) << out;
}

TEST(Heap, TheThreadsOwnHeapCannotBeDestroyed) {
  void* p = ts_malloc(64);
  testing::internal::CaptureStderr();
  errno = 0;
  ts_heap_destroy(ts_heap_get_default());
  EXPECT_EQ(errno, EINVAL);
  ts_heap_reset(ts_heap_get_default());
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("cannot be deleted, destroyed or reset"), std::string::npos) << out;
  EXPECT_EQ(ts_heap_of(p), ts_heap_get_default());
  ts_free(p);
}

}  // namespace
