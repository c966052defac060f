// mem/heap.h — a thread's heap: pages by size class, the direct table that makes malloc's
// fast path a table load and a list pop, the full list, and the segments it owns.
// Layer mem/. All fields are the owner thread's except remote_pending.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "base/macros.h"
#include "config/size_classes.h"
#include "mem/heap_counters.h"
#include "mem/page.h"
#include "mem/segment.h"

namespace tessera {

inline constexpr size_t kDirectEntries = kDirectMax / 16 + 1;

// A page with no blocks: where empty direct entries point, so the fast path needs no check.
extern Page g_empty_page;

// A heap: a thread's own, or a first-class one (ts_heap_t). Not named Heap: libtessera.a
// exports its members, and tessera.hpp's tessera::Heap would collide with them.
struct HeapImpl {
  // (size + 15) / 16 -> the page malloc takes blocks of that size from. Kept equal to the
  // head of the size class's queue (or g_empty_page).
  Page* direct[kDirectEntries];
  // Size class -> the head of its queue, or g_empty_page: the fast path above 1 KiB.
  Page* current[kClassCount];
  PageQueue pages[kClassCount];  // pages with (possibly) free blocks, by size class
  PageQueue full;                // size-class pages without free blocks, and large blocks
  SegmentSpace space;
  // Set by another thread's free to a page on the full list: scan it for remote frees.
  std::atomic<bool> remote_pending{false};
  bool initialized = false;      // false for the static empty heap and pooled heaps
  bool first_class = false;      // made by ts_heap_new (not a thread's own heap)
  int arena_id = 0;              // takes memory only from this arena (0: anywhere)
  uint32_t heartbeat = 0;
  uint64_t next_deferred_ms = 0;
  const char* owner = nullptr;   // the creating thread's identity (t_thread_identity)
  HeapImpl* backing = nullptr;       // first-class heap: its thread's own heap
  HeapImpl* owned = nullptr;         // thread heap: the first-class heaps its thread created
  HeapImpl* owned_next = nullptr;    // first-class heap: the next in backing->owned
  HeapImpl* owned_prev = nullptr;
  PageQueue huge;                // this heap's huge blocks (under the huge cache's lock)
  HeapImpl* pool_next = nullptr;     // the heap pool's free list
  HeapCounters counters;         // statistics; kept when the heap is reused (heap_counters.h)

  // Constant-initialisable, so the static empty heap exists before any code runs.
  constexpr HeapImpl() {
    for (Page*& d : direct) d = &g_empty_page;
    for (Page*& c : current) c = &g_empty_page;
  }

  // --- called through the API layer ---
  // Everything malloc's fast path does not: fresh pages, large and huge blocks. nullptr when
  // out of memory.
  void* malloc_generic(size_t size);
  // A block of `size` bytes whose address is a multiple of `alignment` (power of two > 16).
  void* malloc_aligned(size_t size, size_t alignment);
  // Grows this heap's large block at p in place to at least `size` bytes (<= kLargeMax) by
  // taking the free slices after it. False when it cannot; the block is then unchanged.
  bool grow_large_in_place(Page* page, size_t size);
  // Frees empty pages, then purges memory unused past the delay (everything with force).
  void collect(bool force);
  // The owning thread is exiting: give every page and segment away. The heap is reset.
  void abandon();
  // Gives every page, segment and huge block to `heir` (same thread): blocks stay valid. The
  // heap is reset.
  void absorb_into(HeapImpl* heir);
  // Frees every block at once, in time proportional to the heap's pages: its spans become
  // free spans of its segments (purged after the purge delay as usual), huge blocks go back.
  void free_all_blocks();
  // free_all_blocks, then the segments leave the heap: to their arena (now), or else to `heir`
  // (same thread), which purges them after the delay. The heap is reset.
  void release_all(HeapImpl* heir);

  // Takes back pages on the full list that other threads freed blocks to (all: collect every
  // full page, not just those that signalled).
  void scan_full(bool all);

  // Resets the allocation state (keeps identity: owner, arena, first_class, links).
  // Takes every pending local and remote free back so that the counters are exact.
  void fold_counters();

  void init();
  void free_local_slow(Page* page, Block* block);

 private:
  Page* find_page(unsigned size_class);
  Page* fresh_page(unsigned size_class);
  void extend_page(Page* page);
  void* large_alloc(size_t size);
  Page* alloc_span(size_t slices, bool* clean);
  void free_page(Page* page);
  void free_large(Page* page);
  void move_to_full(Page* page);
  void move_from_full(Page* page);
  void sweep_empty_pages(bool include_heads);
  void give_up_pages();
  void adopt(Segment* seg);
  void deferred_work(bool force);
  void update_direct(unsigned size_class);
  void fold_pages();  // counters_fold on every size-class page
};

// One area of a heap: a page of equal blocks, a large block or a huge block.
struct HeapArea {
  void* blocks;
  size_t reserved;   // bytes of address space
  size_t committed;  // bytes carved into blocks
  size_t used;       // blocks in use
  size_t block_size;
};
// Called per area with block == nullptr, then per block in use; false stops the walk.
using BlockVisitor = bool (*)(const HeapArea& area, void* block, size_t block_size, void* arg);
// Walks the heap's areas and, with all_blocks, its blocks in use. Owner thread only. False
// when the visitor stopped the walk.
bool heap_visit(HeapImpl* heap, bool all_blocks, BlockVisitor visit, void* arg);

// Frees p from whichever thread runs this; `page` holds p. Handles every case that the API's
// fast path does not (remote frees, large and huge blocks, aligned blocks, invalid pointers).
void free_slow(HeapImpl* heap, Page* page, void* p);
// Another thread's free of block (a block start) on page: a push onto its remote list.
TESSERA_NOINLINE void free_remote(Page* page, Block* block);
// Reports p as an invalid free (never tessera's, interior, or already free).
void report_invalid_free(const void* p, const char* what);
// Reports a heap used where it may not be (another thread, after delete, …).
void report_heap_misuse(const void* heap, const char* what);

}  // namespace tessera
