// config/options.h — runtime options (ts_option_t in include/tessera/tessera.h): one table,
// read from TESSERA_<NAME> at process start (config/options.cc), changed at run time with
// ts_option_set, read by the lower layers on their slow paths (relaxed atomics, so a change
// from another thread is seen a little later, never torn).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "config/tuning.h"
#include "config/build_mode.h"

namespace tessera {

// The fields in ts_option_t's order; the defaults are the documented ones (README.md).
struct Options {
  std::atomic<long> show_errors{1};             // print detected errors (invalid frees …)
  std::atomic<long> show_stats{0};              // print the statistics table at exit
  std::atomic<long> verbose{0};                 // say what tessera set up
  std::atomic<long> max_errors{32};             // stop printing errors after this many
  std::atomic<long> purge_delay_ms{250};        // free memory unused this long goes to the OS
  std::atomic<long> purge_decommits{1};         // purge with MADV_DONTNEED (else MADV_FREE)
  std::atomic<long> arena_reserve{1L << 30};    // bytes an arena reserves at a time
  std::atomic<long> eager_commit{0};            // commit arena memory when it is reserved
  std::atomic<long> large_os_pages{0};          // back arenas with 2 MiB pages when possible
  std::atomic<long> reserve_huge_os_pages{0};   // 1 GiB pages to reserve at start-up
  std::atomic<long> reserve_os_memory{0};       // bytes to reserve at start-up
  std::atomic<long> limit_os_memory{0};         // cap on bytes mapped; 0: no cap
  std::atomic<long> destroy_on_exit{0};         // unmap everything at process exit
  std::atomic<long> abort_on_error{kAbortOnErrorDefault};  // after a detected error
};

inline constinit Options g_options;

// Blocks above this many bytes get a mapping of their own (huge); mallopt(M_MMAP_THRESHOLD)
// moves it within [kMediumBlockMax, kLargeMax] (api/introspection.cc).
inline constinit std::atomic<size_t> g_large_block_max{kLargeMax};

enum class OptionKind { kBool, kCount, kMillis, kBytes };

struct OptionInfo {
  const char* name;  // "purge_delay": TESSERA_PURGE_DELAY, ts_option_purge_delay
  OptionKind kind;
  std::atomic<long> Options::*field;
};

inline constexpr size_t kOptionCount = 14;
extern const OptionInfo kOptionTable[kOptionCount];

// Reads the TESSERA_* environment variables; called once at process start. An invalid value
// keeps the default and prints one warning naming the variable.
void options_init();

// The option's value, or -1 for an index out of range.
long option_get(size_t option);
// Sets the option, or prints one error line and keeps it (index out of range, negative
// value). Booleans store 0 or 1. Returns whether the value was taken.
bool option_set(size_t option, long value);
// Changes the option only if no one set it yet (environment or option_set).
bool option_set_default(size_t option, long value);

// Parsers for the environment's forms, exposed for tests. False for an invalid text.
bool parse_bool(const char* s, long* out);    // 1/0, true/false, on/off, yes/no
bool parse_count(const char* s, long* out);   // a non-negative decimal number
bool parse_bytes(const char* s, long* out);   // a count with an optional K, M, G or T suffix

}  // namespace tessera
