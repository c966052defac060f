// Blocks of a tessera::Heap freed from other threads: handed out by the owner, checked and freed
// by workers, while the owner keeps allocating. Every block's contents are checked.
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "cpp/heap_census.h"
#include "support/stress.h"

namespace {

using tessera_test::Block;
using tessera_test::live_blocks;

constexpr size_t kWorkers = 2;

Block heap_block(tessera::Heap& heap, size_t size) {
  Block b{heap.allocate(size), size, 0};
  b.seed = tessera_test::pattern_seed(b.p, size);
  tessera_test::fill_pattern(b.p, size, b.seed);
  return b;
}

// Frees `blocks` from kWorkers threads at once, each checking its share before freeing it.
void free_from_workers(const std::vector<Block>& blocks) {
  std::vector<std::thread> workers;
  for (size_t w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&blocks, w] {
      for (size_t i = w; i < blocks.size(); i += kWorkers) tessera_test::free_block(blocks[i]);
    });
  }
  for (auto& t : workers) t.join();
}

TEST(HeapThreads, BlocksFreedFromOtherThreads) {
  tessera::Heap heap;
  std::mt19937_64 rng(42);
  const size_t rounds = 8;
  const size_t per_round = tessera_test::scaled(20000, 2000);
  std::vector<Block> kept;  // a few blocks stay with the owner all along
  for (size_t round = 0; round < rounds; ++round) {
    std::vector<Block> batch;
    for (size_t i = 0; i < per_round; ++i) {
      batch.push_back(heap_block(heap, tessera_test::random_block_size(rng)));
    }
    kept.push_back(heap_block(heap, 100));
    free_from_workers(batch);
  }
  for (const Block& b : kept) tessera_test::check_block(b);
  EXPECT_EQ(tessera_test::corruption_count().load(), 0u);
  heap.collect();  // takes in the frees the workers left on its pages
  EXPECT_EQ(live_blocks(heap), kept.size());
  for (const Block& b : kept) tessera_test::free_block(b);
  EXPECT_EQ(live_blocks(heap), 0u);
}

TEST(HeapThreads, ContainerDestroyedInAnotherThread) {
  tessera::Heap heap;
  using Vector = std::vector<uint64_t, tessera::heap_allocator<uint64_t>>;
  std::vector<Vector> vectors;
  for (size_t v = 0; v < 100; ++v) {
    vectors.emplace_back(heap.allocator<uint64_t>());
    for (size_t i = 0; i < 1000; ++i) vectors.back().push_back(tessera_test::mix64(v * 1000 + i));
  }
  std::thread([moved = std::move(vectors)]() mutable {
    for (size_t v = 0; v < moved.size(); ++v) {
      for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(moved[v][i], tessera_test::mix64(v * 1000 + i));
    }
    moved.clear();  // deallocates into the owner's heap from here
  }).join();
  heap.collect();
  EXPECT_EQ(live_blocks(heap), 0u);
}

}  // namespace
