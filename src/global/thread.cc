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

constinit Heap g_empty_heap;
constinit thread_local Heap* t_heap = &g_empty_heap;

namespace {

SpinLock g_pool_lock;
Heap* g_pool = nullptr;
inline constexpr size_t kPoolChunk = 256 * 1024;

Heap* heap_pool_acquire() {
  LockGuard guard(g_pool_lock);
  if (g_pool == nullptr) {
    auto* chunk = (char*)os::map_aligned(kPoolChunk, os::page_size());
    if (chunk == nullptr) return nullptr;
    for (size_t off = 0; off + sizeof(Heap) <= kPoolChunk; off += sizeof(Heap)) {
      Heap* heap = new (chunk + off) Heap();
      counters_register(&heap->counters);
      heap->pool_next = g_pool;
      g_pool = heap;
    }
  }
  Heap* heap = g_pool;
  g_pool = heap->pool_next;
  return heap;
}

void heap_pool_release(Heap* heap) {
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

Heap* thread_heap_init() {
  process_init();
  Heap* heap = heap_pool_acquire();
  if (heap == nullptr) return nullptr;
  heap->init();
  t_heap = heap;
  os::thread_exit_hook_arm(heap);
  return heap;
}

// Runs as the thread's pthread key destructor. A later destructor that allocates again gets
// a fresh heap (and the hook re-armed), which glibc's next destructor round gives back.
void on_thread_exit(void* arg) {
  ReentryGuard guard;
  auto* heap = (Heap*)arg;
  if (t_heap == heap) t_heap = &g_empty_heap;
  heap->abandon();
  heap_pool_release(heap);
}

}  // namespace tessera
