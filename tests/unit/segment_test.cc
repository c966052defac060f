// Spans inside segments: splitting, coalescing both ways, the segment map, and purging.
#include "mem/segment.h"

#include <gtest/gtest.h>

#include <vector>

#include "mem/memory_stats.h"
#include "mem/segment_map.h"

namespace tessera {
namespace {

TEST(SegmentMap, KnowsOnlyRegisteredRanges) {
  alignas(16) static char not_ours[64];
  EXPECT_EQ(segment_map_lookup((uintptr_t)not_ours), 0u);
  int on_stack = 0;
  EXPECT_EQ(segment_map_lookup((uintptr_t)&on_stack), 0u);
  // A fake three-chunk huge segment far away in the address space (nothing is mapped).
  uintptr_t base = (uintptr_t)0x5a5a << kSegmentShift;
  ASSERT_TRUE(segment_map_add(base, 3 * kSegmentSize - 4096));
  EXPECT_EQ(segment_map_lookup(base), base);
  EXPECT_EQ(segment_map_lookup(base + kSegmentSize + 12345), base);
  EXPECT_EQ(segment_map_lookup(base + 3 * kSegmentSize - 1), base);
  EXPECT_EQ(segment_map_lookup(base + 3 * kSegmentSize), 0u);
  segment_map_remove(base, 3 * kSegmentSize - 4096);
  EXPECT_EQ(segment_map_lookup(base + kSegmentSize), 0u);
}

TEST(Segment, HeaderFitsItsMetaSlices) {
  EXPECT_LE(sizeof(Segment), kSegmentMetaSlices * kSliceSize);
  EXPECT_EQ(sizeof(Page), kCheckedBlocks ? 192u : 128u);  // checked builds: the shape's line
}

class SpaceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(space_.add_segment(nullptr, 0)); }
  void TearDown() override { space_.release_all(); }
  SegmentSpace space_;
};

TEST_F(SpaceTest, SplitsAndCoalescesFreedSpans) {
  bool clean;
  std::vector<Page*> spans;
  for (size_t n : {1, 3, 8, 20, 1, 100}) {
    Page* s = space_.alloc_span(n, &clean);
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(clean);  // never used memory is known zero
    EXPECT_EQ(s->slice_count, n);
    for (size_t i = 1; i < n; i++) EXPECT_EQ(s[i].slice_offset, i);
    spans.push_back(s);
  }
  Segment* seg = segment_of_page(spans[0]);
  EXPECT_EQ(seg->used_spans, spans.size());
  // Free in an order that exercises merging with the next, the previous, and both.
  uint64_t now = 1000;
  for (size_t i : {1, 3, 2, 0, 4}) EXPECT_FALSE(space_.free_span(spans[i], now));
  Page* merged = &seg->slices[seg->meta_slices];
  EXPECT_EQ(merged->kind, SpanKind::kFree);
  EXPECT_TRUE(merged->dirty);
  EXPECT_EQ(merged->slice_count, 1u + 3 + 8 + 20 + 1);
  // A dirty span is reused before clean memory.
  Page* again = space_.alloc_span(30, &clean);
  EXPECT_EQ(again, merged);
  EXPECT_FALSE(clean);
  space_.free_span(again, now);
  EXPECT_TRUE(space_.free_span(spans[5], now));  // the segment is empty now
  EXPECT_EQ(seg->used_spans, 0u);
}

TEST_F(SpaceTest, PurgeWaitsForTheDelayThenCleansAndMergesCleanSpans) {
  bool clean;
  Page* keep = space_.alloc_span(1, &clean);  // keeps the segment from being released
  Page* s = space_.alloc_span(4, &clean);
  uint8_t* mem = slice_address(segment_of_page(s), s);
  mem[0] = 42;
  space_.free_span(s, /*now_ms=*/1000);
  EXPECT_EQ(s->slice_count, 4u);  // dirty: not merged with the clean rest of the segment
  EXPECT_EQ(space_.purge(1000 + 10, 100, false), 0u);  // too early
  EXPECT_EQ(space_.purge(1000 + 100, 100, false), 4 * kSliceSize);
  EXPECT_EQ(mem[0], 0);  // purged memory reads as zero
  EXPECT_FALSE(s->dirty);
  EXPECT_EQ(s->slice_count, kSegmentUsableSlices - 1);  // merged with the clean rest
  Page* again = space_.alloc_span(4, &clean);
  EXPECT_EQ(again, s);
  EXPECT_TRUE(clean);
  space_.free_span(again, 2000);
  space_.free_span(keep, 2000);
}

TEST_F(SpaceTest, GrowSpanTakesTheFreeSlicesAfterIt) {
  bool clean;
  Page* a = space_.alloc_span(3, &clean);
  ASSERT_TRUE(space_.grow_span(a, 10));  // into the free rest of the segment
  EXPECT_EQ(a->slice_count, 10u);
  for (size_t i = 1; i < 10; i++) EXPECT_EQ(a[i].slice_offset, i);
  Page* b = space_.alloc_span(2, &clean);
  EXPECT_EQ(b, a + 10);  // the free rest starts right after the grown span
  EXPECT_FALSE(space_.grow_span(a, 11));  // b is in the way
  EXPECT_EQ(a->slice_count, 10u);
  space_.free_span(b, 100);
  EXPECT_TRUE(space_.grow_span(a, 11));  // b's slices are free again
  EXPECT_EQ(a->slice_count, 11u);
  EXPECT_EQ(a[11].kind, SpanKind::kFree);
  space_.free_span(a, 100);
}

TEST_F(SpaceTest, EmptySegmentIsReleasedAfterTheDelay) {
  size_t reserved = g_memory_stats.reserved.load();
  bool clean;
  Page* s = space_.alloc_span(2, &clean);
  space_.free_span(s, 5000);
  space_.purge(5001, 100, false);
  EXPECT_NE(space_.segments, nullptr);
  space_.purge(5100, 100, false);
  EXPECT_EQ(space_.segments, nullptr);
  EXPECT_EQ(g_memory_stats.reserved.load(), reserved - kSegmentSize);
  ASSERT_TRUE(space_.add_segment(nullptr, 0));  // for TearDown
}

}  // namespace
}  // namespace tessera
