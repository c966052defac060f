// fork_signal_test — fork() from a signal handler that interrupted malloc or free.
//
// Two threads allocate and free without pause: one in a tight loop of small and medium
// blocks (mostly the fast paths), one with large and huge blocks and cross-thread frees (the
// slow paths and the global locks behind them). The main thread sends SIGUSR1 200 times,
// alternating between the two; the handler forks. The child mallocs, fills, checks and frees
// a few blocks and _exit(0)s from the handler; the parent's handler publishes the child's pid
// and returns into the interrupted malloc or free.
//
// A hang is a failure, not a timeout to wait out: when the handler's fork does not return
// within 10 s the parent has deadlocked (a lock held by the interrupted thread), and when a
// child does not exit within 10 s the child has; either ends the test with a message naming
// the iteration. The test also counts how many signals landed while the thread was inside a
// malloc/free call, and fails if none did (then it would not test what it says).
#include <pthread.h>

#include <atomic>
#include <type_traits>
#include <thread>

#include "override_check.h"

namespace {

constexpr int kSignals = 200;
constexpr uint64_t kTimeoutMs = 10000;

std::atomic<bool> g_stop{false};
std::atomic<pid_t> g_child{0};         // set by the handler in the parent
std::atomic<int> g_fork_errno{0};
std::atomic<uint64_t> g_progress[2];
std::atomic<int> g_inside_hits{0};     // signals that arrived inside a malloc/free call
thread_local volatile sig_atomic_t t_inside = 0;
std::atomic<void*> g_handoff{nullptr};  // a block the large thread frees for the small one

// Runs in the forked child, still inside the signal handler.
[[noreturn]] void child_in_handler() {
  void* blocks[32];
  size_t sizes[32];
  for (int i = 0; i < 32; i++) {
    sizes[i] = i % 8 == 7 ? (size_t)300 << 10 : (size_t)(16 + 40 * i);
    blocks[i] = malloc(sizes[i]);
    if (blocks[i] == nullptr) _exit(2);
    ovr::fill(blocks[i], sizes[i]);
  }
  for (int i = 0; i < 32; i++) {
    if (ovr::mismatch(blocks[i], sizes[i]) != sizes[i]) _exit(3);
    free(blocks[i]);
  }
  void* p = calloc(100, 10);
  if (p == nullptr) _exit(4);
  for (int i = 0; i < 1000; i++) {
    if (static_cast<unsigned char*>(p)[i] != 0) _exit(5);
  }
  free(p);
  _exit(0);
}

void on_signal(int) {
  const int saved = errno;
  if (t_inside) g_inside_hits.fetch_add(1, std::memory_order_relaxed);
  const pid_t pid = fork();
  if (pid == 0) child_in_handler();
  if (pid < 0) g_fork_errno.store(errno);
  g_child.store(pid < 0 ? -1 : pid, std::memory_order_release);
  errno = saved;
}

inline unsigned char tag(size_t n) { return static_cast<unsigned char>(n * 7 + 1); }

// Runs f with t_inside set, so the handler can tell a signal landed inside the allocator.
template <class F>
decltype(auto) inside(F f) {
  t_inside = 1;
  if constexpr (std::is_void_v<decltype(f())>) {
    f();
    t_inside = 0;
  } else {
    decltype(auto) result = f();
    t_inside = 0;
    return result;
  }
}

// Small and medium blocks, allocated and freed in a tight loop; a short window keeps some
// alive so that frees are not always of the block just allocated.
void small_loop() {
  ovr::Rng rng(11);
  void* window[16] = {};
  size_t sizes[16] = {};
  while (!g_stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 256; i++) {
      const size_t slot = rng.below(16);
      const size_t n = 1 + rng.below(i % 16 == 0 ? 32768 : 256);
      if (window[slot] != nullptr) {
        const auto* b = static_cast<const unsigned char*>(window[slot]);
        const size_t m = sizes[slot];
        OVR_CHECKF(b[0] == tag(m) && b[m - 1] == tag(m),
                   "small block %p of %zu bytes lost its contents", window[slot], m);
      }
      void* p = inside([&] {
        free(window[slot]);
        return malloc(n);
      });
      OVR_CHECKF(p != nullptr, "malloc(%zu) failed", n);
      static_cast<unsigned char*>(p)[0] = tag(n);
      static_cast<unsigned char*>(p)[n - 1] = tag(n);
      window[slot] = p;
      sizes[slot] = n;
    }
    void* in = g_handoff.exchange(nullptr);
    inside([&] { free(in); });  // allocated by the other thread
    g_progress[0].fetch_add(1, std::memory_order_release);
  }
  for (void* p : window) free(p);
}

