// shbench — after MicroQuill's SmartHeap benchmark: each thread allocates batches of mostly
// small blocks of many sizes, with an occasional large one, and frees fewer than it
// allocates, so its live set keeps growing until the end.
#include "live_set.h"

namespace {
constexpr const char* kName = "shbench";

std::size_t shbench_size(bench::Rng& rng) {
  std::size_t pick = rng.below(100);
  if (pick < 95) return rng.between(16, 256);
  if (pick < 99) return rng.between(257, 4096);
  return rng.between(4097, 64 * 1024);
}
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t rounds = bench::scaled(o, 4000, 50);
  std::vector<unsigned long long> peak(o.threads);
  bench::run_threads(o.threads, [&](int t) {
    bench::Rng rng(5 + t);
    bench::LiveSet live(kName, static_cast<std::uint64_t>(t) << 48);
    for (std::size_t r = 0; r < rounds; r++) {
      for (int k = 0; k < 100; k++) live.add(shbench_size(rng));
      for (int k = 0; k < 75; k++) live.remove_random(rng);
    }
    peak[t] = live.bytes();
  });
  unsigned long long total = 0;
  for (auto p : peak) total += p;
  bench::report(kName, o, {{"blocks", rounds * 100 * o.threads}, {"live_bytes_at_end", total}});
}
