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

// The lock word is the owner's identity itself, so "held" and "held by whom" change in one
// store: a signal handler that interrupted lock() or unlock() never sees the lock held by
// nobody it can name (with a separate owner field, fork from such a handler spun forever).
class SpinLock {
 public:
  void lock() {
    while (!try_lock()) {
      while (owner_.load(std::memory_order_relaxed) != nullptr) sched_yield();
    }
  }
  bool try_lock() {
    const char* free_word = nullptr;
    return owner_.compare_exchange_strong(free_word, &t_thread_identity,
                                          std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() { owner_.store(nullptr, std::memory_order_release); }
  bool held_by_this_thread() const {
    return owner_.load(std::memory_order_relaxed) == &t_thread_identity;
  }
  // After fork the child has one thread; a lock some vanished thread held is simply free.
  void reset_after_fork() { owner_.store(nullptr, std::memory_order_relaxed); }

 private:
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
