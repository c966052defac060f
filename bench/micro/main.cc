// bench/micro/main.cc — Google Benchmark's main, plus the context a reader of the results needs.
#include <string>

#include "micro.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("tessera_version", std::to_string(ts_version()));
  benchmark::AddCustomContext("tessera_build", TESSERA_BENCH_CONFIG);
  benchmark::AddCustomContext("glibc_malloc_is_glibc",
                              tessera::bench::Glibc::ready() ? "yes" : "NO (interposed)");
#ifdef TESSERA_BENCH_MIMALLOC_LIB
  benchmark::AddCustomContext("mimalloc", TESSERA_BENCH_MIMALLOC_LIB);
#else
  benchmark::AddCustomContext("mimalloc", "not found at configure time: cases skipped");
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
