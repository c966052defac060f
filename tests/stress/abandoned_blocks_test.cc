// Threads that exit with live blocks: the blocks stay intact while other threads allocate (maybe
// on the abandoned pages) and free them, and the abandoned memory is reused, round after round.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "support/stress.h"

namespace {

using namespace tessera_test;

constexpr int kOwners = 4;

std::vector<Block> allocate_blocks(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Block> blocks;
  for (size_t i = 0; i < count; ++i) blocks.push_back(alloc_block(random_block_size(rng)));
  return blocks;
}

TEST(StressAbandonedBlocks, FreedByOtherThreadsAfterOwnersExit) {
  constexpr size_t kRounds = 12, kWarmupRounds = 2;
  const size_t blocks_per_thread = scaled(3000, 1000);
  size_t committed_after_warmup = 0;
  size_t round_bytes = 0;  // the most any round allocated
  for (size_t round = 0; round < kRounds; ++round) {
    // 1. Owners allocate and exit, leaving every block live.
    std::vector<std::vector<Block>> abandoned(kOwners);
    std::vector<std::thread> owners;
    for (int i = 0; i < kOwners; ++i) {
      owners.emplace_back(
          [&, i] { abandoned[i] = allocate_blocks(blocks_per_thread, round * 100 + i); });
    }
    for (std::thread& t : owners) t.join();

    // 2. New threads allocate blocks of their own, free half of one owner's blocks (remote frees
    //    into an abandoned heap), then check and free their own.
    std::vector<std::thread> reclaimers;
    std::vector<size_t> reclaimer_bytes(kOwners, 0);
    for (int i = 0; i < kOwners; ++i) {
      reclaimers.emplace_back([&, i] {
        const std::vector<Block> own = allocate_blocks(blocks_per_thread, round * 100 + 50 + i);
        for (const Block& b : own) reclaimer_bytes[i] += b.size;
        for (size_t j = 1; j < abandoned[i].size(); j += 2) free_block(abandoned[i][j]);
        for (const Block& b : own) free_block(b);
      });
    }
    for (std::thread& t : reclaimers) t.join();

    // 3. This thread checks and frees the other half, which lived through all of the above.
    size_t allocated = std::accumulate(reclaimer_bytes.begin(), reclaimer_bytes.end(), size_t{0});
    for (const std::vector<Block>& blocks : abandoned) {
      for (size_t j = 0; j < blocks.size(); ++j) {
        allocated += blocks[j].size;
        if (j % 2 == 0) free_block(blocks[j]);
      }
    }
    round_bytes = std::max(round_bytes, allocated);
    if (round + 1 == kWarmupRounds) committed_after_warmup = committed_after_purge();
  }
  EXPECT_EQ(corruption_count(), 0u);

  // Memory of exited threads that is never reused would add about half a round per round (the
  // owners' half), several rounds' worth by the end; a steady state stays within one round.
  EXPECT_LE(committed_after_purge(), committed_after_warmup + round_bytes)
      << kRounds - kWarmupRounds << " rounds of about " << round_bytes << " bytes after warm-up";
}

}  // namespace
