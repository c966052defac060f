// glibc-thread — after glibc's bench-malloc-thread: each thread keeps a working set of blocks
// and in a tight loop frees a random one and allocates a block of a random size in its place
// (mostly small sizes, some up to 32 KiB).
#include "live_set.h"

namespace {
constexpr const char* kName = "glibc-thread";

std::size_t glibc_thread_size(bench::Rng& rng) {
  std::size_t pick = rng.below(100);
  if (pick < 80) return rng.between(16, 128);
  if (pick < 95) return rng.between(129, 1024);
  return rng.between(1025, 32 * 1024);
}
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t pairs = bench::scaled(o, 6000000, 20000);  // per thread
  std::vector<unsigned long long> allocated(o.threads);
  bench::run_threads(o.threads, [&](int t) {
    bench::Rng rng(11 + t);
    bench::LiveSet live(kName, static_cast<std::uint64_t>(t) << 48);
    for (int i = 0; i < 1000; i++) live.add(glibc_thread_size(rng));
    for (std::size_t i = 0; i < pairs; i++) {
      live.remove_random(rng);
      live.add(glibc_thread_size(rng));
    }
    allocated[t] = live.allocated();
  });
  unsigned long long total = 0;
  for (auto a : allocated) total += a;
  bench::report(kName, o, {{"pairs", pairs * o.threads}, {"bytes_allocated", total}});
}
