// mem/memory_stats.h — process-wide counters of what tessera holds from the OS, and the
// limit_os_memory cap on it. Relaxed atomics, touched only on slow paths (mapping, purging,
// span state changes).
#pragma once
#include <atomic>
#include <cstddef>

#include "config/options.h"

namespace tessera {

inline void raise_peak(std::atomic<size_t>& peak, size_t now) {
  size_t old = peak.load(std::memory_order_relaxed);
  while (now > old && !peak.compare_exchange_weak(old, now, std::memory_order_relaxed)) {
  }
}

struct MemoryStats {
  std::atomic<size_t> reserved{0};       // mapped address space
  std::atomic<size_t> reserved_peak{0};
  std::atomic<size_t> committed{0};      // mapped and not purged since last use
  std::atomic<size_t> committed_peak{0};
  std::atomic<size_t> purged{0};         // bytes given back so far (madvise or munmap)

  // Accounts for n more bytes of address space before they are mapped; false (nothing
  // counted) when that would pass limit_os_memory. Undo with unreserve when mapping fails.
  bool try_reserve(size_t n) {
    size_t limit = (size_t)g_options.limit_os_memory.load(std::memory_order_relaxed);
    size_t now = reserved.load(std::memory_order_relaxed);
    do {
      if (now + n < now || (limit != 0 && now + n > limit)) return false;
    } while (!reserved.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
    raise_peak(reserved_peak, now + n);
    return true;
  }
  void unreserve(size_t n) { reserved.fetch_sub(n, std::memory_order_relaxed); }

  void add_committed(size_t n) {
    raise_peak(committed_peak, committed.fetch_add(n, std::memory_order_relaxed) + n);
  }
  void sub_committed(size_t n) { committed.fetch_sub(n, std::memory_order_relaxed); }
};

extern MemoryStats g_memory_stats;

// Gives [p, p+size) back to the OS (page-aligned): MADV_DONTNEED when purge_decommits is on,
// else MADV_FREE, which leaves the pages resident until the kernel needs them. Either way the
// bytes stop counting as committed.
void purge_memory(void* p, size_t size);
// Whether memory purged so far reads as zero (false once a lazy purge happened).
bool purged_memory_reads_zero();

}  // namespace tessera
