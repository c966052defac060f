// glibc-simple — after glibc's bench-malloc-simple: one thread allocates a batch of blocks of
// one size and frees them all, over and over, for a few sizes.
#include <vector>

#include "workload.h"

namespace {
constexpr const char* kName = "glibc-simple";
constexpr std::size_t kSizes[] = {16, 64, 256, 1024, 4096};
constexpr std::size_t kBatch = 100;
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  if (o.threads != 1) bench::fail(kName, "is single-threaded: --threads must be 1");
  const std::size_t rounds = bench::scaled(o, 40000, 200);  // per size
  std::vector<void*> batch(kBatch);
  unsigned long long pairs = 0;
  for (std::size_t size : kSizes)
    for (std::size_t r = 0; r < rounds; r++) {
      for (std::size_t i = 0; i < kBatch; i++) batch[i] = bench::stamped_malloc(kName, size, i);
      for (std::size_t i = 0; i < kBatch; i++) bench::checked_free(kName, batch[i], size, i);
      pairs += kBatch;
    }
  bench::report(kName, o, {{"pairs", pairs}});
}
