// malloc-large — after mimalloc-bench's malloc-large: random 5–25 MiB blocks, a few live at a
// time, replaced over and over; each is written on every page (its stamp), so an allocator
// that unmaps and refaults freed blocks pays for it.
#include "live_set.h"

namespace {
constexpr const char* kName = "malloc-large";
constexpr std::size_t kMiB = 1024 * 1024;
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  if (o.threads != 1) bench::fail(kName, "is single-threaded: --threads must be 1");
  const std::size_t replacements = bench::scaled(o, 300, 6);
  bench::Rng rng(3);
  bench::LiveSet live(kName, 0);
  for (int i = 0; i < 4; i++) live.add(rng.between(5 * kMiB, 25 * kMiB));
  for (std::size_t i = 0; i < replacements; i++) {
    live.remove_random(rng);
    live.add(rng.between(5 * kMiB, 25 * kMiB));
  }
  bench::report(kName, o, {{"blocks", replacements + 4}, {"bytes_allocated", live.allocated()}});
}
