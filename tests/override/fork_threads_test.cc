// fork_threads_test — fork from a multi-threaded parent while other threads allocate and free.
//
// Two workers allocate, fill, check and free blocks of mixed sizes without pause, and hand
// blocks to each other so that cross-thread frees are in flight too. The main thread forks 50
// times while they run (each time only after every worker has made progress since the last
// fork: the workers are in their loops, not parked). Each child, whose only thread is a copy
// of the main thread, must be able to:
//   - allocate, fill, check and free blocks of every size range (every fifth child a huge
//     one: the huge path and its cache after fork);
//   - free blocks the parent's main thread allocated before the fork (their contents intact);
//   - free blocks that worker threads allocated, although those threads do not exist in it;
//   - start a thread that allocates and frees;
// and then exit with status 0 (through exit() every other time, so the child's exit path
// runs too). The parent checks each child's status within a bounded time, keeps allocating,
// then stops and joins its workers and checks every block they still hold.
#include <atomic>
#include <thread>
#include <vector>

#include "override_check.h"

namespace {

constexpr int kWorkers = 2;
constexpr int kForks = 50;
constexpr size_t kWindow = 64;          // live blocks per worker
constexpr uint64_t kChildTimeoutMs = 10000;

struct Block {
  void* p = nullptr;
  size_t n = 0;
};

std::atomic<bool> g_stop{false};
std::atomic<uint64_t> g_progress[kWorkers];
// A worker parks a block here for the next worker to free (a cross-thread free).
std::atomic<Block*> g_mailbox[kWorkers];

Block* new_block(ovr::Rng& rng, size_t large_max) {
  auto* b = new Block;
  b->n = rng.size(large_max);
  b->p = malloc(b->n);
  OVR_CHECKF(b->p != nullptr, "malloc(%zu) failed", b->n);
  ovr::fill(b->p, b->n);
  return b;
}

void free_block(Block* b) {
  OVR_CHECK_BLOCK(b->p, b->n);
  free(b->p);
  delete b;
}

void worker(int id) {
  ovr::Rng rng(1000 + (uint64_t)id);
  std::vector<Block*> window(kWindow, nullptr);
  while (!g_stop.load(std::memory_order_relaxed)) {
    for (int round = 0; round < 64; round++) {
      const size_t slot = rng.below(kWindow);
      if (window[slot] != nullptr) free_block(window[slot]);
      window[slot] = new_block(rng, 512 << 10);
    }
    // Pass one block on, and free whatever the previous worker passed to us.
    const size_t slot = rng.below(kWindow);
    Block* out = window[slot];
    window[slot] = nullptr;
    Block* old = g_mailbox[(id + 1) % kWorkers].exchange(out);
    if (old != nullptr) free_block(old);
    Block* in = g_mailbox[id].exchange(nullptr);
    if (in != nullptr) free_block(in);
    g_progress[id].fetch_add(1, std::memory_order_release);
  }
  for (Block* b : window) {
    if (b != nullptr) free_block(b);
  }
}

// Waits until every worker has finished at least one more round since `seen`.
void wait_for_progress(uint64_t seen[kWorkers]) {
  for (int i = 0; i < kWorkers; i++) {
    const uint64_t start = ovr::now_ms();
    while (g_progress[i].load(std::memory_order_acquire) == seen[i]) {
      OVR_CHECKF(ovr::now_ms() - start < 10000, "worker %d made no progress for 10 s", i);
      std::this_thread::yield();
    }
    seen[i] = g_progress[i].load(std::memory_order_acquire);
  }
}

void child_allocates(ovr::Rng& rng, bool huge) {
  std::vector<Block> blocks;
  blocks.reserve(100);
  for (int i = 0; i < 100; i++) {
    const size_t n = huge && i == 50 ? (size_t)20 << 20 : rng.size(512 << 10);
    void* p = malloc(n);
    OVR_CHECKF(p != nullptr, "child: malloc(%zu) failed", n);
    ovr::fill(p, n);
    blocks.push_back({p, n});
  }
  for (size_t i = 0; i < blocks.size(); i += 2) {  // half freed, half realloc'ed then freed
    OVR_CHECK_BLOCK(blocks[i].p, blocks[i].n);
    free(blocks[i].p);
  }
  for (size_t i = 1; i < blocks.size(); i += 2) {
    OVR_CHECK_BLOCK(blocks[i].p, blocks[i].n);
    const size_t n = blocks[i].n + blocks[i].n / 2 + 8;
    char* q = static_cast<char*>(realloc(blocks[i].p, n));
    OVR_CHECKF(q != nullptr, "child: realloc to %zu failed", n);
    ovr::fill(q, n);
    OVR_CHECK_BLOCK(q, n);
    free(q);
  }
}

[[noreturn]] void child_main(int iteration, std::vector<Block>& inherited,
                             Block* from_worker) {
  ovr::Rng rng(77 + (uint64_t)iteration);
  child_allocates(rng, iteration % 5 == 0);  // a huge block every fifth child
  for (Block& b : inherited) {
    OVR_CHECK_BLOCK(b.p, b.n);
    free(b.p);
  }
  if (from_worker != nullptr) free_block(from_worker);  // allocated by a thread not in the child
  std::thread t([&rng] { child_allocates(rng, false); });
  t.join();
  ovr::expect_tessera();
  if (iteration % 2 == 0) exit(0);
  _exit(0);
}

}  // namespace

int main() {
  ovr::expect_tessera();
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; i++) workers.emplace_back(worker, i);

  uint64_t seen[kWorkers] = {};
  ovr::Rng rng(5);
  for (int i = 0; i < kForks; i++) {
    // Blocks the child inherits from this thread; the parent frees its copies after the fork.
    std::vector<Block> inherited;
    for (int j = 0; j < 20; j++) {
      const size_t n = rng.size(1 << 20);
      void* p = malloc(n);
      OVR_CHECK(p != nullptr);
      ovr::fill(p, n);
      inherited.push_back({p, n});
    }
    Block* from_worker = g_mailbox[0].exchange(nullptr);  // the last worker allocated it
    wait_for_progress(seen);

    const pid_t pid = fork();
    OVR_CHECKF(pid >= 0, "fork failed: %s", strerror(errno));
    if (pid == 0) child_main(i, inherited, from_worker);

    for (Block& b : inherited) {
      OVR_CHECK_BLOCK(b.p, b.n);
      free(b.p);
    }
    if (from_worker != nullptr) free_block(from_worker);
    ovr::expect_child_ok(pid, kChildTimeoutMs, "fork from a multi-threaded parent", i);
  }

  g_stop.store(true);
  for (std::thread& t : workers) t.join();
  for (auto& slot : g_mailbox) {
    Block* b = slot.exchange(nullptr);
    if (b != nullptr) free_block(b);
  }
  uint64_t rounds = 0;
  for (auto& p : g_progress) rounds += p.load();
  ovr::note("fork_threads: %d children ok; workers ran %llu rounds", kForks,
            (unsigned long long)rounds);
  return 0;
}
