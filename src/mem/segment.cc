// mem/segment.cc — span allocation inside segments, coalescing, purging, abandonment.
// Owner thread only, except the abandoned list (under its lock).
#include "mem/segment.h"

#include <string.h>

#include "base/spinlock.h"
#include "debug/track.h"
#include "mem/arena.h"
#include "mem/memory_stats.h"
#include "mem/metadata_guard.h"
#include "mem/segment_map.h"
#include "platform/os.h"

namespace tessera {

MemoryStats g_memory_stats;

namespace {

static_assert(kSegmentMetaSlices < kSlicesPerSegment / 4, "segment header too large");
inline constexpr size_t kMetaBytes = kSegmentMetaSlices * kSliceSize;

// Bins 1..8 hold spans of exactly that many slices; above, one bin per power of two.
unsigned bin_of(size_t slices) {
  if (slices <= 8) return (unsigned)slices;
  unsigned b = 6 + floor_log2(slices);
  return b < kSpanBins ? b : (unsigned)kSpanBins - 1;
}

SpinLock g_abandoned_lock;
Segment* g_abandoned = nullptr;
std::atomic<size_t> g_abandoned_count{0};

size_t span_bytes(const Page* span) { return (size_t)span->slice_count << kSliceShift; }

}  // namespace

void span_set_offsets(Page* head, size_t count) {
  for (size_t i = 1; i < count; i++) head[i].slice_offset = (uint32_t)i;
}

void SegmentSpace::insert_free(Page* span, uint64_t now_ms) {
  span->kind = SpanKind::kFree;
  span->block_size = 0;
  span->slice_offset = 0;
  span->free_key.store(kNoOwnerKey, std::memory_order_relaxed);
  span->free_since_ms = now_ms;
  span[span->slice_count - 1].slice_offset = span->slice_count - 1;
  bins[bin_of(span->slice_count)].push_front(span);
}

void SegmentSpace::remove_free(Page* span) { bins[bin_of(span->slice_count)].remove(span); }

void SegmentSpace::take_free(Page* span, size_t slices) {
  remove_free(span);
  if (span->slice_count > slices) {
    Page* rest = span + slices;
    rest->slice_count = span->slice_count - (uint32_t)slices;
    rest->dirty = span->dirty;
    insert_free(rest, span->free_since_ms);
  }
}

Page* SegmentSpace::alloc_span(size_t slices, bool* clean) {
  // Resident (dirty) spans first: reusing them costs no page faults and no extra RSS.
  Page* fit = nullptr;
  for (unsigned b = bin_of(slices); b < kSpanBins && fit == nullptr; b++) {
    for (Page* span = bins[b].head; span != nullptr; span = span->next) {
      if (span->slice_count < slices) continue;
      if (span->dirty) {
        fit = span;
        break;
      }
      if (fit == nullptr) fit = span;
    }
  }
  if (fit == nullptr) return nullptr;
  Page* span = fit;
  take_free(span, slices);
  span->slice_count = (uint32_t)slices;
  span_set_offsets(span, slices);
  span->kind = SpanKind::kLarge;  // in use; the caller sets the real kind
  *clean = !span->dirty && purged_memory_reads_zero();
  if (!span->dirty) g_memory_stats.add_committed(span_bytes(span));
  span->dirty = true;
  segment_of_page(span)->used_spans++;
  return span;
}

// A freed span is dirty; it merges with dirty free neighbours only, so that purged memory
// stays accounted as purged (clean neighbours merge once purge() has cleaned this one).
bool SegmentSpace::free_span(Page* span, uint64_t now_ms) {
  Segment* seg = segment_of_page(span);
  seg->used_spans--;
  size_t index = (size_t)(span - seg->slices);
  uint32_t count = span->slice_count;
  if (index + count < kSegmentSpanEnd) {
    Page* next = span + count;
    if (next->kind == SpanKind::kFree && next->dirty) {
      remove_free(next);
      count += next->slice_count;
    }
  }
  if (index > seg->meta_slices) {
    Page* last = span - 1;
    Page* prev = last - last->slice_offset;
    if (prev->kind == SpanKind::kFree && prev->dirty) {
      remove_free(prev);
      count += prev->slice_count;
      span = prev;
    }
  }
  span->slice_count = count;
  span->dirty = true;
  insert_free(span, now_ms);
  if (seg->used_spans == 0) {
    seg->empty_since_ms = now_ms;
    return true;
  }
  return false;
}

bool SegmentSpace::grow_span(Page* span, size_t slices) {
  Segment* seg = segment_of_page(span);
  size_t index = (size_t)(span - seg->slices);
  size_t extra = slices - span->slice_count;
  if (index + span->slice_count >= kSegmentSpanEnd) return false;
  Page* next = span + span->slice_count;
  if (next->kind != SpanKind::kFree || next->slice_count < extra) return false;
  take_free(next, extra);
  if (!next->dirty) g_memory_stats.add_committed(extra << kSliceShift);
  span->slice_count = (uint32_t)slices;
  span_set_offsets(span, slices);
  return true;
}

bool SegmentSpace::add_segment(HeapImpl* owner, int arena_id) {
  bool zeroed = true, pinned = false;
  int arena = 0;
  void* mem = arena_alloc(arena_id, 1, &zeroed, &pinned, &arena);
  if (mem == nullptr && arena_id == 0 && arena_grow_for_options())
    mem = arena_alloc(0, 1, &zeroed, &pinned, &arena);
  if (mem == nullptr) {
    if (arena_id != 0) return false;  // a heap in an arena never takes memory elsewhere
    if (!g_memory_stats.try_reserve(kSegmentSize)) return false;
    mem = os::map_aligned(kSegmentSize, kSegmentSize);
    if (mem == nullptr) {
      g_memory_stats.unreserve(kSegmentSize);
      return false;
    }
  }
  auto* seg = (Segment*)mem;  // fresh memory is zero: every descriptor starts zeroed
  if (!zeroed) memset(mem, 0, kMetaBytes);
  if (!segment_map_add((uintptr_t)seg, kSegmentSize)) {
    if (arena != 0) {
      arena_free(arena, mem, 1);
    } else {
      os::unmap(mem, kSegmentSize);
      g_memory_stats.unreserve(kSegmentSize);
    }
    return false;
  }
  segment_guards_set(seg);
  seg->size = kSegmentSize;
  seg->meta_slices = (uint32_t)kSegmentMetaSlices;
  seg->arena = arena;
  seg->pinned = pinned;
  seg->heap.store(owner, std::memory_order_relaxed);
  g_memory_stats.add_committed(zeroed ? kMetaBytes : kSegmentSize - kSegmentGuardBytes);
  seg->next = segments;
  seg->prev = nullptr;
  if (segments) segments->prev = seg;
  segments = seg;
  Page* span = &seg->slices[kSegmentMetaSlices];
  span->slice_count = (uint32_t)kSegmentUsableSlices;
  span->dirty = !zeroed;  // reused arena memory holds old data: calloc must clear it
  insert_free(span, 0);
  if constexpr (kSegmentGuardSlices != 0) {
    Page* guard = &seg->slices[kSegmentSpanEnd];
    guard->kind = SpanKind::kFree;
    guard->slice_count = (uint32_t)kSegmentGuardSlices;
    guard->slice_offset = 0;
    guard->dirty = false;
  }
  return true;
}

void SegmentSpace::adopt_segment(Segment* seg, HeapImpl* owner) {
  seg->heap.store(owner, std::memory_order_relaxed);
  seg->next = segments;
  seg->prev = nullptr;
  if (segments) segments->prev = seg;
  segments = seg;
  for (size_t i = seg->meta_slices; i < kSegmentSpanEnd; i += seg->slices[i].slice_count) {
    Page* span = &seg->slices[i];
    if (span->kind == SpanKind::kFree) insert_free(span, span->free_since_ms);
  }
}

void SegmentSpace::release_segment(Segment* seg) {
  size_t dirty_bytes = 0;  // spans in use are dirty too
  for (size_t i = seg->meta_slices; i < kSegmentSpanEnd; i += seg->slices[i].slice_count) {
    Page* span = &seg->slices[i];
    if (span->kind == SpanKind::kFree) remove_free(span);
    if (span->dirty) dirty_bytes += span_bytes(span);
  }
  if (seg->next) seg->next->prev = seg->prev;
  if (seg->prev) seg->prev->next = seg->next; else segments = seg->next;
  g_memory_stats.sub_committed(kMetaBytes + dirty_bytes);
  if (!seg->pinned) {
    g_memory_stats.purged.fetch_add(kMetaBytes + dirty_bytes, std::memory_order_relaxed);
  }
  segment_map_remove((uintptr_t)seg, seg->size);
  track::unmapped(seg, seg->size);
  if (seg->arena != 0) {
    segment_guards_clear(seg);
    arena_free(seg->arena, seg, 1);
  } else {
    g_memory_stats.unreserve(seg->size);
    os::unmap(seg, seg->size);
  }
}

// Walks each segment's spans in address order: purges dirty free spans past the delay, and
// merges runs of clean free spans back into one.
size_t SegmentSpace::purge_segment(Segment* seg, uint64_t now_ms, uint64_t delay_ms, bool force) {
  if (seg->pinned) return 0;  // hugetlb pages stay with the arena
  size_t released = 0;
  Page* run = nullptr;  // head of the clean free run ending just before slice i
  for (size_t i = seg->meta_slices; i < kSegmentSpanEnd;) {
    Page* span = &seg->slices[i];
    i += span->slice_count;
    if (span->kind != SpanKind::kFree) {
      run = nullptr;
      continue;
    }
    if (span->dirty && (force || now_ms - span->free_since_ms >= delay_ms)) {
      size_t bytes = span_bytes(span);
      purge_memory(slice_address(seg, span), bytes);
      span->dirty = false;
      g_memory_stats.sub_committed(bytes);
      g_memory_stats.purged.fetch_add(bytes, std::memory_order_relaxed);
      released += bytes;
    }
    if (span->dirty) {
      run = nullptr;
    } else if (run == nullptr) {
      run = span;
    } else {
      remove_free(run);
      remove_free(span);
      run->slice_count += span->slice_count;
      insert_free(run, now_ms);
    }
  }
  return released;
}

size_t SegmentSpace::purge(uint64_t now_ms, uint64_t delay_ms, bool force) {
  size_t released = 0;
  for (Segment* seg = segments; seg != nullptr;) {
    Segment* next = seg->next;
    if (seg->used_spans == 0 && (force || now_ms - seg->empty_since_ms >= delay_ms)) {
      released += seg->size;
      release_segment(seg);
    } else {
      released += purge_segment(seg, now_ms, delay_ms, force);
    }
    seg = next;
  }
  return released;
}

Segment* SegmentSpace::take_segments(bool keep_empty) {
  Segment* kept = nullptr;
  for (Segment* seg = segments; seg != nullptr;) {
    Segment* next = seg->next;
    if (seg->used_spans == 0 && !keep_empty) {
      release_segment(seg);
    } else {
      seg->next = kept;
      kept = seg;
    }
    seg = next;
  }
  for (PageQueue& bin : bins) bin = PageQueue{};
  segments = nullptr;
  return kept;
}

void SegmentSpace::release_all() {
  while (segments != nullptr) release_segment(segments);
}

void abandon_segment(Segment* seg) {
  seg->heap.store(nullptr, std::memory_order_release);
  LockGuard guard(g_abandoned_lock);
  seg->prev = nullptr;
  seg->next = g_abandoned;
  __atomic_store_n(&g_abandoned, seg, __ATOMIC_RELEASE);
  g_abandoned_count.fetch_add(1, std::memory_order_relaxed);
}

Segment* take_abandoned_segment(int arena_id) {
  if (__atomic_load_n(&g_abandoned, __ATOMIC_RELAXED) == nullptr) return nullptr;
  LockGuard guard(g_abandoned_lock);
  // Segments of an exclusive arena go only to heaps of that arena; heaps of an arena take
  // only that arena's segments.
  for (Segment** link = &g_abandoned; *link != nullptr; link = &(*link)->next) {
    Segment* seg = *link;
    if (arena_id != 0 ? seg->arena != arena_id : arena_is_exclusive(seg->arena)) continue;
    __atomic_store_n(link, seg->next, __ATOMIC_RELAXED);
    g_abandoned_count.fetch_sub(1, std::memory_order_relaxed);
    return seg;
  }
  return nullptr;
}

SpinLock& abandoned_lock() { return g_abandoned_lock; }
void abandoned_forget() {
  __atomic_store_n(&g_abandoned, nullptr, __ATOMIC_RELAXED);
  g_abandoned_count.store(0, std::memory_order_relaxed);
}

size_t abandoned_count() { return g_abandoned_count.load(std::memory_order_relaxed); }

}  // namespace tessera
