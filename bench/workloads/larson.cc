// larson — a server simulation after Larson and Krishnan's benchmark: every thread replaces
// randomly chosen blocks of random sizes in its part of a shared array; after each round the
// parts rotate between threads, so most blocks are freed by a thread other than the one that
// allocated them (with --threads 1 the one thread keeps its part).
#include <vector>

#include "workload.h"

namespace {
constexpr const char* kName = "larson";

struct Slot {
  void* block = nullptr;
  std::size_t size = 0;
  std::uint64_t tag = 0;
};
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t slots_per_thread = o.quick ? 256 : 4096;
  const std::size_t rounds = bench::scaled(o, 100, 4);
  const std::size_t replacements = o.quick ? 1000 : 60000;  // per thread per round
  const int threads = o.threads;

  std::vector<std::vector<Slot>> parts(threads, std::vector<Slot>(slots_per_thread));
  bench::Barrier barrier(threads);
  std::vector<unsigned long long> checksums(threads, 0);

  auto worker = [&](int id) {
    bench::Rng rng(1000 + id);
    std::uint64_t next_tag = static_cast<std::uint64_t>(id) << 48;
    unsigned long long sum = 0;
    for (std::size_t round = 0; round < rounds; round++) {
      // This round's part: rotating makes blocks change hands between threads.
      std::vector<Slot>& part = parts[(id + round) % threads];
      for (std::size_t i = 0; i < replacements; i++) {
        Slot& s = part[rng.below(part.size())];
        if (s.block != nullptr) {
          sum += s.size;
          bench::checked_free(kName, s.block, s.size, s.tag);
        }
        s.size = rng.between(16, 1024);
        s.tag = ++next_tag;
        s.block = bench::stamped_malloc(kName, s.size, s.tag);
      }
      barrier.wait();
    }
    checksums[id] = sum;
  };
  bench::run_threads(threads, worker);

  unsigned long long freed = 0, live = 0;
  for (auto& part : parts)
    for (Slot& s : part)
      if (s.block != nullptr) {
        live++;
        bench::checked_free(kName, s.block, s.size, s.tag);
      }
  for (auto c : checksums) freed += c;
  bench::report(kName, o, {{"ops", rounds * replacements * threads},
                           {"bytes_freed", freed}, {"live_at_end", live}});
}
