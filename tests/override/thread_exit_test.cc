// thread_exit_test — threads exit while blocks they allocated are still live; other threads
// free those blocks later.
//
// Eight generations of four producer threads. Each producer allocates 1000 blocks of mixed
// sizes (small to 1 MiB; one huge block per generation), fills them, publishes them and exits
// without freeing any: its heap is abandoned with its pages in use. The next generation, while
// producing its own blocks, checks and frees the previous generation's: frees into heaps whose
// thread is gone. The main thread frees the last generation.
//
// Then it asserts what the design promises of abandoned memory: it is reused, not leaked.
// Every generation holds about the same live bytes, so the committed peak and the reserved
// address space after eight of them must stay within twice what they were after the first two
// (a leak of each exited thread's pages would grow them about fourfold).
#include <thread>
#include <vector>

#include "override_check.h"

namespace {

constexpr int kGenerations = 8;
constexpr int kProducers = 4;
constexpr int kBlocksPerProducer = 1000;

struct Block {
  void* p;
  size_t n;
};

void produce(int generation, int id, std::vector<Block>* out) {
  ovr::Rng rng((uint64_t)generation * 100 + (uint64_t)id);
  out->reserve(kBlocksPerProducer);
  for (int i = 0; i < kBlocksPerProducer; i++) {
    // One huge block per generation, from producer 0.
    const size_t n = id == 0 && i == 500 ? (size_t)20 << 20 : rng.size(1 << 20);
    void* p = malloc(n);
    OVR_CHECKF(p != nullptr, "malloc(%zu) failed", n);
    ovr::fill(p, n);
    out->push_back({p, n});
  }
}

void consume(std::vector<Block>* blocks) {
  for (const Block& b : *blocks) {
    OVR_CHECK_BLOCK(b.p, b.n);
    free(b.p);
  }
  blocks->clear();
}

}  // namespace

int main() {
  ovr::expect_tessera();
  std::vector<std::vector<Block>> previous(kProducers);
  ts_process_info_t after_two{};
  for (int g = 0; g < kGenerations; g++) {
    std::vector<std::vector<Block>> current(kProducers);
    std::vector<std::thread> threads;
    for (int id = 0; id < kProducers; id++) {
      // Producer `id` frees what producer id+1 of the previous generation left (an exited
      // thread's blocks), then leaves its own for the next generation.
      threads.emplace_back([g, id, &current, &previous] {
        consume(&previous[(size_t)(id + 1) % kProducers]);
        produce(g, id, &current[(size_t)id]);
      });
    }
    for (std::thread& t : threads) t.join();  // every producer has exited
    previous.swap(current);
    if (g == 1) after_two = ovr::process_info();
  }
  for (auto& blocks : previous) consume(&blocks);

  // A block allocated now must not overlap any page that an exited heap still thinks it owns:
  // allocate as much again and check it all.
  std::vector<Block> again;
  ovr::Rng rng(99);
  for (int i = 0; i < kProducers * kBlocksPerProducer; i++) {
    const size_t n = rng.size(1 << 20);
    void* p = malloc(n);
    OVR_CHECK(p != nullptr);
    ovr::fill(p, n);
    again.push_back({p, n});
  }
  consume(&again);

  const ts_process_info_t info = ovr::process_info();
  ovr::note("thread_exit: after 2 generations: committed peak %zu MiB, reserved %zu MiB; "
            "after %d: %zu MiB, %zu MiB",
            after_two.committed_peak >> 20, after_two.reserved >> 20, kGenerations,
            info.committed_peak >> 20, info.reserved >> 20);
  OVR_CHECKF(info.committed_peak <= 2 * after_two.committed_peak,
             "the committed peak grew from %zu MiB after 2 generations to %zu MiB after %d: "
             "memory of exited threads is not reused",
             after_two.committed_peak >> 20, info.committed_peak >> 20, kGenerations);
  OVR_CHECKF(info.reserved <= 2 * after_two.reserved,
             "reserved address space grew from %zu MiB after 2 generations to %zu MiB after %d: "
             "segments of exited threads are not reused",
             after_two.reserved >> 20, info.reserved >> 20, kGenerations);
  return 0;
}
