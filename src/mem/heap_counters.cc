// mem/heap_counters.cc — folding page counts into their heap's counters; the registry.
#include "mem/heap_counters.h"

#include "mem/heap.h"

namespace tessera {

HugeCounters g_huge_counters;

namespace {
std::atomic<HeapCounters*> g_registry{nullptr};
}

void counters_fold(Page* page) {
  uint32_t local = page->frees_uncounted;
  // Modulo 2^32, like used itself: only the difference since the last fold matters.
  uint32_t allocated = page->used - page->used_counted + local;
  HeapImpl* heap = page->heap.load(std::memory_order_relaxed);
  if (page->kind != SpanKind::kSmall || (allocated | local) == 0 || heap == nullptr) return;
  page->frees_uncounted = 0;
  page->used_counted = page->used;
  ClassCounters& c = heap->counters.classes[page->size_class];
  counter_add(c.allocated, allocated);
  counter_add(c.freed_local, local);
}

void counters_remote_frees(Page* page, uint32_t n) {
  HeapImpl* heap = page->heap.load(std::memory_order_relaxed);
  page->used_counted -= n;  // those blocks' allocations stay counted; used no longer has them
  if (heap == nullptr) return;
  counter_add(heap->counters.classes[page->size_class].freed_remote, n);
  if (page->kind == SpanKind::kLarge)
    counter_add(heap->counters.large_bytes_freed, (uint64_t)n * page->block_size);
}

void counters_large_alloc(Page* page) {
  HeapImpl* heap = page->heap.load(std::memory_order_relaxed);
  page->used_counted = page->used;
  counter_add(heap->counters.classes[0].allocated, 1);
  counter_add(heap->counters.large_bytes_allocated, page->block_size);
}

void counters_large_grow(Page* page, size_t grown) {
  HeapImpl* heap = page->heap.load(std::memory_order_relaxed);
  counter_add(heap->counters.large_bytes_allocated, grown);
}

void counters_large_free_local(Page* page) {
  HeapImpl* heap = page->heap.load(std::memory_order_relaxed);
  page->used_counted = 0;
  counter_add(heap->counters.classes[0].freed_local, 1);
  counter_add(heap->counters.large_bytes_freed, page->block_size);
}

void counters_bulk_free(Page* page) {
  if (page->kind == SpanKind::kLarge) {
    if (page->used != 0) counters_large_free_local(page);
    return;
  }
  counters_fold(page);
  HeapImpl* heap = page->heap.load(std::memory_order_relaxed);
  if (heap == nullptr || page->used == 0) return;
  counter_add(heap->counters.classes[page->size_class].freed_local, page->used);
  page->used_counted = 0;
}

void counters_register(HeapCounters* counters) {
  HeapCounters* head = g_registry.load(std::memory_order_relaxed);
  do {
    counters->registry_next = head;
  } while (!g_registry.compare_exchange_weak(head, counters, std::memory_order_release,
                                             std::memory_order_relaxed));
}

HeapCounters* counters_registry() { return g_registry.load(std::memory_order_acquire); }

}  // namespace tessera
