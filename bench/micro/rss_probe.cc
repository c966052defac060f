// bench/micro/rss_probe.cc — memory cost of many small live blocks, one allocator per process.
//
//   rss_probe <tessera|glibc|mimalloc> [blocks=1048576] [size=64]
//
// Allocates `blocks` blocks of `size` bytes and writes each whole block, then frees them all,
// then asks the allocator to give memory back (ts_collect(true), malloc_trim(0),
// mi_collect(true)). Prints one JSON line with the resident set's growth (from
// /proc/self/statm) over the baseline taken just before the first allocation: with every block
// live (the peak), after the frees, and after the collect. Run once per allocator so that no
// allocator's leftovers count against another's.
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "allocators.h"

namespace {

double resident_mib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f == nullptr || std::fscanf(f, "%lu %lu", &size, &resident) != 2) {
    std::perror("rss_probe: /proc/self/statm");
    std::exit(1);
  }
  std::fclose(f);
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <tessera|glibc|mimalloc> [blocks] [size]\n", argv[0]);
    return 2;
  }
  const std::size_t blocks = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::size_t{1} << 20;
  const std::size_t size = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 64;
  // The pointer array comes from the process's malloc and is touched before the baseline.
  std::vector<void*> ptrs(blocks);
  int rc = 0;
  const bool known = tessera::bench::with_allocator(argv[1], [&]<class A>() {
    if (!A::ready()) {
      std::fprintf(stderr, "rss_probe: %s is not available in this process\n", A::kName);
      rc = 1;
      return;
    }
    const double base = resident_mib();
    for (void*& p : ptrs) {
      p = A::alloc(size);
      if (p == nullptr) {
        std::fprintf(stderr, "rss_probe: %s: allocation failed\n", A::kName);
        std::exit(1);
      }
      std::memset(p, 0xa5, size);
    }
    const double live = resident_mib() - base;
    for (void* p : ptrs) A::dealloc(p);
    const double freed = resident_mib() - base;
    A::collect();
    const double collected = resident_mib() - base;
    const double payload =
        static_cast<double>(blocks) * static_cast<double>(size) / (1024.0 * 1024.0);
    std::printf(
        "{\"allocator\": \"%s\", \"blocks\": %zu, \"size\": %zu, \"payload_mib\": %.2f, "
        "\"live_mib\": %.2f, \"after_free_mib\": %.2f, \"after_collect_mib\": %.2f}\n",
        A::kName, blocks, size, payload, live, freed, collected);
  });
  if (!known) {
    std::fprintf(stderr, "rss_probe: no allocator named '%s' in this build\n", argv[1]);
    return 2;
  }
  return rc;
}
