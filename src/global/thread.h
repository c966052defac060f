// global/thread.h — the calling thread's heap. Layer global/.
//
// t_heap starts at the static empty heap, whose direct table points at a page with no free
// blocks: the first malloc of a thread falls into the slow path, which calls
// thread_heap_init(). So the fast path never asks "initialised?".
#pragma once
#include "base/spinlock.h"
#include "mem/heap.h"

namespace tessera {

extern HeapImpl g_empty_heap;
extern constinit thread_local HeapImpl* t_heap;

// The calling thread's real heap, created on first use; nullptr when out of memory.
HeapImpl* thread_heap_init();
// A new first-class heap owned by the calling thread, taking memory only from arena
// `arena_id` (0: anywhere); nullptr when out of memory.
HeapImpl* heap_create(int arena_id);
// Whether `heap` is a live heap the calling thread may allocate from.
bool heap_usable_here(const HeapImpl* heap);
// ts_heap_delete: the heap's blocks move to its thread's own heap. ts_heap_destroy: they are
// all freed. Either way the heap goes back to the pool. Owner thread only.
void heap_delete(HeapImpl* heap);
void heap_destroy(HeapImpl* heap);
// ts_heap_set_default: makes `heap` the calling thread's default; returns the previous one.
HeapImpl* heap_set_default(HeapImpl* heap);

// Pool lock and reset for the fork handlers (global/process.cc).
SpinLock& heap_pool_lock();
void heap_pool_forget();
// In a forked child: drops the heap a signal handler may have interrupted mid-update.
void thread_after_fork_child();

inline HeapImpl* thread_heap() {
  HeapImpl* heap = t_heap;
  return heap->initialized ? heap : thread_heap_init();
}

}  // namespace tessera
