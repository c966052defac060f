// global/process.cc — process start-up and fork safety.
#include "global/process.h"

#include <atomic>

#include "base/spinlock.h"
#include "config/options.h"
#include "mem/huge.h"
#include "mem/segment.h"
#include "platform/os.h"

namespace tessera {

void heap_pool_lock();
void heap_pool_unlock();
void heap_pool_reset_after_fork();
void on_thread_exit(void* heap);

namespace {

std::atomic<bool> g_initialized{false};
SpinLock g_init_lock;

// Every global lock is taken before fork, so the child never inherits one mid-update.
void before_fork() {
  heap_pool_lock();
  abandoned_lock();
  huge_cache_lock();
}
void after_fork_parent() {
  huge_cache_unlock();
  abandoned_unlock();
  heap_pool_unlock();
}
void after_fork_child() {
  huge_cache_reset_after_fork();
  abandoned_reset_after_fork();
  heap_pool_reset_after_fork();
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
}

}  // namespace tessera
