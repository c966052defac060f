// bench/micro/micro.h — what the Google Benchmark cases share: the allocators and one macro
// that registers a benchmark template once per allocator, with the same arguments.
//
//   template <class A> void BM_case(benchmark::State&);   // A: Tessera, Glibc or Mimalloc
//   TESSERA_BENCHMARK(BM_case, ->Arg(64)->Unit(benchmark::kMillisecond));
//
// The report (report.py) pairs results up by the name without the <Allocator> part.
#ifndef TESSERA_BENCH_MICRO_MICRO_H
#define TESSERA_BENCH_MICRO_MICRO_H

#include <benchmark/benchmark.h>

#include "allocators.h"

#ifdef TESSERA_BENCH_MIMALLOC_LIB
#define TESSERA_BENCHMARK_MIMALLOC(fn, ...) BENCHMARK_TEMPLATE(fn, Mimalloc) __VA_ARGS__
#else
#define TESSERA_BENCHMARK_MIMALLOC(fn, ...) static_assert(true)
#endif

// Unqualified names on purpose: they are what appears in the benchmark's name.
#define TESSERA_BENCHMARK(fn, ...)                     \
  BENCHMARK_TEMPLATE(fn, Tessera) __VA_ARGS__;         \
  BENCHMARK_TEMPLATE(fn, Glibc) __VA_ARGS__;           \
  TESSERA_BENCHMARK_MIMALLOC(fn, __VA_ARGS__)

namespace tessera::bench {

// Ends a case that cannot run (mimalloc not loaded, glibc malloc interposed); true if it can.
template <class A>
bool check_ready(benchmark::State& state) {
  if (A::ready()) return true;
  state.SkipWithError("allocator not available in this process");
  return false;
}

}  // namespace tessera::bench

#endif  // TESSERA_BENCH_MICRO_MICRO_H
