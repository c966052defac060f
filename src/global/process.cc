// global/process.cc — process start-up and fork safety.
#include "global/process.h"

#include <atomic>

#include "base/message.h"
#include "base/spinlock.h"
#include "config/build_mode.h"
#include "config/options.h"
#include "config/output.h"
#include "config/size_classes.h"
#include "debug/guard.h"
#include "global/stats.h"
#include "global/thread.h"
#include "mem/arena.h"
#include "mem/huge.h"
#include "mem/memory_stats.h"
#include "mem/secret.h"
#include "mem/segment.h"
#include "platform/os.h"
#include "tessera/tessera.h"

namespace tessera {

void on_thread_exit(void* heap);

namespace {

std::atomic<bool> g_initialized{false};
SpinLock g_init_lock;

// Every global lock is taken before fork, so the child never inherits one mid-update. A
// lock the forking thread itself holds (fork from a signal handler that interrupted it) is
// not waited for: the child forgets what it guards instead of trusting it.
struct ForkLock {
  SpinLock& (*lock)();
  void (*forget)();
  bool taken;
};
ForkLock g_fork_locks[] = {
    {heap_pool_lock, heap_pool_forget, false},
    {abandoned_lock, abandoned_forget, false},
    {huge_cache_lock, huge_cache_forget, false},
    {arena_lock, nullptr, false},  // (arena bitmaps are updated in place: nothing to forget)
    {output_lock, output_forget, false},
    {stats_lock, stats_forget, false},
};

void before_fork() {
  for (ForkLock& f : g_fork_locks) {
    f.taken = !f.lock().held_by_this_thread();
    if (f.taken) f.lock().lock();
  }
}
void after_fork_parent() {
  for (ForkLock& f : g_fork_locks)
    if (f.taken) f.lock().unlock();
}
void after_fork_child() {
  for (ForkLock& f : g_fork_locks) {
    if (!f.taken && f.forget) f.forget();
    f.lock().reset_after_fork();
  }
  thread_after_fork_child();
  if constexpr (kSecure) secret_after_fork_child();
}

// TESSERA_SHOW_STATS=1: the table once the program is done, even if it never allocated. A
// destructor of the library runs after the program's own exit handlers (the preloaded
// library is finalized last).
// TESSERA_DESTROY_ON_EXIT=1: then all free memory, exited threads' included, goes back to the
// OS. Blocks still in use stay mapped: a later destructor (or another library's) may still
// free them.
__attribute__((destructor)) void at_process_exit() {
  process_init();
  if (g_options.show_stats.load(std::memory_order_relaxed) != 0) stats_print(nullptr, nullptr);
  if (g_options.destroy_on_exit.load(std::memory_order_relaxed) != 0) {
    size_t before = g_memory_stats.committed.load(std::memory_order_relaxed);
    if (HeapImpl* heap = thread_heap(); heap != nullptr && !t_inside_allocator) {
      ReentryGuard guard;
      heap->collect(true);
    }
    huge_cache_purge(0, 0, true);
    if (g_options.verbose) {
      Message m;
      m.text("tessera: at exit: committed ").num(before >> 10).text(" KiB -> ")
          .num(g_memory_stats.committed.load(std::memory_order_relaxed) >> 10).text(" KiB\n");
      output_message(m);
    }
  }
}

}  // namespace

void process_init() {
  if (g_initialized.load(std::memory_order_acquire)) return;
  LockGuard guard(g_init_lock);
  if (g_initialized.load(std::memory_order_relaxed)) return;
  options_init();
  os::thread_exit_hook_init(on_thread_exit);
  os::at_fork(before_fork, after_fork_parent, after_fork_child);
  g_initialized.store(true, std::memory_order_release);
  if (g_options.show_stats.load(std::memory_order_relaxed) != 0) os::keep_stderr();
  arenas_reserve_from_options();
  if (g_options.verbose) {
    Message m;
    m.text("tessera: version ").num(TESSERA_VERSION_MAJOR).text(".").num(TESSERA_VERSION_MINOR)
        .text(".").num(TESSERA_VERSION_PATCH).text(" ready: segments of ").num(kSegmentSize >> 20)
        .text(" MiB in ").num(kSliceSize >> 10).text(" KiB slices, ").num(kClassCount - 1)
        .text(" size classes, purge delay ").num(g_options.purge_delay_ms).text(" ms\n");
    output_message(m);
  }
}

}  // namespace tessera
