// xmalloc — producer/consumer after Lever and Boreham's xmalloc test: --threads N producers
// allocate blocks and pass them in batches to N consumers, which check and free them; nearly
// every free is a cross-thread free (N producers + N consumers run at once).
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "workload.h"

namespace {
constexpr const char* kName = "xmalloc";
constexpr std::size_t kBatch = 64;

struct Block {
  void* p;
  std::size_t size;
  std::uint64_t tag;
};
using Batch = std::vector<Block>;

// A bounded queue of batches: producers wait when it is full, so the live set stays bounded.
class BatchQueue {
 public:
  void push(Batch b) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return queue_.size() < kCapacity; });
    queue_.push_back(std::move(b));
    not_empty_.notify_one();
  }
  // An empty batch means the producers are done.
  Batch pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !queue_.empty(); });
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return b;
  }

 private:
  static constexpr std::size_t kCapacity = 64;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Batch> queue_;
};
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t batches = bench::scaled(o, 40000, 200);  // per producer
  const int n = o.threads;
  BatchQueue queue;
  std::vector<unsigned long long> freed(n, 0);
  std::vector<std::thread> pool;
  for (int c = 0; c < n; c++)
    pool.emplace_back([&, c] {
      for (Batch b = queue.pop(); !b.empty(); b = queue.pop())
        for (const Block& x : b) {
          bench::checked_free(kName, x.p, x.size, x.tag);
          freed[c] += x.size;
        }
    });
  std::vector<std::thread> producers;
  for (int p = 0; p < n; p++)
    producers.emplace_back([&, p] {
      bench::Rng rng(77 + p);
      std::uint64_t tag = static_cast<std::uint64_t>(p) << 48;
      for (std::size_t i = 0; i < batches; i++) {
        Batch b;
        b.reserve(kBatch);
        for (std::size_t k = 0; k < kBatch; k++) {
          std::size_t size = rng.between(8, 512);
          b.push_back({bench::stamped_malloc(kName, size, ++tag), size, tag});
        }
        queue.push(std::move(b));
      }
    });
  for (auto& t : producers) t.join();
  for (int c = 0; c < n; c++) queue.push(Batch{});
  for (auto& t : pool) t.join();
  unsigned long long total = 0;
  for (auto f : freed) total += f;
  bench::report(kName, o, {{"blocks", batches * kBatch * n}, {"bytes_freed", total}});
}
