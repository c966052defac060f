// mem/memory_stats.h — process-wide counters of what tessera holds from the OS. Relaxed
// atomics, touched only on slow paths (mapping, purging, span state changes).
#pragma once
#include <atomic>
#include <cstddef>

namespace tessera {

struct MemoryStats {
  std::atomic<size_t> reserved{0};       // mapped address space
  std::atomic<size_t> committed{0};      // mapped and not purged since last use
  std::atomic<size_t> committed_peak{0};
  std::atomic<size_t> purged{0};         // bytes given back so far (madvise or munmap)

  void add_committed(size_t n) {
    size_t now = committed.fetch_add(n, std::memory_order_relaxed) + n;
    size_t peak = committed_peak.load(std::memory_order_relaxed);
    while (now > peak &&
           !committed_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  void sub_committed(size_t n) { committed.fetch_sub(n, std::memory_order_relaxed); }
};

extern MemoryStats g_memory_stats;

}  // namespace tessera
