// config/options.h — runtime options, resolved once at process start (api/options.cc reads
// TESSERA_* from the environment) and read by the lower layers on their slow paths.
#pragma once
#include <cstddef>
#include <cstdint>

#include "config/build_mode.h"

namespace tessera {

struct Options {
  uint64_t purge_delay_ms = 250;  // free memory unused this long goes back to the OS
  bool show_errors = true;        // print detected errors (invalid frees …) to stderr
  uint32_t max_errors = 32;       // stop printing after this many
  bool abort_on_error = kAbortOnErrorDefault;  // after a detected error (debug/report.h)
  bool verbose = false;           // say what tessera set up, on stderr
};

inline Options g_options;

// Reads the TESSERA_* environment variables; called once at process start.
void options_init();

}  // namespace tessera
