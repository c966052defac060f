// api/introspection.cc — malloc_trim, mallopt, mallinfo2 and mallinfo on tessera's terms.
// README.md ("glibc's introspection calls") says which figure means what.
#include "api/introspection.h"

#include <climits>

#include "base/macros.h"
#include "config/options.h"
#include "config/tuning.h"
#include "global/stats.h"
#include "global/thread.h"
#include "mem/memory_stats.h"
#include "tessera/tessera.h"

namespace tessera::api {

struct mallinfo2 mallinfo2_now() {
  ts_stats_t s;
  stats_snapshot(&s);
  const ts_stats_bin_t& huge = s.bins[s.bin_count - 1];
  struct mallinfo2 info = {};
  info.hblks = huge.blocks_in_use;
  info.hblkhd = huge.bytes_in_use;
  info.arena = s.committed > info.hblkhd ? s.committed - info.hblkhd : 0;
  info.uordblks = s.total.bytes_in_use - huge.bytes_in_use;
  info.fordblks = info.arena > info.uordblks ? info.arena - info.uordblks : 0;
  info.keepcost = info.fordblks;  // what malloc_trim could give back
  return info;
}

struct mallinfo mallinfo_now() {
  struct mallinfo2 big = mallinfo2_now();
  auto sat = [](size_t v) { return v > (size_t)INT_MAX ? INT_MAX : (int)v; };
  struct mallinfo info = {};
  info.arena = sat(big.arena);
  info.ordblks = sat(big.ordblks);
  info.smblks = sat(big.smblks);
  info.hblks = sat(big.hblks);
  info.hblkhd = sat(big.hblkhd);
  info.usmblks = sat(big.usmblks);
  info.fsmblks = sat(big.fsmblks);
  info.uordblks = sat(big.uordblks);
  info.fordblks = sat(big.fordblks);
  info.keepcost = sat(big.keepcost);
  return info;
}

}  // namespace tessera::api

using namespace tessera;

TESSERA_API int ts_malloc_trim(size_t) noexcept {
  size_t before = g_memory_stats.purged.load(std::memory_order_relaxed);
  ts_collect(true);
  return g_memory_stats.purged.load(std::memory_order_relaxed) > before ? 1 : 0;
}

TESSERA_API int ts_mallopt(int param, int value) noexcept {
  switch (param) {
    case M_MMAP_THRESHOLD: {
      // Huge blocks start above the value, within the tiers tessera has.
      if (value < 0) return 0;
      size_t v = (size_t)value;
      size_t max = v < kMediumBlockMax ? kMediumBlockMax : (v > kLargeMax ? kLargeMax : v);
      g_large_block_max.store(max, std::memory_order_relaxed);
      return 1;
    }
    case M_TRIM_THRESHOLD:
      // Negative: never purge by time (glibc: never trim); 0: purge at once; positive: keep
      // the time-based purge as it is.
      if (value < 0) ts_option_set(ts_option_purge_delay, LONG_MAX);
      else if (value == 0) ts_option_set(ts_option_purge_delay, 0);
      return 1;
    case M_TOP_PAD:      // no heap top to pad: accepted, nothing to do
    case M_MMAP_MAX:     // huge blocks are always mapped
    case M_ARENA_MAX:    // heaps are per thread
    case M_ARENA_TEST:
    case M_MXFAST:       // no fastbins
    case M_PERTURB:      // not supported: blocks are not filled
    case M_CHECK_ACTION: // errors are reported with show_errors
      return 1;
    default:
      return 0;
  }
}
