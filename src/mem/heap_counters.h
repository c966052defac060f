// mem/heap_counters.h — allocation statistics by size class, counted without touching the
// malloc and free fast paths. Layer mem/.
//
// How: every block a size-class page hands out raises page->used, and every free taken back
// lowers it: local frees when page_pop swaps local_free in or page_collect counts them (both
// add them to page->frees_uncounted), remote frees when page_collect takes thread_free
// (counted at once, counters_remote_frees, which also lowers used_counted). So when the owner
// folds a page (counters_fold),
//     allocations since the last fold = used - used_counted + frees_uncounted.
// Pages are folded when they are freed, when their heap is abandoned, on the heap's deferred
// work (every purge_delay / 4 ms of slow-path activity), and for the calling thread before it
// reads the statistics. Large blocks are counted where they are made and freed (heap slow
// paths); huge blocks, which have no owner heap, in process-wide atomics.
//
// Who writes: a heap's counters only by its owner thread (relaxed load + store, no locked
// instruction); anyone reads them (relaxed), so a figure read from another thread is as of
// that thread's last fold. Heaps come from a pool and are never unmapped, and their counters
// are never reset: summing every registered heap gives the process's totals, including those
// of threads that have exited.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "config/size_classes.h"
#include "mem/page.h"

namespace tessera {

struct ClassCounters {
  std::atomic<uint64_t> allocated{0};
  std::atomic<uint64_t> freed_local{0};   // by the page's owner
  std::atomic<uint64_t> freed_remote{0};  // by another thread (collected by the owner)
};

struct HeapCounters {
  ClassCounters classes[kClassCount];  // by size class; [0]: large blocks
  std::atomic<uint64_t> large_bytes_allocated{0};
  std::atomic<uint64_t> large_bytes_freed{0};
  HeapCounters* registry_next = nullptr;  // written once, before the counters are published
};

// Huge blocks: any thread allocates and frees them (atomic adds). Frees count as local.
struct HugeCounters {
  ClassCounters blocks;
  std::atomic<uint64_t> bytes_allocated{0};
  std::atomic<uint64_t> bytes_freed{0};
};
extern HugeCounters g_huge_counters;

// Owner-only increment: the only writer needs no locked instruction.
inline void counter_add(std::atomic<uint64_t>& c, uint64_t n) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Adds a size-class page's allocations and local frees since the last fold to its heap.
void counters_fold(Page* page);
// page_collect took n remote frees off page->used (any page kind).
void counters_remote_frees(Page* page, uint32_t n);
// A large block was made (large_alloc), grew in place by `grown` bytes, or its owner freed it.
void counters_large_alloc(Page* page);
void counters_large_grow(Page* page, size_t grown);
void counters_large_free_local(Page* page);
// The page's blocks in use are all freed at once (ts_heap_reset/destroy); owner only, after
// page_collect.
void counters_bulk_free(Page* page);

// Adds a heap's counters to the registry the statistics sum (heap_pool_acquire, once per
// heap). Thread-safe; the counters must stay mapped for the life of the process.
void counters_register(HeapCounters* counters);
// The first registered heap's counters; follow registry_next (acquire-published).
HeapCounters* counters_registry();

}  // namespace tessera
