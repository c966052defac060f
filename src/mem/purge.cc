// mem/purge.cc — purge_memory (mem/memory_stats.h): the purge_decommits option.
#include "mem/memory_stats.h"
#include "platform/os.h"

namespace tessera {

namespace {
// Set once a range was purged lazily: from then on a purged span may still hold old bytes.
std::atomic<bool> g_lazily_purged{false};
}  // namespace

void purge_memory(void* p, size_t size) {
  if (g_options.purge_decommits.load(std::memory_order_relaxed) != 0 ||
      !os::purge_lazily(p, size)) {
    os::purge(p, size);
    return;
  }
  if (!g_lazily_purged.load(std::memory_order_relaxed))
    g_lazily_purged.store(true, std::memory_order_relaxed);
}

bool purged_memory_reads_zero() { return !g_lazily_purged.load(std::memory_order_relaxed); }

}  // namespace tessera
