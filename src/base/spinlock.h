// base/spinlock.h — a lock for the rare global paths (abandoned segments, huge cache, heap
// pool). Never taken on the malloc/free fast paths. It does not allocate, so it is safe
// before main and inside fork handlers. It remembers its owner so that a fork from a signal
// handler that interrupted the owner can tell (see global/process.cc).
#pragma once
#include <atomic>
#include <sched.h>

namespace tessera {

// A per-thread address: a cheap identity for the lock owner.
inline constinit thread_local char t_thread_identity = 0;

class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) sched_yield();
    }
    owner_.store(&t_thread_identity, std::memory_order_relaxed);
  }
  void unlock() {
    owner_.store(nullptr, std::memory_order_relaxed);
    locked_.store(false, std::memory_order_release);
  }
  bool held_by_this_thread() const {
    return locked_.load(std::memory_order_relaxed) &&
           owner_.load(std::memory_order_relaxed) == &t_thread_identity;
  }
  // After fork the child has one thread; a lock some vanished thread held is simply free.
  void reset_after_fork() {
    owner_.store(nullptr, std::memory_order_relaxed);
    locked_.store(false, std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> locked_{false};
  std::atomic<const char*> owner_{nullptr};
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
