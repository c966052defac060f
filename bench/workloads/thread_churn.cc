// thread-churn — thousands of short-lived threads, --threads of them at a time: each
// allocates blocks, frees half of them itself and leaves the other half to the main thread,
// which frees them after the thread has exited (memory of a dead thread's heap).
#include "live_set.h"

namespace {
constexpr const char* kName = "thread-churn";
constexpr int kBlocksPerThread = 200;

struct Handed {
  void* p;
  std::size_t size;
  std::uint64_t tag;
};
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t total_threads = bench::scaled(o, 2000, 40);
  const std::size_t waves = (total_threads + o.threads - 1) / o.threads;
  unsigned long long handed_bytes = 0;
  std::vector<std::vector<Handed>> handed(o.threads);
  for (std::size_t w = 0; w < waves; w++) {
    bench::run_threads(o.threads, [&](int t) {
      bench::Rng rng(w * 64 + t);
      std::uint64_t tag = (w * 64 + t) << 20;
      std::vector<Handed> mine;
      for (int i = 0; i < kBlocksPerThread; i++) {
        std::size_t size = rng.between(16, 2048);
        mine.push_back({bench::stamped_malloc(kName, size, ++tag), size, tag});
      }
      for (int i = 0; i < kBlocksPerThread; i += 2)
        bench::checked_free(kName, mine[i].p, mine[i].size, mine[i].tag);
      for (int i = 1; i < kBlocksPerThread; i += 2) handed[t].push_back(mine[i]);
    });
    for (auto& list : handed) {
      for (const Handed& h : list) {
        handed_bytes += h.size;
        bench::checked_free(kName, h.p, h.size, h.tag);
      }
      list.clear();
    }
  }
  bench::report(kName, o, {{"threads_started", waves * o.threads}, {"bytes_handed_over", handed_bytes}});
}
