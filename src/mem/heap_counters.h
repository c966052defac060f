// mem/heap_counters.h — allocation statistics by size class, counted without touching the
// malloc and free fast paths. Layer mem/.
//
// How: every block a page hands out raises page->used, and every free taken back lowers it
// (page_collect: local frees via local_freed, remote frees off thread_free; page_pop's swap:
// frees_swapped). When the owner folds a page (counters_fold, from page_collect), the frees
// since the last fold are known exactly, so
//     allocations since the last fold = used - used_counted + frees since the last fold.
// Large blocks are counted where they are made and freed (heap slow paths); huge blocks,
// which have no owner heap, in process-wide atomics.
//
// Who writes: a heap's counters only by its owner thread (relaxed load + store, no locked
// instruction); anyone reads them (relaxed), so a figure read from another thread is as of
// that thread's last slow-path pass over the page. Heaps come from a pool and are never
// unmapped, and their counters are never reset: summing every registered heap gives the
// process's totals, including those of threads that have exited.
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

// Called by page_collect after `local` and `remote` frees came off page->used.
void counters_fold(Page* page, uint32_t local, uint32_t remote);
// A large block was made (large_alloc), grew in place by `grown` bytes, or its owner freed it.
void counters_large_alloc(Page* page);
void counters_large_grow(Page* page, size_t grown);
void counters_large_free_local(Page* page);

// Adds a heap's counters to the registry the statistics sum (heap_pool_acquire, once per
// heap). Thread-safe; the counters must stay mapped for the life of the process.
void counters_register(HeapCounters* counters);
// The first registered heap's counters; follow registry_next (acquire-published).
HeapCounters* counters_registry();

}  // namespace tessera
