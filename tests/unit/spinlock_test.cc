// The global lock's owner check, which the fork handlers rely on: a signal handler that
// interrupts the owning thread anywhere in lock() or unlock() must see the lock either free
// or held by its own thread, never held by nobody it can name.
#include "base/spinlock.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

namespace tessera {
namespace {

TEST(SpinLock, KnowsWhichThreadHoldsIt) {
  SpinLock lock;
  EXPECT_FALSE(lock.held_by_this_thread());
  lock.lock();
  EXPECT_TRUE(lock.held_by_this_thread());
  bool elsewhere_held = true, elsewhere_took = true;
  std::thread other([&] {
    elsewhere_held = lock.held_by_this_thread();
    elsewhere_took = lock.try_lock();
  });
  other.join();
  EXPECT_FALSE(elsewhere_held);
  EXPECT_FALSE(elsewhere_took);
  lock.unlock();
  EXPECT_FALSE(lock.held_by_this_thread());
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

SpinLock g_lock;
std::atomic<int> g_handled{0};
std::atomic<int> g_nameless{0};  // handler found the lock held, but not by its own thread

// Does what the fork handler does: take the lock unless this thread already holds it.
void on_signal(int) {
  if (!g_lock.held_by_this_thread()) {
    if (g_lock.try_lock()) {
      g_lock.unlock();
    } else {
      g_nameless.fetch_add(1, std::memory_order_relaxed);
    }
  }
  g_handled.fetch_add(1, std::memory_order_release);
}

TEST(SpinLock, ASignalInsideLockOrUnlockSeesItFreeOrItsOwn) {
  struct sigaction sa {}, old {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &old), 0);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> rounds{0};
  std::thread owner([&] {
    // Only this thread takes the lock, so "held but not by me" can only mean a torn state.
    while (!stop.load(std::memory_order_relaxed)) {
      g_lock.lock();
      g_lock.unlock();
      rounds.fetch_add(1, std::memory_order_relaxed);
    }
  });
  constexpr int kSignals = 20000;
  for (int i = 0; i < kSignals; i++) {
    ASSERT_EQ(pthread_kill(owner.native_handle(), SIGUSR2), 0);
    while (g_handled.load(std::memory_order_acquire) <= i) std::this_thread::yield();
  }
  stop.store(true);
  owner.join();
  sigaction(SIGUSR2, &old, nullptr);
  EXPECT_GT(rounds.load(), 0u);  // the signals did land among lock/unlock rounds
  EXPECT_EQ(g_nameless.load(), 0) << "of " << kSignals << " signals";
}

}  // namespace
}  // namespace tessera
