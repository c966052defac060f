// bench/micro/bulk_bench.cc — 1M (2^20) blocks of 64 bytes allocated, then all freed: in
// allocation order, and in a random order (fixed seed) that scatters frees across pages the
// way a long-running program's do. One iteration is the whole million; items are blocks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "micro.h"

namespace tessera::bench {
namespace {

constexpr std::size_t kBulkBlocks = std::size_t{1} << 20;
constexpr std::size_t kBulkSize = 64;

template <class A>
void bulk(benchmark::State& state, bool shuffled) {
  if (!check_ready<A>(state)) return;
  // Set up with the process's malloc, outside the timing.
  std::vector<void*> blocks(kBulkBlocks);
  std::vector<std::uint32_t> order(kBulkBlocks);
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  if (shuffled) {
    std::mt19937_64 rng(0x7e55e7a);
    std::shuffle(order.begin(), order.end(), rng);
  }
  for (auto _ : state) {
    for (void*& p : blocks) {
      p = A::alloc(kBulkSize);
      if (p == nullptr) [[unlikely]] {
        state.SkipWithError("allocation failed");
        return;
      }
      touch(p, kBulkSize);
    }
    benchmark::ClobberMemory();
    for (std::uint32_t i : order) A::dealloc(blocks[i]);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBulkBlocks));
}

template <class A>
void BM_bulk_forward(benchmark::State& state) {
  bulk<A>(state, false);
}

template <class A>
void BM_bulk_random(benchmark::State& state) {
  bulk<A>(state, true);
}

TESSERA_BENCHMARK(BM_bulk_forward, ->Unit(benchmark::kMillisecond));
TESSERA_BENCHMARK(BM_bulk_random, ->Unit(benchmark::kMillisecond));

}  // namespace
}  // namespace tessera::bench
