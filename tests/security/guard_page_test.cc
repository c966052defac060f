// Guard pages between segments (mem/metadata_guard.h): in secure builds a linear overflow off
// the end of a segment's last block faults instead of running into the next segment, also
// after the segment's free spans were purged; a segment given back to an arena leaves no guard
// behind in memory the arena hands out again. Release builds have no guards: the fault tests
// are skipped there, the arena test runs everywhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <vector>

#include "config/build_mode.h"
#include "mem/metadata_guard.h"
#include "mem/segment.h"
#include "support/common.h"
#include "tessera/tessera.h"

namespace {

using tessera::kSecure;

// 47 bytes + a 16-byte header + one canary byte fill a 64-byte block exactly (64 bytes do
// without padding), and 64 divides every page's span: the last block of a segment ends where
// its guard slice begins.
constexpr size_t kRequest = tessera::kPadding ? 47 : 64;
constexpr size_t kRoom = tessera::kPadding ? 48 : 64;  // user bytes and canary, to the block's end

uint8_t* guard_of(const void* p) {
  return tessera::segment_guard_start(tessera::segment_of((uintptr_t)p));
}

// Allocates kRequest-byte blocks (keeping them in *blocks) until one ends at its segment's
// guard; returns it, or nullptr after `limit` blocks.
uint8_t* block_before_guard(ts_heap_t* heap, std::vector<void*>* blocks, size_t limit) {
  for (size_t i = 0; i < limit; i++) {
    auto* p = static_cast<uint8_t*>(ts_heap_malloc(heap, kRequest));
    if (p == nullptr) return nullptr;
    blocks->push_back(p);
    if (p + kRoom == guard_of(p)) return p;
  }
  return nullptr;
}

// Enough for three segments of 64-byte blocks.
constexpr size_t kLimit = 3 * tessera::kSegmentSize / 64;

TEST(GuardPage, OverflowOffTheEndOfASegmentFaults) {
  if (!kSecure) GTEST_SKIP() << "only secure builds put guard pages between segments";
  EXPECT_EXIT(
      {
        std::vector<void*> blocks;
        uint8_t* p = block_before_guard(ts_heap_new(), &blocks, kLimit);
        if (p == nullptr) _exit(3);
        memset(tessera_test::opaque(p), 'x', kRequest);  // its own bytes are writable
        // A linear overflow: the canary byte, then the first byte past the segment's blocks.
        for (size_t i = kRequest; i <= kRoom; i++) tessera_test::opaque(p)[i] = 'x';
        _exit(0);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

TEST(GuardPage, SurvivesPurgingTheSegmentsFreeSpans) {
  if (!kSecure) GTEST_SKIP() << "only secure builds put guard pages between segments";
  EXPECT_EXIT(
      {
        ts_heap_t* heap = ts_heap_new();
        std::vector<void*> blocks;
        uint8_t* p = block_before_guard(heap, &blocks, kLimit);
        if (p == nullptr) _exit(3);
        // Everything but the last block goes back, and the free spans are purged now.
        for (void* q : blocks)
          if (q != p) ts_free(q);
        ts_heap_collect(heap, true);
        memset(tessera_test::opaque(p), 'x', kRequest);
        tessera_test::opaque(p)[kRoom] = 'x';
        _exit(0);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

// A segment of an arena goes back to it when its heap is done with it; a huge block that then
// takes the arena's whole space may use every byte, including where the guards were.
TEST(GuardPage, ArenaMemoryComesBackWithoutGuards) {
  ts_arena_id_t arena;
  ASSERT_GE(ts_arena_reserve(2 * tessera::kSegmentSize, TS_ARENA_EXCLUSIVE, &arena), 0);
  ts_heap_t* heap = ts_heap_new_in_arena(arena);
  ASSERT_NE(heap, nullptr);
  std::vector<void*> blocks;
  // Small blocks until both of the arena's segments are in use.
  uint8_t* first = nullptr;
  for (size_t i = 0; i < kLimit; i++) {
    auto* p = static_cast<uint8_t*>(ts_heap_malloc(heap, kRequest));
    ASSERT_NE(p, nullptr);
    blocks.push_back(p);
    if (first == nullptr) first = p;
    if (tessera::segment_of((uintptr_t)p) != tessera::segment_of((uintptr_t)first)) break;
  }
  ASSERT_NE(tessera::segment_of((uintptr_t)blocks.back()), tessera::segment_of((uintptr_t)first));
  for (void* q : blocks) ts_free(q);
  ts_heap_collect(heap, true);
  ts_arena_info_t info;
  ASSERT_TRUE(ts_arena_info(arena, &info));
  EXPECT_EQ(info.in_use, 0u) << "the empty segments went back to the arena";

  // Larger than one segment: it takes both (its header fits in the rest), over the first
  // one's end guard and the second one's metadata guard.
  size_t huge = tessera::kSegmentSize + tessera::kSegmentSize / 2;
  auto* h = static_cast<uint8_t*>(ts_heap_malloc(heap, huge));
  ASSERT_NE(h, nullptr);
  memset(tessera_test::opaque(h), 'y', huge);  // faults on a guard left behind
  EXPECT_EQ(h[huge - 1], 'y');
  ts_free(h);
  ts_heap_destroy(heap);
}

}  // namespace
