// mem/huge.cc — huge blocks and their cache.
#include "mem/huge.h"

#include "base/bits.h"
#include "base/spinlock.h"
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
size_t block_offset(size_t alignment) { return alignment > kHugeHeader ? alignment : kHugeHeader; }

struct CachedHuge {
  Segment* seg;
  uint64_t freed_ms;
};

SpinLock g_lock;
CachedHuge g_cache[kHugeCacheMaxEntries];
size_t g_cache_count = 0;
size_t g_cache_bytes = 0;

void unmap_segment(Segment* seg) {
  g_memory_stats.reserved.fetch_sub(seg->size, std::memory_order_relaxed);
  g_memory_stats.sub_committed(seg->size);
  g_memory_stats.purged.fetch_add(seg->size, std::memory_order_relaxed);
  segment_map_remove((uintptr_t)seg, seg->size);
  os::unmap(seg, seg->size);
}

void cache_remove_at(size_t i) {
  g_cache_bytes -= g_cache[i].seg->size;
  g_cache[i] = g_cache[--g_cache_count];
}

// Best fit among cached segments that are large enough and not wastefully large.
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

void* huge_alloc(size_t size, size_t alignment, bool* zeroed) {
  size_t offset = block_offset(alignment);
  if (size > ((size_t)1 << 46) || offset > ((size_t)1 << 40)) return nullptr;
  size_t need = align_up(offset + size, kSliceSize);
  Segment* seg = cache_take(need, alignment);
  *zeroed = seg == nullptr;
  if (seg == nullptr) {
    size_t seg_align = alignment > kSegmentSize ? alignment : kSegmentSize;
    seg = (Segment*)os::map_aligned(need, seg_align);
    if (seg == nullptr) return nullptr;
    if (!segment_map_add((uintptr_t)seg, need)) {
      os::unmap(seg, need);
      return nullptr;
    }
    metadata_guard(seg);
    seg->size = need;
    seg->meta_slices = (uint32_t)kSegmentMetaSlices;
    seg->huge = true;
    g_memory_stats.reserved.fetch_add(need, std::memory_order_relaxed);
    g_memory_stats.add_committed(need);
    // Pointers into the first chunk find the page through the slice offsets.
    Page* head = &seg->slices[kSegmentMetaSlices];
    span_set_offsets(head, kSlicesPerSegment - kSegmentMetaSlices);
  }
  Page* page = huge_page(seg);
  page->kind = PageKind::kHuge;
  page->slice_count = 1;
  page->start = (uint8_t*)seg + offset;
  page->block_size = seg->size - offset;
  page->reserved = page->capacity = page->used = 1;
  page->has_aligned.store(false, std::memory_order_relaxed);
  page->zeroed = *zeroed;
  page->heap.store(nullptr, std::memory_order_relaxed);
  page->free_key.store(kNoOwnerKey, std::memory_order_relaxed);
  return page->start;
}

void huge_free(Page* page) {
  Segment* seg = segment_of_page(page);
  page->used = 0;
  Segment* evict = nullptr;
  {
    LockGuard guard(g_lock);
    if (seg->size <= kHugeCacheMaxBytes) {
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

SpinLock& huge_cache_lock() { return g_lock; }
void huge_cache_forget() {
  g_cache_count = 0;
  g_cache_bytes = 0;
}

}  // namespace tessera
