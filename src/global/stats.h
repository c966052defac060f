// global/stats.h — process-wide statistics: the per-heap counters (mem/heap_counters.h) of
// every heap summed, with what tessera holds from the OS and the process's resident set, into
// ts_stats_t (include/tessera/tessera.h); and the readable table. Layer global/.
#pragma once
#include "config/output.h"
#include "tessera/tessera.h"

namespace tessera {

// A full snapshot (size == sizeof(ts_stats_t)). Collects the calling thread's pending frees
// first, so its own counts are exact.
void stats_snapshot(ts_stats_t* stats);
// Counts and peaks start again from now.
void stats_reset();
// The table, one line per call of out(line, arg); out == nullptr: the message channel.
void stats_print(OutputFn out, void* arg);

// For the fork handlers.
SpinLock& stats_lock();
void stats_forget();

}  // namespace tessera
