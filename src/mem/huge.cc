// mem/huge.cc — huge blocks and their cache.
#include "mem/huge.h"

#include <string.h>

#include "base/bits.h"
#include "base/spinlock.h"
#include "debug/track.h"
#include "mem/arena.h"
#include "mem/heap.h"
#include "mem/heap_counters.h"
#include "mem/memory_stats.h"
#include "mem/metadata_guard.h"
#include "mem/segment.h"
#include "mem/segment_map.h"
#include "platform/os.h"

namespace tessera {

namespace {

// The block starts after the segment header's slices (the descriptor array must not overlap
// it), or at the alignment when that is larger.
inline constexpr size_t kHugeHeader = kSegmentMetaSlices * kSliceSize;
// Where the block starts in its mapping: past the header, on the alignment (the header is not a
// power of two in checked builds, whose block states take 2 MiB).
size_t block_offset(size_t alignment) { return align_up(kHugeHeader, alignment); }

struct CachedHuge {
  Segment* seg;
  uint64_t freed_ms;
};

SpinLock g_lock;
CachedHuge g_cache[kHugeCacheMaxEntries];
size_t g_cache_count = 0;
size_t g_cache_bytes = 0;

void unmap_segment(Segment* seg) {
  g_memory_stats.sub_committed(seg->size);
  segment_map_remove((uintptr_t)seg, seg->size);
  track::unmapped(seg, seg->size);
  if (seg->arena != 0) {
    if (!seg->pinned) g_memory_stats.purged.fetch_add(seg->size, std::memory_order_relaxed);
    arena_free(seg->arena, seg, seg->size / kSegmentSize);
    return;
  }
  g_memory_stats.unreserve(seg->size);
  g_memory_stats.purged.fetch_add(seg->size, std::memory_order_relaxed);
  os::unmap(seg, seg->size);
}

// Fresh memory for a huge segment of `need` bytes: from the heap's arena (whole segments),
// else a mapping of its own. Sets up the header. nullptr when there is none.
Segment* new_segment(int arena_id, size_t need, size_t alignment, bool* zeroed) {
  bool pinned = false;
  int arena = 0;
  void* mem = nullptr;
  if (arena_id != 0) {
    if (alignment > kSegmentSize) return nullptr;  // arena segments are 32 MiB aligned
    need = align_up(need, kSegmentSize);
    mem = arena_alloc(arena_id, need / kSegmentSize, zeroed, &pinned, &arena);
    if (mem == nullptr) return nullptr;
    if (!*zeroed) memset(mem, 0, kHugeHeader);
  } else {
    // Past limit_os_memory, cached blocks that did not fit are given back first.
    if (!g_memory_stats.try_reserve(need) &&
        (huge_cache_purge(0, 0, true) == 0 || !g_memory_stats.try_reserve(need))) {
      return nullptr;
    }
    mem = os::map_aligned(need, alignment > kSegmentSize ? alignment : kSegmentSize);
    if (mem == nullptr) {
      g_memory_stats.unreserve(need);
      return nullptr;
    }
  }
  auto* seg = (Segment*)mem;
  seg->size = need;
  seg->arena = arena;
  seg->pinned = pinned;
  if (!segment_map_add((uintptr_t)seg, need)) {
    g_memory_stats.add_committed(need);
    unmap_segment(seg);
    return nullptr;
  }
  seg->meta_slices = (uint32_t)kSegmentMetaSlices;
  seg->huge = true;
  g_memory_stats.add_committed(need);
  // Pointers into the first chunk find the page through the slice offsets.
  Page* head = &seg->slices[kSegmentMetaSlices];
  span_set_offsets(head, kSlicesPerSegment - kSegmentMetaSlices);
  return seg;
}

void cache_remove_at(size_t i) {
  g_cache_bytes -= g_cache[i].seg->size;
  g_cache[i] = g_cache[--g_cache_count];
}

// Best fit among cached segments that are large enough and not wastefully large. (Arena
// memory is never cached: it goes straight back to its arena.)
Segment* cache_take(size_t need, size_t alignment) {
  LockGuard guard(g_lock);
  size_t best = g_cache_count;
  for (size_t i = 0; i < g_cache_count; i++) {
    Segment* seg = g_cache[i].seg;
    if (seg->size < need || seg->size - need > need / 2) continue;
    if (((uintptr_t)seg & (alignment - 1)) != 0) continue;
    if (best == g_cache_count || seg->size < g_cache[best].seg->size) best = i;
  }
  if (best == g_cache_count) return nullptr;
  Segment* seg = g_cache[best].seg;
  cache_remove_at(best);
  return seg;
}

}  // namespace

Page* huge_page(void* segment) {
  auto* seg = (Segment*)segment;
  return &seg->slices[seg->meta_slices];
}

void* huge_alloc(HeapImpl* heap, size_t size, size_t alignment, bool* zeroed) {
  size_t offset = block_offset(alignment);
  if (size > ((size_t)1 << 46) || offset > ((size_t)1 << 40)) return nullptr;
  size_t need = align_up(offset + size, kSliceSize);
  Segment* seg = heap->arena_id == 0 ? cache_take(need, alignment) : nullptr;
  *zeroed = seg == nullptr;
  if (seg == nullptr) seg = new_segment(heap->arena_id, need, alignment, zeroed);
  if (seg == nullptr) return nullptr;
  Page* page = huge_page(seg);
  page->kind = SpanKind::kHuge;
  page->slice_count = 1;
  page->start = (uint8_t*)seg + offset;
  page->block_size = seg->size - offset;
  page->reserved = page->capacity = page->used = 1;
  page->has_aligned.store(false, std::memory_order_relaxed);
  page->zeroed = *zeroed;
  page->free_key.store(kNoOwnerKey, std::memory_order_relaxed);
  g_huge_counters.blocks.allocated.fetch_add(1, std::memory_order_relaxed);
  g_huge_counters.bytes_allocated.fetch_add(page->block_size, std::memory_order_relaxed);
  LockGuard guard(g_lock);
  page->heap.store(heap, std::memory_order_relaxed);
  heap->huge.push_back(page);
  return page->start;
}

void huge_free(Page* page) {
  Segment* seg = segment_of_page(page);
  page->used = 0;
  g_huge_counters.blocks.freed_local.fetch_add(1, std::memory_order_relaxed);
  g_huge_counters.bytes_freed.fetch_add(page->block_size, std::memory_order_relaxed);
  Segment* evict = nullptr;
  {
    LockGuard guard(g_lock);
    if (HeapImpl* owner = page->heap.load(std::memory_order_relaxed)) owner->huge.remove(page);
    page->heap.store(nullptr, std::memory_order_relaxed);
    if (seg->arena != 0) {
      evict = seg;
    } else if (seg->size <= kHugeCacheMaxBytes) {
      // Make room: the oldest entries go first.
      while (g_cache_count > 0 && (g_cache_count == kHugeCacheMaxEntries ||
                                   g_cache_bytes + seg->size > kHugeCacheMaxBytes)) {
        size_t oldest = 0;
        for (size_t i = 1; i < g_cache_count; i++)
          if (g_cache[i].freed_ms < g_cache[oldest].freed_ms) oldest = i;
        Segment* victim = g_cache[oldest].seg;
        cache_remove_at(oldest);
        // Unmap outside the lock would need a list; one victim at a time is rare enough.
        unmap_segment(victim);
      }
      g_cache[g_cache_count++] = CachedHuge{seg, os::now_ms()};
      g_cache_bytes += seg->size;
    } else {
      evict = seg;
    }
  }
  if (evict) unmap_segment(evict);
}

size_t huge_cache_purge(uint64_t now_ms, uint64_t delay_ms, bool force) {
  size_t released = 0;
  LockGuard guard(g_lock);
  for (size_t i = 0; i < g_cache_count;) {
    if (force || now_ms - g_cache[i].freed_ms >= delay_ms) {
      Segment* seg = g_cache[i].seg;
      released += seg->size;
      cache_remove_at(i);
      unmap_segment(seg);
    } else {
      i++;
    }
  }
  return released;
}

void huge_transfer(HeapImpl* from, HeapImpl* to) {
  LockGuard guard(g_lock);
  while (Page* page = from->huge.head) {
    from->huge.remove(page);
    page->heap.store(to, std::memory_order_relaxed);
    if (to != nullptr) to->huge.push_back(page);
  }
}

void huge_free_all(HeapImpl* heap) {
  for (;;) {
    Page* page;
    {
      LockGuard guard(g_lock);
      page = heap->huge.head;
    }
    if (page == nullptr) return;
    huge_free(page);
  }
}

bool huge_area(HeapImpl* heap, size_t index, HeapArea* area) {
  LockGuard guard(g_lock);
  Page* page = heap->huge.head;
  for (size_t i = 0; i < index && page != nullptr; i++) page = page->next;
  if (page == nullptr) return false;
  Segment* seg = segment_of_page(page);
  *area = HeapArea{page->start, seg->size, page->block_size, 1, page->block_size};
  return true;
}

SpinLock& huge_cache_lock() { return g_lock; }
void huge_cache_forget() {
  g_cache_count = 0;
  g_cache_bytes = 0;
}

}  // namespace tessera
