// global/stats.cc — summing the heaps' counters into ts_stats_t; ts_stats_reset's baseline.
#include "global/stats.h"

#include <string.h>

#include "base/spinlock.h"
#include "debug/guard.h"
#include "global/thread.h"
#include "mem/heap_counters.h"
#include "mem/memory_stats.h"
#include "platform/os.h"

namespace tessera {

namespace {

inline constexpr size_t kSmallBins = kClassCount - 1;
inline constexpr size_t kLargeBin = kSmallBins;
inline constexpr size_t kHugeBin = kSmallBins + 1;
static_assert(TESSERA_STATS_BINS >= kSmallBins + 2, "update TESSERA_STATS_BINS in tessera.h");
inline constexpr size_t kBins = kSmallBins + 2;

// Cumulative counts since the process started.
struct RawBin {
  uint64_t allocated, freed_local, freed_remote, bytes_allocated, bytes_freed;
};
struct RawCounts {
  RawBin bins[kBins];
  uint64_t purged;
};

// What ts_stats_reset saw: reported counts are the cumulative ones minus these.
SpinLock g_baseline_lock;
RawCounts g_baseline;

uint64_t load(const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); }

void add_class(RawBin* bin, const ClassCounters& c) {
  bin->allocated += load(c.allocated);
  bin->freed_local += load(c.freed_local);
  bin->freed_remote += load(c.freed_remote);
}

void read_raw(RawCounts* raw) {
  memset(raw, 0, sizeof *raw);
  for (HeapCounters* h = counters_registry(); h != nullptr; h = h->registry_next) {
    for (size_t c = 1; c < kClassCount; c++) add_class(&raw->bins[c - 1], h->classes[c]);
    add_class(&raw->bins[kLargeBin], h->classes[0]);
    raw->bins[kLargeBin].bytes_allocated += load(h->large_bytes_allocated);
    raw->bins[kLargeBin].bytes_freed += load(h->large_bytes_freed);
  }
  add_class(&raw->bins[kHugeBin], g_huge_counters.blocks);
  raw->bins[kHugeBin].bytes_allocated = load(g_huge_counters.bytes_allocated);
  raw->bins[kHugeBin].bytes_freed = load(g_huge_counters.bytes_freed);
  raw->purged = g_memory_stats.purged.load(std::memory_order_relaxed);
}

// a - b, or 0 when counters read at slightly different moments would make it negative.
uint64_t minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

// The calling thread's own heap and the first-class heaps it made.
void fold_calling_thread() {
  HeapImpl* heap = t_heap;
  if (!heap->initialized || t_inside_allocator) return;
  if (heap->first_class) heap = heap->backing;
  ReentryGuard guard;
  heap->fold_counters();
  for (HeapImpl* owned = heap->owned; owned != nullptr; owned = owned->owned_next)
    owned->fold_counters();
}

}  // namespace

void stats_snapshot(ts_stats_t* s) {
  fold_calling_thread();
  RawCounts raw, base;
  read_raw(&raw);
  {
    LockGuard guard(g_baseline_lock);
    base = g_baseline;
  }
  memset(s, 0, sizeof *s);
  s->size = sizeof *s;
  s->version = TESSERA_STATS_VERSION;
  s->reserved = g_memory_stats.reserved.load(std::memory_order_relaxed);
  s->reserved_peak = g_memory_stats.reserved_peak.load(std::memory_order_relaxed);
  s->committed = g_memory_stats.committed.load(std::memory_order_relaxed);
  s->committed_peak = g_memory_stats.committed_peak.load(std::memory_order_relaxed);
  s->resident = os::resident_bytes();
  s->resident_peak = os::peak_resident_bytes();
  if (s->resident_peak < s->resident) s->resident_peak = s->resident;
  s->purged_bytes = minus(raw.purged, base.purged);
  s->purged_pages = s->purged_bytes / os::page_size();
  s->bin_count = kBins;
  for (size_t i = 0; i < kBins; i++) {
    const RawBin& r = raw.bins[i];
    ts_stats_bin_t& b = s->bins[i];
    b.block_size = i < kSmallBins ? kSizeClasses.block_size[i + 1] : 0;
    b.blocks_in_use = minus(r.allocated, r.freed_local + r.freed_remote);
    b.bytes_in_use = i < kSmallBins ? b.blocks_in_use * b.block_size
                                    : minus(r.bytes_allocated, r.bytes_freed);
    b.allocations = minus(r.allocated, base.bins[i].allocated);
    b.frees_local = minus(r.freed_local, base.bins[i].freed_local);
    b.frees_remote = minus(r.freed_remote, base.bins[i].freed_remote);
    s->total.blocks_in_use += b.blocks_in_use;
    s->total.bytes_in_use += b.bytes_in_use;
    s->total.allocations += b.allocations;
    s->total.frees_local += b.frees_local;
    s->total.frees_remote += b.frees_remote;
  }
}

void stats_reset() {
  fold_calling_thread();
  RawCounts raw;
  read_raw(&raw);
  {
    LockGuard guard(g_baseline_lock);
    g_baseline = raw;
  }
  g_memory_stats.committed_peak.store(g_memory_stats.committed.load(std::memory_order_relaxed),
                                      std::memory_order_relaxed);
  g_memory_stats.reserved_peak.store(g_memory_stats.reserved.load(std::memory_order_relaxed),
                                     std::memory_order_relaxed);
}

SpinLock& stats_lock() { return g_baseline_lock; }
void stats_forget() { memset(&g_baseline, 0, sizeof g_baseline); }

}  // namespace tessera
