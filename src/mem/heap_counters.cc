// mem/heap_counters.cc — folding page counts into their heap's counters; the registry.
#include "mem/heap_counters.h"

#include "mem/heap.h"

namespace tessera {

HugeCounters g_huge_counters;

namespace {
std::atomic<HeapCounters*> g_registry{nullptr};
}

void counters_fold(Page* page, uint32_t local, uint32_t remote) {
  Heap* heap = page->heap.load(std::memory_order_relaxed);
  local += page->frees_swapped;
  page->frees_swapped = 0;
  // Modulo 2^32, like used itself: only the difference since the last fold matters.
  uint32_t allocated = page->used - page->used_counted + local + remote;
  page->used_counted = page->used;
  if (heap == nullptr) return;
  ClassCounters& c = heap->counters.classes[page->size_class];
  counter_add(c.allocated, allocated);
  counter_add(c.freed_local, local);
  counter_add(c.freed_remote, remote);
  if (page->kind == PageKind::kLarge && local + remote > 0) {
    counter_add(heap->counters.large_bytes_freed, (uint64_t)(local + remote) * page->block_size);
  }
}

void counters_large_alloc(Page* page) {
  Heap* heap = page->heap.load(std::memory_order_relaxed);
  page->frees_swapped = 0;
  page->used_counted = page->used;
  counter_add(heap->counters.classes[0].allocated, 1);
  counter_add(heap->counters.large_bytes_allocated, page->block_size);
}

void counters_large_grow(Page* page, size_t grown) {
  Heap* heap = page->heap.load(std::memory_order_relaxed);
  counter_add(heap->counters.large_bytes_allocated, grown);
}

void counters_large_free_local(Page* page) {
  Heap* heap = page->heap.load(std::memory_order_relaxed);
  page->used_counted = 0;
  counter_add(heap->counters.classes[0].freed_local, 1);
  counter_add(heap->counters.large_bytes_freed, page->block_size);
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
