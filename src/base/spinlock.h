// base/spinlock.h — a lock for the rare global paths (abandoned segments, huge cache, heap
// pool). Never taken on the malloc/free fast paths. It does not allocate, so it is safe
// before main and inside fork handlers.
#pragma once
#include <atomic>
#include <sched.h>

namespace tessera {

class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) sched_yield();
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }
  // After fork the child has one thread; a lock some vanished thread held is simply free.
  void reset_after_fork() { locked_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> locked_{false};
};

class LockGuard {
 public:
  explicit LockGuard(SpinLock& l) : lock_(l) { lock_.lock(); }
  ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace tessera
