// bench/micro/malloc_free_bench.cc — the tight loop: p = malloc(n); use p; free(p), repeated.
// The commonest pattern in real programs (temporary buffers); an allocator that cannot hand a
// just-freed block straight back pays its slow path on every pair. Sizes span the small
// classes, a medium block and large blocks (64 KiB, 1 MiB), where reuse vs refault shows.
#include <cstddef>

#include "micro.h"

namespace tessera::bench {
namespace {

template <class A>
void BM_malloc_free(benchmark::State& state) {
  if (!check_ready<A>(state)) return;
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = A::alloc(size);
    benchmark::DoNotOptimize(p);
    if (p == nullptr) [[unlikely]] {
      state.SkipWithError("allocation failed");
      break;
    }
    touch(p, size);
    A::dealloc(p);
  }
  state.SetItemsProcessed(state.iterations());
}

TESSERA_BENCHMARK(BM_malloc_free, ->Arg(16)->Arg(64)->Arg(256)->Arg(1024)->Arg(8 << 10)
                                      ->Arg(64 << 10)->Arg(1 << 20));

}  // namespace
}  // namespace tessera::bench
