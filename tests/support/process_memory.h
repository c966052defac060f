// How much memory the process holds: what the OS says (resident set) and what tessera says.
#pragma once

#include <tessera/tessera.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>

#include "support/sanitizers.h"

namespace tessera_test {

inline constexpr size_t kKiB = size_t{1} << 10;
inline constexpr size_t kMiB = size_t{1} << 20;
inline constexpr size_t kGiB = size_t{1} << 30;

inline size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// Resident set size of the whole process: the second field of /proc/self/statm, in pages.
inline size_t resident_bytes() {
  size_t total_pages = 0, resident_pages = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  const int fields = std::fscanf(f, "%zu %zu", &total_pages, &resident_pages);
  std::fclose(f);
  return fields == 2 ? resident_pages * page_size() : 0;
}

inline ts_process_info_t process_info() {
  ts_process_info_t info{};
  ts_process_info(&info);
  return info;
}

// What tessera holds committed once every free byte went back to the OS (ts_collect(true)):
// without the collection the figure would depend on whether the purge delay had passed, which
// a loaded or sanitized run decides, not tessera.
inline size_t committed_after_purge() {
  ts_collect(true);
  return process_info().committed;
}

// Under a sanitizer the resident set also holds the runtime's shadow of every byte the program
// touched (1/8 of it for ASan, more for TSan) and its per-thread state, which stay after tessera
// gave the pages back; tests then rely on tessera's own committed counter only.
inline constexpr bool kResidentTracksAllocator = !kSanitized;

}  // namespace tessera_test
