// fragmentation — churn at a fixed live size while the size distribution changes: each phase
// frees random blocks and allocates blocks from its own size range until it has allocated
// twice the live size, so the previous phase's blocks are mostly replaced. It prints the peak
// live bytes; run.py divides the peak RSS by it (how much memory the allocator held per live byte).
#include "live_set.h"

namespace {
constexpr const char* kName = "fragmentation";

struct Range {
  std::size_t lo, hi;
};
// Small, then medium, then a mix of tiny and large, then small again: each change leaves
// the previous phase's pages partly used.
constexpr Range kPhases[] = {{16, 128}, {512, 4096}, {16, 32 * 1024}, {64, 512}};
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  if (o.threads != 1) bench::fail(kName, "is single-threaded: --threads must be 1");
  const std::size_t live_target = o.quick ? 2u << 20 : 64u << 20;
  const std::size_t phases = bench::scaled(o, 8, 4);
  bench::Rng rng(9);
  bench::LiveSet live(kName, 0);
  std::size_t peak = 0;
  for (std::size_t p = 0; p < phases; p++) {
    const Range r = kPhases[p % 4];
    const std::size_t end = live.allocated() + 2 * live_target;
    while (live.allocated() < end) {
      while (live.bytes() >= live_target) live.remove_random(rng);
      live.add(rng.between(r.lo, r.hi));
      if (live.bytes() > peak) peak = live.bytes();
    }
  }
  bench::report(kName, o, {{"phases", phases}, {"live_peak_bytes", peak}});
}
