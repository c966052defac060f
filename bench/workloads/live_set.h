// live_set.h — a set of live stamped blocks that can lose a random member in O(1): what the
// workloads with a growing or churning live set keep per thread.
#pragma once

#include <vector>

#include "workload.h"

namespace bench {

class LiveSet {
 public:
  explicit LiveSet(const char* workload, std::uint64_t first_tag)
      : workload_(workload), next_tag_(first_tag) {}
  LiveSet(const LiveSet&) = delete;
  LiveSet& operator=(const LiveSet&) = delete;
  ~LiveSet() { clear(); }

  void add(std::size_t size) {
    blocks_.push_back({stamped_malloc(workload_, size, ++next_tag_), size, next_tag_});
    bytes_ += size;
    allocated_ += size;
  }
  // Frees a random block (checked); the set must not be empty.
  void remove_random(Rng& rng) {
    std::size_t i = rng.below(blocks_.size());
    Block b = blocks_[i];
    blocks_[i] = blocks_.back();
    blocks_.pop_back();
    checked_free(workload_, b.p, b.size, b.tag);
    bytes_ -= b.size;
  }
  void clear() {
    for (const Block& b : blocks_) checked_free(workload_, b.p, b.size, b.tag);
    blocks_.clear();
    bytes_ = 0;
  }
  std::size_t count() const { return blocks_.size(); }
  std::size_t bytes() const { return bytes_; }          // live now
  std::size_t allocated() const { return allocated_; }  // ever added

 private:
  struct Block {
    void* p;
    std::size_t size;
    std::uint64_t tag;
  };
  const char* workload_;
  std::uint64_t next_tag_;
  std::vector<Block> blocks_;
  std::size_t bytes_ = 0;
  std::size_t allocated_ = 0;
};

}  // namespace bench
