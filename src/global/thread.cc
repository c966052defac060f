// global/thread.cc — thread heaps: creation on a thread's first slow path, a pool that
// recycles them (heaps are never unmapped, so a stale pointer to one stays readable), and
// abandonment when the thread exits.
#include "global/thread.h"

#include <new>

#include "base/spinlock.h"
#include "debug/guard.h"
#include "global/process.h"
#include "platform/os.h"

namespace tessera {

constinit HeapImpl g_empty_heap;
constinit thread_local HeapImpl* t_heap = &g_empty_heap;

namespace {

SpinLock g_pool_lock;
HeapImpl* g_pool = nullptr;
inline constexpr size_t kPoolChunk = 256 * 1024;

HeapImpl* heap_pool_acquire() {
  LockGuard guard(g_pool_lock);
  if (g_pool == nullptr) {
    auto* chunk = (char*)os::map_aligned(kPoolChunk, os::page_size());
    if (chunk == nullptr) return nullptr;
    for (size_t off = 0; off + sizeof(HeapImpl) <= kPoolChunk; off += sizeof(HeapImpl)) {
      HeapImpl* heap = new (chunk + off) HeapImpl();
      counters_register(&heap->counters);
      heap->pool_next = g_pool;
      g_pool = heap;
    }
  }
  HeapImpl* heap = g_pool;
  g_pool = heap->pool_next;
  return heap;
}

void heap_pool_release(HeapImpl* heap) {
  heap->first_class = false;
  heap->arena_id = 0;
  heap->owner = nullptr;
  heap->backing = heap->owned = heap->owned_next = heap->owned_prev = nullptr;
  LockGuard guard(g_pool_lock);
  heap->pool_next = g_pool;
  g_pool = heap;
}

}  // namespace

SpinLock& heap_pool_lock() { return g_pool_lock; }
void heap_pool_forget() { g_pool = nullptr; }

void thread_after_fork_child() {
  // A signal handler forked while this thread was inside a slow path: its heap may be half
  // updated. The child leaves it alone and starts a fresh one on its next malloc.
  if (t_inside_allocator) {
    t_heap = &g_empty_heap;
    t_inside_allocator = false;
    os::thread_exit_hook_arm(nullptr);
  }
}

HeapImpl* thread_heap_init() {
  process_init();
  HeapImpl* heap = heap_pool_acquire();
  if (heap == nullptr) return nullptr;
  heap->init();
  heap->owner = &t_thread_identity;
  t_heap = heap;
  os::thread_exit_hook_arm(heap);
  return heap;
}

HeapImpl* heap_create(int arena_id) {
  HeapImpl* backing = t_heap;
  if (!backing->initialized) backing = thread_heap_init();
  else if (backing->first_class) backing = backing->backing;
  if (backing == nullptr) return nullptr;
  HeapImpl* heap = heap_pool_acquire();
  if (heap == nullptr) return nullptr;
  heap->init();
  heap->first_class = true;
  heap->arena_id = arena_id;
  heap->owner = &t_thread_identity;
  heap->backing = backing;
  heap->owned_next = backing->owned;
  if (backing->owned) backing->owned->owned_prev = heap;
  backing->owned = heap;
  return heap;
}

bool heap_usable_here(const HeapImpl* heap) {
  return heap != nullptr && heap->initialized && heap->owner == &t_thread_identity;
}

namespace {

// Unlinks a first-class heap from its thread and returns it to the pool.
void heap_retire(HeapImpl* heap) {
  HeapImpl* backing = heap->backing;
  if (t_heap == heap) t_heap = backing;
  if (heap->owned_prev) heap->owned_prev->owned_next = heap->owned_next;
  else backing->owned = heap->owned_next;
  if (heap->owned_next) heap->owned_next->owned_prev = heap->owned_prev;
  heap->initialized = false;
  heap_pool_release(heap);
}

}  // namespace

void heap_delete(HeapImpl* heap) {
  heap->absorb_into(heap->backing);
  heap_retire(heap);
}

void heap_destroy(HeapImpl* heap) {
  heap->release_all(heap->backing);
  heap_retire(heap);
}

HeapImpl* heap_set_default(HeapImpl* heap) {
  HeapImpl* previous = t_heap->initialized ? t_heap : thread_heap_init();
  t_heap = heap;
  return previous;
}

// Runs as the thread's pthread key destructor. A later destructor that allocates again gets
// a fresh heap (and the hook re-armed), which glibc's next destructor round gives back.
void on_thread_exit(void* arg) {
  ReentryGuard guard;
  auto* heap = (HeapImpl*)arg;
  // Heaps the thread made and never deleted: their blocks stay valid, like ts_heap_delete.
  while (heap->owned != nullptr) heap_delete(heap->owned);
  if (t_heap == heap) t_heap = &g_empty_heap;
  heap->abandon();
  heap_pool_release(heap);
}

}  // namespace tessera
