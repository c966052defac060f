// bench/micro/cross_thread_bench.cc — producer/consumer: the benchmark thread allocates batches
// of blocks and hands them through a bounded single-producer/single-consumer ring to a second
// thread, which frees them. Every free is a remote free. Items are blocks; the time is wall
// clock (both threads work), so items/s is the pair's throughput.
//
// With two CPUs or more the producer and the consumer are pinned to two different CPUs for the
// run: left to the scheduler, the two threads (which wait by spinning) can share one CPU, and
// the figure then measures the scheduler more than the allocator.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "micro.h"

namespace tessera::bench {
namespace {

constexpr std::size_t kBatch = 64;  // blocks per hand-off
constexpr std::size_t kSlots = 16;  // batches in flight at most

// Slot i % kSlots is the producer's while i >= tail, the consumer's while tail <= i < head.
struct Handoff {
  struct Batch {
    void* blocks[kBatch];
  };
  Batch slots[kSlots];
  alignas(64) std::atomic<std::uint64_t> head{0};  // batches published; producer writes
  alignas(64) std::atomic<std::uint64_t> tail{0};  // batches freed; consumer writes
  alignas(64) std::atomic<bool> done{false};       // no batch will follow head
};

// Pins the calling thread to the `nth` CPU it may run on (counting from 0) and returns true, or
// returns false when there is no such CPU.
bool pin_to_nth_cpu(const cpu_set_t& allowed, int nth) {
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed) && nth-- == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
    }
  }
  return false;
}

template <class A>
void consume(Handoff& q) {
  std::uint64_t t = 0;
  for (;;) {
    const std::uint64_t h = q.head.load(std::memory_order_acquire);
    if (h == t) {
      // done is stored after the last head, so head read after done is final.
      if (q.done.load(std::memory_order_acquire) && q.head.load(std::memory_order_acquire) == t)
        return;
      std::this_thread::yield();
      continue;
    }
    for (; t != h; ++t) {
      for (void* p : q.slots[t % kSlots].blocks) A::dealloc(p);
      q.tail.store(t + 1, std::memory_order_release);
    }
  }
}

template <class A>
void BM_cross_thread_free(benchmark::State& state) {
  if (!check_ready<A>(state)) return;
  const auto size = static_cast<std::size_t>(state.range(0));
  auto q = std::make_unique<Handoff>();
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const bool pinned = pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) == 0 &&
                      CPU_COUNT(&allowed) >= 2 && pin_to_nth_cpu(allowed, 0);
  std::thread consumer([&q, &allowed, pinned] {
    if (pinned) pin_to_nth_cpu(allowed, 1);
    consume<A>(*q);
  });
  std::uint64_t h = 0;
  for (auto _ : state) {
    while (h - q->tail.load(std::memory_order_acquire) == kSlots) std::this_thread::yield();
    for (void*& p : q->slots[h % kSlots].blocks) {
      p = A::alloc(size);
      touch(p, size);
    }
    q->head.store(++h, std::memory_order_release);
  }
  q->done.store(true, std::memory_order_release);
  consumer.join();  // the last <= kSlots batches are freed untimed
  if (pinned) pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}

TESSERA_BENCHMARK(BM_cross_thread_free, ->Arg(64)->Arg(512)->UseRealTime());

}  // namespace
}  // namespace tessera::bench
