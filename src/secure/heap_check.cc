// secure/heap_check.cc — full heap invariant checking (secure/heap_check.h).
#include "secure/heap_check.h"

#include "debug/report.h"
#include "mem/free_list.h"

namespace tessera {

namespace {

void broken(const Page* page, const char* what) {
  report_block_error("corrupted heap (invariant broken)", page->start, kSizeUnknown, what);
}

// Counts a free list of page, marking each block in `seen` (one bit per block index); false
// after reporting when a block is foreign or listed twice.
bool count_list(const Page* page, const Block* head, uint64_t* seen, uint32_t* count) {
  for (const Block* b = head; b != nullptr; b = block_next(page, b)) {
    size_t offset = (size_t)((const uint8_t*)b - page->start);
    if (offset >= (size_t)page->capacity * page->block_size || offset % page->block_size != 0) {
      broken(page, "a free list holds an address that is not a carved block of its page");
      return false;
    }
    size_t i = offset / page->block_size;
    if (seen[i / 64] >> (i % 64) & 1) {
      broken(page, "a block is on two free lists (or twice on one)");
      return false;
    }
    seen[i / 64] |= (uint64_t)1 << (i % 64);
    (*count)++;
  }
  return true;
}

void check_page(const Page* page, unsigned size_class) {
  if (page->kind != SpanKind::kSmall || page->size_class != size_class) {
    broken(page, "a page is queued under the wrong size class");
    return;
  }
  if (page->capacity > page->reserved || page->in_use() > page->capacity) {
    broken(page, "capacity exceeds the blocks that fit, or more blocks in use than carved");
    return;
  }
  uint64_t seen[kSliceSize / 16 / 64] = {};  // a bit per block: small pages hold the most
  if (page->reserved > sizeof(seen) * 8) return;
  uint32_t free_count = 0, local_count = 0;
  if (!count_list(page, page->free, seen, &free_count)) return;
  if (!count_list(page, page->local_free, seen, &local_count)) return;
  if (local_count < page->local_freed) {
    broken(page, "local_freed exceeds the length of local_free");
    return;
  }
  if (page->in_use() + free_count + local_count != page->capacity) {
    broken(page, "in use + free + local free differs from the blocks carved");
  }
}

}  // namespace

void heap_check(const HeapImpl* heap) {
  for (unsigned c = 1; c < kClassCount; c++) {
    const PageQueue& queue = heap->pages[c];
    if (heap->current[c] != (queue.head ? queue.head : &g_empty_page)) {
      report_block_error("corrupted heap (invariant broken)", heap, kSizeUnknown,
                         "a size class's current page is not its queue's head");
    }
    for (const Page* page = queue.head; page != nullptr; page = page->next) {
      if (page->in_full) broken(page, "a page marked full sits in a size-class queue");
      check_page(page, c);
    }
  }
  for (const Page* page = heap->full.head; page != nullptr; page = page->next) {
    if (!page->in_full) broken(page, "a page on the full list is not marked full");
  }
}

}  // namespace tessera
