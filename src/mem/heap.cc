// mem/heap.cc — the slow paths of a thread's heap: finding or making a page with free
// blocks, large blocks, the full list, remote frees, purging, abandonment and reclaim.
#include "mem/heap.h"

#include "config/options.h"
#include "config/output.h"
#include "debug/report.h"
#include "mem/free_list.h"
#include "mem/huge.h"
#include "mem/segment_map.h"
#include "platform/os.h"

namespace tessera {

Page g_empty_page;

namespace {

inline uintptr_t key_of(const HeapImpl* heap) { return (uintptr_t)heap; }

}  // namespace

// Publishes block on page's remote list. The owner heap is read before the push: once the
// block is published the owner may free the page and its segment.
void free_remote(Page* page, Block* block) {
  HeapImpl* owner = page->heap.load(std::memory_order_acquire);
  uintptr_t old = page->thread_free.load(std::memory_order_relaxed);
  do {
    block_set_remote_next(page, block, (Block*)(old & ~kNotifyBit));
  } while (!page->thread_free.compare_exchange_weak(old, (uintptr_t)block,
                                                    std::memory_order_release,
                                                    std::memory_order_relaxed));
  // Heaps are never unmapped (they are pooled), so a stale owner is a harmless wake-up.
  if ((old & kNotifyBit) && owner) owner->remote_pending.store(true, std::memory_order_release);
}

namespace {

// "tessera: error: <what>: heap 0x…", up to max_errors times per process. (Misuse is refused,
// not fatal: the call returns an error.)
void report_heap_error(const char* what, const void* heap) {
  static std::atomic<uint32_t> reported{0};
  if (!g_options.show_errors) return;
  if (reported.fetch_add(1, std::memory_order_relaxed) >= g_options.max_errors) return;
  Message m;
  m.text("tessera: error: ").text(what).text(": heap ").ptr(heap).text("\n");
  output_error(m);
}

}  // namespace

void report_invalid_free(const void* p, const char* what) {
  report_block_error(what, p, kSizeUnknown);
}

void report_heap_misuse(const void* heap, const char* what) { report_heap_error(what, heap); }

void HeapImpl::init() {
  for (Page*& d : direct) d = &g_empty_page;
  for (Page*& c : current) c = &g_empty_page;
  for (PageQueue& q : pages) q = PageQueue{};
  full = PageQueue{};
  space = SegmentSpace{};
  remote_pending.store(false, std::memory_order_relaxed);
  initialized = true;
  heartbeat = 0;
  next_deferred_ms = 0;
}

void HeapImpl::update_direct(unsigned size_class) {
  Page* page = pages[size_class].head ? pages[size_class].head : &g_empty_page;
  current[size_class] = page;
  if (size_class > kSizeClasses.direct[kDirectEntries - 1]) return;
  size_t lo = size_class == 1 ? 0 : kSizeClasses.block_size[size_class - 1] / 16 + 1;
  size_t hi = kSizeClasses.block_size[size_class] / 16;
  for (size_t w = lo; w <= hi; w++) direct[w] = page;
}

// ---------------------------------------------------------------------------------------
// Allocation

void* HeapImpl::malloc_generic(size_t size) {
  // Every so many slow paths, and on every large or huge allocation (rare, and costly enough
  // that a clock read is noise), see whether memory is due back to the OS.
  if (TESSERA_UNLIKELY((++heartbeat & kHeartbeatMask) == 0 || size > kMediumBlockMax))
    deferred_work(false);
  if (size <= kMediumBlockMax) {
    Page* page = find_page(size_class_of(size));
    if (page == nullptr) return nullptr;
    Block* block = page->free;
    page->free = block_next(page, block);
    page->used++;
    return block;
  }
  if (size <= g_large_block_max.load(std::memory_order_relaxed)) return large_alloc(size);
  bool zeroed;
  return huge_alloc(this, size, kSliceSize, &zeroed);
}

Page* HeapImpl::find_page(unsigned size_class) {
  PageQueue& queue = pages[size_class];
  // Pages of this class in the queue first; then, once, pages that other threads freed blocks
  // to while they sat on the full list; only then a fresh page.
  for (bool scanned = false;; scanned = true) {
    for (Page* page = queue.head; page != nullptr;) {
      page_collect(page);
      if (page->free == nullptr && page->capacity < page->reserved) extend_page(page);
      if (page->free != nullptr) {
        if (page != queue.head) {
          queue.remove(page);
          queue.push_front(page);
          update_direct(size_class);
        }
        return page;
      }
      Page* next = page->next;
      move_to_full(page);
      // A remote free that raced with the move keeps the page here; look at it again.
      if (!page->in_full) continue;
      page = next;
    }
    if (scanned || !remote_pending.load(std::memory_order_relaxed)) break;
    scan_full(false);
  }
  return fresh_page(size_class);
}

Page* HeapImpl::fresh_page(unsigned size_class) {
  size_t block_size = kSizeClasses.block_size[size_class];
  size_t slices = page_slices_for(block_size);
  bool clean;
  Page* page = alloc_span(slices, &clean);
  if (page == nullptr) return nullptr;
  Segment* seg = segment_of_page(page);
  uint8_t* start = slice_address(seg, page);
  page_init(page, this, size_class, block_size, start, slices << kSliceShift);
  extend_page(page);
  pages[size_class].push_front(page);
  update_direct(size_class);
  return page;
}

// page_extend, then in checked builds forgets the block states of the blocks carved for the
// first time in this page's life (and, once all are, of the span's tail): an earlier page's
// may still be there. Forgetting as blocks are first carved, not the whole span at once,
// spares pages that never carve most of theirs: short-lived heaps (thread-churn) paid a 4 KiB
// memset for every 64 KiB page. Blocks carved again after the page emptied keep their freed
// states, so that a double free of one is still named so.
void HeapImpl::extend_page(Page* page) {
  page_extend(page);
  if constexpr (kCheckedBlocks) {
    if (page->capacity <= page->states_forgotten) return;
    Segment* seg = segment_of_page(page);
    size_t from = (size_t)page->states_forgotten * page->block_size;
    size_t to = page->capacity == page->reserved ? (size_t)page->slice_count << kSliceShift
                                                 : (size_t)page->capacity * page->block_size;
    forget_freed_blocks(seg->block_bits, (size_t)(page->start + from - (uint8_t*)seg), to - from);
    page->states_forgotten = page->capacity;
  }
}

Page* HeapImpl::alloc_span(size_t slices, bool* clean) {
  // Large blocks other threads freed come back before the heap takes more space.
  if (remote_pending.load(std::memory_order_relaxed)) scan_full(false);
  Page* span = space.alloc_span(slices, clean);
  if (span != nullptr) return span;
  // Memory that exited threads left behind comes before new address space.
  while (Segment* seg = take_abandoned_segment(arena_id)) {
    adopt(seg);
    span = space.alloc_span(slices, clean);
    if (span != nullptr) return span;
  }
  if (!space.add_segment(this, arena_id)) {
    // Refused (limit_os_memory, or the OS): give back what is cached, then try once more.
    uint64_t now = os::now_ms();
    if (space.purge(now, 0, true) + huge_cache_purge(now, 0, true) == 0 ||
        !space.add_segment(this, arena_id)) {
      return nullptr;
    }
  }
  return space.alloc_span(slices, clean);
}

void* HeapImpl::large_alloc(size_t size) {
  size_t slices = div_ceil(size, kSliceSize);
  bool clean;
  Page* page = alloc_span(slices, &clean);
  if (page == nullptr) return nullptr;
  page->kind = SpanKind::kLarge;
  page->size_class = 0;
  page->block_size = slices << kSliceShift;
  page->magic = divisibility_magic((uint32_t)page->block_size);  // remote frees check it
  page->start = slice_address(segment_of_page(page), page);
  page->free = page->local_free = nullptr;
  page->local_freed = 0;
  page->reserved = page->capacity = page->used = 1;
  page->has_aligned.store(false, std::memory_order_relaxed);
  page->zeroed = clean;
  page->in_full = true;  // a large page is always "full": its one block is in use
  page->heap.store(this, std::memory_order_relaxed);
  page->thread_free.store(kNotifyBit, std::memory_order_relaxed);
  page->free_key.store(key_of(this) | kSlowFreeBit, std::memory_order_relaxed);
  full.push_back(page);
  counters_large_alloc(page);
  return page->start;
}

void* HeapImpl::malloc_aligned(size_t size, size_t alignment) {
  // Blocks of a class whose size is a multiple of the alignment are aligned already: pages
  // start on slice boundaries.
  if (alignment <= kSliceSize) {
    size_t rounded = align_up(size == 0 ? 1 : size, alignment);
    if (rounded <= kMediumBlockMax &&
        kSizeClasses.block_size[size_class_of(rounded)] % alignment == 0) {
      return malloc_generic(rounded);
    }
    if (size > kMediumBlockMax) return malloc_generic(size);  // spans are slice-aligned
  }
  if (size > kLargeMax - alignment) {
    bool zeroed;
    return huge_alloc(this, size, alignment, &zeroed);
  }
  // Otherwise over-allocate and hand out an aligned address inside the block. Its page then
  // takes the slow free path, which maps such addresses back to the block's start.
  uint8_t* p = (uint8_t*)malloc_generic(size + alignment - 1);
  if (p == nullptr) return nullptr;
  uint8_t* aligned = (uint8_t*)align_up((uintptr_t)p, alignment);
  if (aligned != p) {
    Page* page = segment_page_of(segment_of((uintptr_t)p), (uintptr_t)p);
    page->has_aligned.store(true, std::memory_order_relaxed);
    page->free_key.store(key_of(this) | kSlowFreeBit, std::memory_order_relaxed);
  }
  return aligned;
}

bool HeapImpl::grow_large_in_place(Page* page, size_t size) {
  if (size > kLargeMax) return false;
  size_t slices = div_ceil(size, kSliceSize);
  if (slices <= page->slice_count) return true;
  if (!space.grow_span(page, slices)) return false;
  counters_large_grow(page, (slices << kSliceShift) - page->block_size);
  page->block_size = slices << kSliceShift;
  page->magic = divisibility_magic((uint32_t)page->block_size);
  page->zeroed = false;
  return true;
}

// ---------------------------------------------------------------------------------------
// Freeing

void HeapImpl::free_local_slow(Page* page, Block* block) {
  if (page->kind == SpanKind::kLarge) {
    counters_large_free_local(page);
    free_large(page);
    deferred_work(false);  // (as on large allocations: see malloc_generic)
    return;
  }
  block_set_next(page, block, page->local_free);
  page->local_free = block;
  page->local_freed++;
  if (page->in_full) move_from_full(page);
}

void free_slow(HeapImpl* heap, Page* page, void* p) {
  if (page->kind == SpanKind::kFree || page->block_size == 0) {
    report_invalid_free(p, "invalid free (not an allocated block)");
    return;
  }
  uint8_t* start = page_block_start(page, p);
  if (start == nullptr) {
    report_invalid_free(p, "invalid free (interior pointer)");
    return;
  }
  if (page->kind == SpanKind::kHuge) {
    if (page->used == 0) {
      report_invalid_free(p, "double free");
      return;
    }
    huge_free(page);
    return;
  }
  uintptr_t key = page->free_key.load(std::memory_order_relaxed) & ~kSlowFreeBit;
  if (heap->initialized && key == key_of(heap)) {
    if (page->kind == SpanKind::kLarge && page->used == 0) {
      report_invalid_free(p, "double free");
      return;
    }
    heap->free_local_slow(page, (Block*)start);
  } else {
    free_remote(page, (Block*)start);
  }
}

void HeapImpl::free_large(Page* page) {
  full.remove(page);
  free_page(page);
}

void HeapImpl::free_page(Page* page) {
  if (page->kind == SpanKind::kSmall) {
    counters_fold(page);
    if (page->in_full) {
      full.remove(page);
    } else {
      pages[page->size_class].remove(page);
      update_direct(page->size_class);
    }
  }
  page->heap.store(nullptr, std::memory_order_relaxed);
  page->free_key.store(kNoOwnerKey, std::memory_order_relaxed);
  space.free_span(page, os::now_ms());
}

void HeapImpl::move_to_full(Page* page) {
  // Ask the first remote free to tell us; if one already arrived the page is not full.
  uintptr_t expected = page->thread_free.load(std::memory_order_relaxed);
  if (expected & ~kNotifyBit) return;
  if (!(expected & kNotifyBit) &&
      !page->thread_free.compare_exchange_strong(expected, kNotifyBit,
                                                 std::memory_order_acq_rel)) {
    return;
  }
  pages[page->size_class].remove(page);
  update_direct(page->size_class);
  page->in_full = true;
  page->free_key.store(key_of(this) | kSlowFreeBit, std::memory_order_relaxed);
  full.push_back(page);
}

void HeapImpl::move_from_full(Page* page) {
  full.remove(page);
  page->in_full = false;
  if (!page->has_aligned) page->free_key.store(key_of(this), std::memory_order_relaxed);
  PageQueue& queue = pages[page->size_class];
  queue.push_back(page);
  if (queue.head == page) update_direct(page->size_class);
}

// Takes back pages on the full list that other threads freed blocks to.
void HeapImpl::scan_full(bool all) {
  remote_pending.store(false, std::memory_order_relaxed);
  for (Page* page = full.head; page != nullptr;) {
    Page* next = page->next;
    if (all || page->thread_free_list() != nullptr) {
      page_collect(page);
      if (page->kind == SpanKind::kLarge) {
        if (page->used == 0) free_large(page);
      } else if (page->free != nullptr || page->capacity < page->reserved) {
        move_from_full(page);  // (an entirely free page was reset to nothing carved)
      }
    }
    page = next;
  }
}

void HeapImpl::sweep_empty_pages(bool include_heads) {
  for (PageQueue& queue : pages) {
    for (Page* page = queue.head; page != nullptr;) {
      Page* next = page->next;
      if (include_heads || page != queue.head) {
        page_collect(page);
        if (page->used == 0) free_page(page);
      }
      page = next;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Deferred work, collection, abandonment

void HeapImpl::deferred_work(bool force) {
  uint64_t now = os::now_ms();
  if (!force && now < next_deferred_ms) return;
  uint64_t delay = g_options.purge_delay_ms;
  next_deferred_ms = now + (delay / 4 > 0 ? delay / 4 : 1);
  // A backstop for wake-ups lost to races with abandonment: look at the whole full list.
  scan_full(false);
  // Segments of exited threads would otherwise wait for a thread that runs out of space;
  // taking one per tick frees and purges what their remote frees emptied.
  if (Segment* seg = take_abandoned_segment(arena_id)) adopt(seg);
  sweep_empty_pages(force);
  fold_pages();  // so that other threads' statistics stay recent
  space.purge(now, delay, force);
  huge_cache_purge(now, delay, force);
}

void HeapImpl::fold_pages() {
  for (PageQueue& queue : pages)
    for (Page* page = queue.head; page != nullptr; page = page->next) counters_fold(page);
  for (Page* page = full.head; page != nullptr; page = page->next) counters_fold(page);
}

void HeapImpl::fold_counters() {
  scan_full(true);
  for (PageQueue& queue : pages)
    for (Page* page = queue.head; page != nullptr; page = page->next) page_collect(page);
  fold_pages();
}

void HeapImpl::collect(bool force) {
  if (force) {
    while (Segment* seg = take_abandoned_segment(arena_id)) adopt(seg);
  }
  scan_full(true);
  deferred_work(force);
}

void HeapImpl::adopt(Segment* seg) {
  space.adopt_segment(seg, this);
  for (size_t i = seg->meta_slices; i < kSlicesPerSegment;) {
    Page* page = &seg->slices[i];
    i += page->slice_count;
    if (page->kind == SpanKind::kFree) continue;
    page->heap.store(this, std::memory_order_release);
    page_collect(page);
    if (page->used == 0) {
      counters_fold(page);
      page->in_full = false;
      page->free_key.store(kNoOwnerKey, std::memory_order_relaxed);
      space.free_span(page, os::now_ms());
      continue;
    }
    if (page->kind == SpanKind::kLarge) {
      page->in_full = true;
      full.push_back(page);
      page->thread_free.fetch_or(kNotifyBit, std::memory_order_acq_rel);
      page->free_key.store(key_of(this) | kSlowFreeBit, std::memory_order_relaxed);
      // A block freed before the notify bit was set would not wake us: look now.
      if (page->thread_free_list() != nullptr) {
        page_collect(page);
        if (page->used == 0) free_large(page);
      }
    } else {
      page->in_full = false;
      page->free_key.store(key_of(this) | (page->has_aligned ? kSlowFreeBit : 0),
                           std::memory_order_relaxed);
      pages[page->size_class].push_back(page);
      update_direct(page->size_class);
      if (page->free == nullptr && page->capacity == page->reserved) move_to_full(page);
    }
  }
}

void HeapImpl::give_up_pages() {
  scan_full(true);
  sweep_empty_pages(true);
  fold_pages();
  auto give_up = [](Page* page) {
    page->heap.store(nullptr, std::memory_order_release);
    page->free_key.store(kNoOwnerKey, std::memory_order_relaxed);
    page->in_full = false;
    // No owner to notify any more.
    page->thread_free.fetch_and(~kNotifyBit, std::memory_order_acq_rel);
  };
  for (PageQueue& queue : pages)
    for (Page* page = queue.head; page != nullptr; page = page->next) give_up(page);
  for (Page* page = full.head; page != nullptr; page = page->next) give_up(page);
}

void HeapImpl::abandon() {
  give_up_pages();
  // The next thread to start usually adopts these segments: while few wait, their recently
  // freed memory stays resident for it (and is purged after the delay as usual).
  bool keep_resident = abandoned_count() < kAbandonedResidentMax;
  space.purge(os::now_ms(), keep_resident ? (uint64_t)g_options.purge_delay_ms : 0,
              !keep_resident);
  for (Segment* seg = space.take_segments(keep_resident); seg != nullptr;) {
    Segment* next = seg->next;
    abandon_segment(seg);
    seg = next;
  }
  huge_transfer(this, nullptr);
  init();
  initialized = false;
}

void HeapImpl::absorb_into(HeapImpl* heir) {
  give_up_pages();
  for (Segment* seg = space.take_segments(true); seg != nullptr;) {
    Segment* next = seg->next;
    heir->adopt(seg);
    seg = next;
  }
  huge_transfer(this, heir);
  init();
}

void HeapImpl::free_all_blocks() {
  uint64_t now = os::now_ms();
  for (Segment* seg = space.segments; seg != nullptr; seg = seg->next) {
    for (size_t i = seg->meta_slices; i < kSlicesPerSegment;) {
      Page* span = &seg->slices[i];
      i += span->slice_count;  // (read before free_span merges the span with its neighbours)
      if (span->kind == SpanKind::kFree) continue;
      page_collect(span);
      // Checked builds: a free through a stale pointer is then a certain double free.
      mark_all_freed(seg->block_bits, (size_t)(slice_address(seg, span) - (uint8_t*)seg),
                     (size_t)span->slice_count << kSliceShift);
      counters_bulk_free(span);
      span->heap.store(nullptr, std::memory_order_relaxed);
      span->in_full = false;
      space.free_span(span, now);
    }
  }
  huge_free_all(this);
  SegmentSpace kept = space;
  init();
  space = kept;
}

void HeapImpl::release_all(HeapImpl* heir) {
  free_all_blocks();
  if (arena_id != 0) {
    space.release_all();
  } else {
    for (Segment* seg = space.segments; seg != nullptr;) {
      Segment* next = seg->next;
      heir->adopt(seg);
      seg = next;
    }
  }
  init();
}

}  // namespace tessera
