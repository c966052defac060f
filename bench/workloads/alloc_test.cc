// alloc-test — after the alloc-test benchmark: each thread alternates phases that grow its
// live set to a high-water mark and phases that free most of it again.
#include "live_set.h"

namespace {
constexpr const char* kName = "alloc-test";
}

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t phases = bench::scaled(o, 48, 4);
  const std::size_t high = o.quick ? 2000 : 60000;  // blocks per thread at the top of a phase
  std::vector<unsigned long long> allocated(o.threads);
  bench::run_threads(o.threads, [&](int t) {
    bench::Rng rng(31 + t);
    bench::LiveSet live(kName, static_cast<std::uint64_t>(t) << 48);
    for (std::size_t p = 0; p < phases; p++) {
      while (live.count() < high)
        live.add(rng.below(50) == 0 ? rng.between(1025, 16384) : rng.between(8, 1024));
      while (live.count() > high / 10) live.remove_random(rng);
    }
    allocated[t] = live.allocated();
  });
  unsigned long long total = 0;
  for (auto a : allocated) total += a;
  bench::report(kName, o, {{"phases", phases}, {"bytes_allocated", total}});
}
