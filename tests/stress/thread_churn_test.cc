// Ten thousand short-lived threads, a few at a time, each leaving some of its blocks for a later
// thread to free. Heaps of exited threads must be reused or released: memory stays flat.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "support/stress.h"

namespace {

using namespace tessera_test;

// Blocks left behind by finished threads, for the next ones to free.
using Handoff = BlockMailbox;

constexpr size_t kThreads = 10000;
constexpr size_t kConcurrent = 4;
constexpr size_t kEarlyThreads = 1000;  // when the baseline is taken
constexpr int kBlocksPerThread = 24;

void short_lived_thread(Handoff& handoff, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Block> inherited;
  {
    std::lock_guard lock(handoff.mutex);
    inherited.swap(handoff.blocks);
  }
  for (const Block& b : inherited) free_block(b);

  std::vector<Block> left;
  for (int i = 0; i < kBlocksPerThread; ++i) {
    // 16 B .. 4 KiB, a little above each power of two.
    const Block b = alloc_block((size_t{16} << (rng() % 9)) + rng() % 16);
    if (i % 3 == 0) {
      left.push_back(b);  // a third survives this thread
    } else {
      free_block(b);
    }
  }
  std::lock_guard lock(handoff.mutex);
  handoff.blocks.insert(handoff.blocks.end(), left.begin(), left.end());
}

struct Usage {
  size_t committed, resident;
};
Usage usage() {
  size_t committed = committed_after_purge();  // (first: the purge lowers the resident set too)
  return {committed, resident_bytes()};
}

TEST(StressThreadChurn, TenThousandThreadsStayBounded) {
  Handoff handoff;
  Usage early{};
  for (size_t started = 0; started < kThreads; started += kConcurrent) {
    std::vector<std::thread> wave;
    for (size_t i = 0; i < kConcurrent; ++i)
      wave.emplace_back(short_lived_thread, std::ref(handoff), started + i);
    for (std::thread& t : wave) t.join();
    if (started + kConcurrent == kEarlyThreads) early = usage();
  }
  const Usage late = usage();

  // Growth allowed: the early usage again plus a few MiB, but never as much as half of what
  // leaking a single 4 KiB block (or a heap's worth of metadata) per later thread would add.
  const size_t leak_signal = 4 * kKiB * (kThreads - kEarlyThreads);
  const auto allowed = [&](size_t early_bytes) {
    return early_bytes + std::min(early_bytes + 4 * kMiB, leak_signal / 2);
  };
  EXPECT_LE(late.committed, allowed(early.committed))
      << "committed after " << kEarlyThreads << " threads: " << early.committed;
  if (kResidentTracksAllocator) {
    EXPECT_LE(late.resident, allowed(early.resident))
        << "resident after " << kEarlyThreads << " threads: " << early.resident;
  }

  for (const Block& b : handoff.blocks) free_block(b);
  EXPECT_EQ(corruption_count(), 0u);
}

}  // namespace
