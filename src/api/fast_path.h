// api/fast_path.h — malloc's and free's fast paths, inlined into every exported entry point
// (the ts_ API and, in the override library, malloc/free/new/delete). Layer api/.
#pragma once
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bits.h"
#include "base/macros.h"
#include "config/build_mode.h"
#include "debug/guard.h"
#include "global/thread.h"
#include "mem/free_list.h"
#include "mem/heap.h"
#include "mem/huge.h"
#include "mem/segment_map.h"

namespace tessera::api {

inline constexpr size_t kMaxRequest = PTRDIFF_MAX;

// The page holding p, or nullptr when p is not in tessera's memory.
inline Page* page_of(const void* p) {
  uintptr_t a = (uintptr_t)p;
  uintptr_t base = segment_map_lookup(a);
  if (base == 0) return nullptr;
  auto* seg = (Segment*)base;
  if (seg->huge) return huge_page(seg);
  return segment_page_of(seg, a);
}

// The slow paths (api/malloc_api.cc): out of line, so the fast paths stay small.
// heap may be the static empty heap: the thread's heap is then made.
TESSERA_SLOW_PATH void* malloc_slow(size_t size, HeapImpl* heap);  // (size first: no register move)
TESSERA_SLOW_PATH void free_generic(void* p);
TESSERA_SLOW_PATH void free_page_slow(Page* page, void* p);

// Pops a block off page, or nullptr. When the free list has run dry but the owner has freed
// blocks since, those become the free list right here: a malloc/free loop over a few live
// blocks never leaves the fast path. kReport false (secure builds' inlined paths): a link that
// does not decode leaves the page as it is and gives nullptr, so that the caller's slow path,
// popping again, reports it; the fast path then makes no call and saves no registers.
template <bool kReport = true>
TESSERA_FAST_PATH Block* page_pop(Page* page) {
  Block* block = page->free;
  if (TESSERA_UNLIKELY(block == nullptr)) {
    block = page->local_free;
    if (block == nullptr) return nullptr;
    page->local_free = nullptr;
    page->frees_uncounted += page->local_freed;  // statistics: one add, off the hot path
    page->used -= page->local_freed;
    page->local_freed = 0;
    if constexpr (!kReport) page->free = block;  // (kept if its link does not decode)
  }
  Block* next;
  if constexpr (kReport) {
    next = block_next(page, block);
  } else if (TESSERA_UNLIKELY(!link_decode(page, block, &next))) {
    return nullptr;
  }
  page->free = next;
  page->used++;
  return block;
}

// Checked builds (config/build_mode.h) wrap both fast paths (api/checked_alloc.cc).
TESSERA_NOINLINE void* checked_malloc(HeapImpl* heap, size_t size);
TESSERA_NOINLINE void checked_free(void* p);

// malloc's fast path: a table load, a list pop and a counter update. heap is the calling
// thread's default heap or one of its first-class heaps.
TESSERA_FAST_PATH void* heap_malloc_unchecked(HeapImpl* heap, size_t size) {
  Page* page;
  if (TESSERA_LIKELY(size <= kDirectMax)) {
    page = heap->direct[(size + 15) >> 4];
  } else if (size <= kMediumBlockMax) {
    page = heap->current[size_class_of(size)];
  } else {
    return malloc_slow(size, heap);
  }
  Block* block = page_pop(page);
  if (TESSERA_LIKELY(block != nullptr)) return block;
  return malloc_slow(size, heap);
}

// Who may free a block of page on the fast path: the page's owner thread (onto its local_free
// list), another thread while the owner heap is live (onto the page's remote list), or nobody
// (keys of no owner are 0 or kNoOwnerKey; kSlowFreeBit sends the owner's frees to the slow
// path).
enum class Freer { kOwner, kRemote, kSlow };
TESSERA_FAST_PATH Freer freer_of(const Page* page) {
  uintptr_t key = page->free_key.load(std::memory_order_relaxed);
  uintptr_t mine = (uintptr_t)t_heap;
  if (TESSERA_LIKELY(key == mine)) return Freer::kOwner;
  if (key > kNoOwnerKey && (key & ~kSlowFreeBit) != mine) return Freer::kRemote;
  return Freer::kSlow;
}

// The owner thread's free: a push onto the page's local_free list.
TESSERA_FAST_PATH void push_local_free(Page* page, Block* block) {
  block_set_next(page, block, page->local_free);
  page->local_free = block;
  page->local_freed++;
}

// free's fast path: the owner thread pushes the block on its page's local_free list; another
// thread pushes a plain block start onto the page's remote list. Everything else (large and
// huge blocks of this thread, full pages, aligned or invalid pointers) takes the slow path.
// free_to_page is its second half, for p in a segment's first chunk and its page already found
// (checked builds find it first).
TESSERA_FAST_PATH void free_to_page(Page* page, void* p) {
  uintptr_t a = (uintptr_t)p;
  Freer freer = freer_of(page);
  if (TESSERA_LIKELY(is_divisible((uint32_t)(a - (uintptr_t)page->start), page->magic))) {
    if (TESSERA_LIKELY(freer == Freer::kOwner)) return push_local_free(page, (Block*)p);
    if (freer == Freer::kRemote) return free_remote(page, (Block*)p);
  }
  free_page_slow(page, p);
}
TESSERA_FAST_PATH void free_unchecked(void* p) {
  uintptr_t a = (uintptr_t)p;
  if (TESSERA_LIKELY(segment_map_entry(a) == 1)) {
    free_to_page(segment_page_of(segment_of(a), a), p);
    return;
  }
  free_generic(p);
}

// What every entry point calls: the bare fast paths, or in checked builds the checked ones.
TESSERA_FAST_PATH void* heap_malloc_fast(HeapImpl* heap, size_t size) {
  if constexpr (kCheckedBlocks) return checked_malloc(heap, size);
  return heap_malloc_unchecked(heap, size);
}
TESSERA_FAST_PATH void* malloc_fast(size_t size) { return heap_malloc_fast(t_heap, size); }
TESSERA_FAST_PATH void free_fast(void* p) {
  if constexpr (kCheckedBlocks) return checked_free(p);
  free_unchecked(p);
}

}  // namespace tessera::api
