// Many threads allocating, reallocating and freeing a realistic mix of sizes, with about a third
// of the blocks freed by a thread other than the one that allocated them.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <barrier>
#include <cstddef>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "support/stress.h"

namespace {

using namespace tessera_test;

// Blocks other threads handed over for this thread to check and free.
using Inbox = BlockMailbox;

constexpr int kThreads = 8;
constexpr size_t kMaxLive = 1000;  // per thread

class Worker {
 public:
  Worker(int id, std::vector<Inbox>& inboxes) : id_(id), inboxes_(inboxes), rng_(0x5eed + id) {}

  void run(size_t ops, std::barrier<>& all_done_handing_over) {
    for (size_t op = 0; op < ops; ++op) {
      if (op % 64 == 0) drain_inbox();
      step();
    }
    // Nobody hands anything over past the barrier, so the inbox empties for good.
    all_done_handing_over.arrive_and_wait();
    drain_inbox();
    for (const Block& b : live_) free_block(b);
  }

 private:
  // Half allocations, a tenth reallocations; the other 40% release a block, a third of them by
  // handing it to another thread.
  void step() {
    const uint64_t r = rng_() % 100;
    if (live_.empty() || (r < 50 && live_.size() < kMaxLive)) {
      live_.push_back(alloc_block(random_block_size(rng_)));
      return;
    }
    const size_t i = rng_() % live_.size();
    if (r < 60) {
      live_[i] = realloc_block(live_[i], random_block_size(rng_));
      return;
    }
    const Block b = live_[i];
    live_[i] = live_.back();
    live_.pop_back();
    if (r < 73) {
      Inbox& to = inboxes_[(id_ + 1 + rng_() % (kThreads - 1)) % kThreads];
      std::lock_guard lock(to.mutex);
      to.blocks.push_back(b);
    } else {
      free_block(b);
    }
  }

  void drain_inbox() {
    {
      std::lock_guard lock(inboxes_[id_].mutex);
      incoming_.swap(inboxes_[id_].blocks);
    }
    for (const Block& b : incoming_) free_block(b);
    incoming_.clear();
  }

  int id_;
  std::vector<Inbox>& inboxes_;
  std::mt19937_64 rng_;
  std::vector<Block> live_, incoming_;
};

TEST(StressCrossThread, MixedSizesWithRemoteFreesAndReallocs) {
  const size_t ops = scaled(150000, 5000);
  std::vector<Inbox> inboxes(kThreads);
  std::barrier all_done_handing_over(kThreads);
  std::vector<std::thread> threads;
  for (int id = 0; id < kThreads; ++id) {
    threads.emplace_back([&, id] { Worker(id, inboxes).run(ops, all_done_handing_over); });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(corruption_count(), 0u);
}

}  // namespace
