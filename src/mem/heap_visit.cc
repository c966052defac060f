// mem/heap_visit.cc — walking a heap's areas (pages, large and huge blocks) and the blocks in
// use inside them, for ts_heap_visit_blocks. Owner thread only: it folds the pages' pending
// frees in first, so that "in use" is exact.
//
// It reports raw blocks: in checked builds the program holds an address inside each (past a
// header), which api/heap_api.cc finds with secure/held_block.h before calling the visitor.
#include "mem/free_list.h"
#include "mem/heap.h"
#include "mem/huge.h"

namespace tessera {

namespace {

// The most blocks a size-class page holds: 16-byte blocks in a small page.
inline constexpr size_t kMaxPageBlocks = kSmallPageSlices * kSliceSize / 16;
static_assert(kMediumPageSlices * kSliceSize / (kSmallBlockMax + 1) <= kMaxPageBlocks);

bool visit_page_blocks(Page* page, const HeapArea& area, BlockVisitor visit, void* arg) {
  uint64_t free_bits[kMaxPageBlocks / 64] = {};
  // (Links are encoded in secure builds; a corrupted one ends the walk after reporting, and the
  // rest of that list counts as in use.)
  for (Block* list : {page->free, page->local_free}) {
    for (Block* b = list; b != nullptr; b = block_next(page, b)) {
      size_t i = (size_t)((uint8_t*)b - page->start) / page->block_size;
      free_bits[i / 64] |= (uint64_t)1 << (i % 64);
    }
  }
  for (size_t i = 0; i < page->capacity; i++) {
    if ((free_bits[i / 64] >> (i % 64)) & 1) continue;
    if (!visit(area, page->start + i * page->block_size, page->block_size, arg)) return false;
  }
  return true;
}

bool visit_span(Page* page, bool all_blocks, BlockVisitor visit, void* arg) {
  page_collect(page);
  HeapArea area;
  area.blocks = page->start;
  area.reserved = (size_t)page->slice_count << kSliceShift;
  area.committed = page->kind == SpanKind::kSmall ? (size_t)page->capacity * page->block_size
                                                  : page->block_size;
  area.used = page->used;
  area.block_size = page->block_size;
  if (!visit(area, nullptr, 0, arg)) return false;
  if (!all_blocks || area.used == 0) return true;
  if (page->kind == SpanKind::kLarge) return visit(area, page->start, page->block_size, arg);
  return visit_page_blocks(page, area, visit, arg);
}

}  // namespace

bool heap_visit(HeapImpl* heap, bool all_blocks, BlockVisitor visit, void* arg) {
  // Pages on the full list with remote frees go back to their queues first: collecting them
  // below would otherwise leave them on the full list without a wake-up.
  heap->scan_full(true);
  for (Segment* seg = heap->space.segments; seg != nullptr; seg = seg->next) {
    for (size_t i = seg->meta_slices; i < kSlicesPerSegment; i += seg->slices[i].slice_count) {
      Page* page = &seg->slices[i];
      if (page->kind == SpanKind::kFree) continue;
      if (!visit_span(page, all_blocks, visit, arg)) return false;
    }
  }
  // Huge blocks can be freed by other threads meanwhile: copy each one's area out under the
  // lock and call the visitor outside it (it may allocate).
  for (size_t index = 0;; index++) {
    HeapArea area;
    if (!huge_area(heap, index, &area)) return true;
    if (!visit(area, nullptr, 0, arg)) return false;
    if (all_blocks && !visit(area, area.blocks, area.block_size, arg)) return false;
  }
}

}  // namespace tessera