// Large blocks (their own spans) with realloc, a huge one (the huge cache, the OS) every
// fourth round, and blocks handed to the other thread.
void large_loop() {
  ovr::Rng rng(12);
  for (uint64_t round = 0; !g_stop.load(std::memory_order_relaxed); round++) {
    for (int i = 0; i < 4; i++) {
      const size_t n = (size_t)(128 << 10) + rng.below(1 << 20);
      auto* p = static_cast<unsigned char*>(inside([&] { return malloc(n); }));
      OVR_CHECKF(p != nullptr, "malloc(%zu) failed", n);
      p[0] = 1;
      p[n - 1] = 2;
      auto* q = static_cast<unsigned char*>(inside([&] { return realloc(p, n / 2 + 1); }));
      OVR_CHECKF(q != nullptr && q[0] == 1, "realloc(%p, %zu) failed or lost contents",
                 (void*)p, n / 2 + 1);
      inside([&] { free(q); });
    }
    if (round % 4 == 0) {
      const size_t n = ((size_t)17 << 20) + rng.below(8 << 20);
      auto* h = static_cast<unsigned char*>(inside([&] { return malloc(n); }));
      OVR_CHECKF(h != nullptr, "malloc(%zu) failed", n);
      h[0] = 3;
      h[n - 1] = 4;
      OVR_CHECK(h[0] == 3 && h[n - 1] == 4);
      inside([&] { free(h); });
    }
    const size_t out_size = 1 + rng.below(2048);
    void* out = inside([&] { return malloc(out_size); });
    void* old = g_handoff.exchange(out);
    inside([&] { free(old); });
    g_progress[1].fetch_add(1, std::memory_order_release);
  }
}

}  // namespace

int main() {
  ovr::expect_tessera();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  OVR_CHECK(sigaction(SIGUSR1, &sa, nullptr) == 0);

  std::thread small(small_loop);
  std::thread large(large_loop);
  pthread_t targets[2] = {small.native_handle(), large.native_handle()};

  uint64_t seen[2] = {0, 0};
  for (int i = 0; i < kSignals; i++) {
    const int t = i % 2;
    // Signal only a thread that is running its loop (made progress since the last signal).
    const uint64_t start = ovr::now_ms();
    while (g_progress[t].load(std::memory_order_acquire) == seen[t]) {
      OVR_CHECKF(ovr::now_ms() - start < kTimeoutMs,
                 "the %s thread made no progress for %llu ms after signal %d: it hung after "
                 "its handler's fork returned",
                 t == 0 ? "small" : "large", (unsigned long long)kTimeoutMs, i - 1);
      std::this_thread::yield();
    }
    seen[t] = g_progress[t].load(std::memory_order_acquire);

    g_child.store(0, std::memory_order_relaxed);
    OVR_CHECK(pthread_kill(targets[t], SIGUSR1) == 0);
    const uint64_t sent = ovr::now_ms();
    pid_t pid;
    while ((pid = g_child.load(std::memory_order_acquire)) == 0) {
      OVR_CHECKF(ovr::now_ms() - sent < kTimeoutMs,
                 "signal %d: fork() in the handler on the %s thread did not return within "
                 "%llu ms: the parent deadlocked",
                 i, t == 0 ? "small" : "large", (unsigned long long)kTimeoutMs);
      std::this_thread::yield();
    }
    OVR_CHECKF(pid > 0, "signal %d: fork() failed: %s", i, strerror(g_fork_errno.load()));
    ovr::expect_child_ok(pid, kTimeoutMs, "fork in a signal handler", i);
  }

  g_stop.store(true);
  small.join();
  large.join();
  free(g_handoff.exchange(nullptr));
  const int inside = g_inside_hits.load();
  ovr::note("fork_signal: %d children ok; %d signals arrived inside malloc/realloc/free", kSignals,
            inside);
  OVR_CHECKF(inside > 0,
             "no signal arrived inside a malloc or free call: the test did not exercise fork "
             "from a handler that interrupted the allocator");
  return 0;
}
