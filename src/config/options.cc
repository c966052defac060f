// config/options.cc — reads TESSERA_* environment variables into g_options at start-up.
// An invalid value keeps the default and prints one warning naming the variable.
#include "config/options.h"

#include "base/message.h"
#include "platform/os.h"

namespace tessera {

namespace {

bool parse_uint(const char* s, uint64_t* out) {
  if (s == nullptr || *s == '\0') return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return true;
}

void warn_invalid(const char* name, const char* value) {
  Message m;
  m.text("tessera: warning: ignoring invalid ").text(name).text("=").text(value)
      .text(" (keeping the default)\n");
  os::write_stderr(m.data(), m.size());
}

template <typename T>
void read_uint(const char* name, T* field) {
  const char* value = os::getenv(name);
  if (value == nullptr) return;
  uint64_t v;
  if (parse_uint(value, &v) && v <= (T)~(T)0) *field = (T)v;
  else warn_invalid(name, value);
}

void read_bool(const char* name, bool* field) {
  const char* value = os::getenv(name);
  if (value == nullptr) return;
  uint64_t v;
  if (parse_uint(value, &v) && v <= 1) *field = v == 1;
  else warn_invalid(name, value);
}

}  // namespace

void options_init() {
  read_uint("TESSERA_PURGE_DELAY", &g_options.purge_delay_ms);
  read_bool("TESSERA_SHOW_ERRORS", &g_options.show_errors);
  read_uint("TESSERA_MAX_ERRORS", &g_options.max_errors);
  read_bool("TESSERA_ABORT_ON_ERROR", &g_options.abort_on_error);
  read_bool("TESSERA_VERBOSE", &g_options.verbose);
}

}  // namespace tessera
