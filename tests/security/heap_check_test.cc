// TESSERA_DEBUG_FULL (secure/heap_check.h): the heap's invariants checked on every operation.
// Built against a DEBUG_FULL copy of the library (tests/security/CMakeLists.txt): a clean
// workload runs through the checker without a report, and a heap made inconsistent behind
// tessera's back (a free block's link, a page's counter) is named on the next operation.
#include <gtest/gtest.h>

#include <string.h>

#include <string>
#include <thread>
#include <vector>

#include "config/build_mode.h"
#include "mem/segment.h"
#include "secure/block_check.h"
#include "support/block_pattern.h"
#include "support/common.h"
#include "tessera/tessera.h"

static_assert(tessera::kDebugFull, "this test needs the DEBUG_FULL library");

namespace {

using namespace tessera_test;

constexpr size_t kSize = 100;

tessera::Page* page_of(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  return tessera::segment_page_of(tessera::segment_of(a), a);
}

// The checker's line for a broken invariant of the page holding p (it names the page's first
// block), as a regular expression.
std::string broken_line(const void* p, const std::string& what) {
  char address[32];
  snprintf(address, sizeof address, "%p", (void*)page_of(p)->start);
  std::string line = std::string("tessera: error: corrupted heap (invariant broken) of block ") +
                     address + ": " + what + "\n";
  std::string regex;
  for (char c : line) {
    if (strchr("()[]{}.*+?^$|\\", c) != nullptr) regex += '\\';
    regex += c;
  }
  return regex;
}

size_t g_errors = 0;

// Every kind of operation the checker runs after, with blocks of many sizes in many pages,
// frees from another thread and a first-class heap destroyed full: no report, contents intact.
TEST(HeapCheck, CleanWorkloadPasses) {
  ts_register_error([](const char*, void*) { g_errors++; }, nullptr);
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t i = 0; i < 20000; i++) {
    size_t n = 1 + mix64(i) % (i % 10 == 0 ? 20000 : 600);
    void* p = i % 7 == 0 ? ts_malloc_aligned(n, size_t{64} << (i % 5)) : ts_malloc(n);
    ASSERT_NE(p, nullptr);
    fill_block(p, n);
    blocks.emplace_back(p, n);
    if (i % 3 == 0) {  // free one at random: pages fill and empty, lists grow and shrink
      size_t k = mix64(i + 1) % blocks.size();
      ASSERT_TRUE(BlockIntact(blocks[k].first, blocks[k].second));
      ts_free(blocks[k].first);
      blocks[k] = blocks.back();
      blocks.pop_back();
    }
    if (i % 11 == 0 && !blocks.empty()) {
      auto& [q, m] = blocks[mix64(i + 2) % blocks.size()];
      ASSERT_TRUE(BlockIntact(q, m));
      m = m * 2 + 1;
      q = ts_realloc(q, m);
      ASSERT_NE(q, nullptr);
      fill_block(q, m);
    }
  }
  // Half freed by another thread; this thread collects them on its next operations.
  std::vector<std::pair<void*, size_t>> remote(blocks.begin() + blocks.size() / 2, blocks.end());
  blocks.resize(blocks.size() / 2);
  std::thread([&] {
    for (auto& [p, n] : remote) {
      EXPECT_TRUE(BlockIntact(p, n));
      ts_free(p);
    }
  }).join();
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  ts_heap_t* own = ts_heap_set_default(heap);  // so that the checker walks this heap too
  for (size_t i = 0; i < 2000; i++) ASSERT_NE(ts_malloc(16 + i % 300), nullptr);
  ts_heap_set_default(own);
  ts_heap_destroy(heap);
  for (auto& [p, n] : blocks) {
    EXPECT_TRUE(BlockIntact(p, n));
    ts_free(p);
  }
  ts_collect(true);
  ts_register_error(nullptr, nullptr);
  EXPECT_EQ(g_errors, 0u);
}

// A free block's link pointing back at itself: the list now holds it twice (and a malloc
// following it would hand the block out forever).
TEST(HeapCheck, AFreeBlockLinkedTwiceIsCaught) {
  void* p = ts_malloc(kSize);
  void* q = ts_malloc(kSize);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_DEATH(
      {
        ts_free(p);
        // A free block's link is the first word of its block (in the header, before p).
        auto* block = static_cast<char*>(opaque(p)) - tessera::kHeaderBytes;
        memcpy(block, &block, sizeof block);
        ts_free(q);  // the next operation checks the heap
      },
      broken_line(p, "a block is on two free lists (or twice on one)"));
  ts_free(q);
  ts_free(p);
}

// A page counter off by one: its blocks no longer add up to what it carved.
TEST(HeapCheck, APageCounterOffByOneIsCaught) {
  void* p = ts_malloc(kSize);
  void* q = ts_malloc(kSize);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_DEATH(
      {
        page_of(p)->used += 1;
        ts_free(q);
      },
      broken_line(p, "in use + free + local free differs from the blocks carved"));
  ts_free(q);
  ts_free(p);
}

}  // namespace
