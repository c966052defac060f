// api/options_api.cc — ts_option_* and ts_register_output/error (include/tessera/tessera.h)
// over config/options.h and config/output.h. The first call reads the environment, so a
// value set in code wins over TESSERA_<NAME>.
#include "base/macros.h"
#include "config/options.h"
#include "config/output.h"
#include "global/process.h"
#include "tessera/tessera.h"

using namespace tessera;

static_assert(ts_option_count_ == kOptionCount, "ts_option_t and kOptionTable disagree");

TESSERA_API long ts_option_get(ts_option_t option) noexcept {
  process_init();
  return option_get((size_t)option);
}

TESSERA_API bool ts_option_is_enabled(ts_option_t option) noexcept {
  return ts_option_get(option) > 0;
}

TESSERA_API void ts_option_set(ts_option_t option, long value) noexcept {
  process_init();
  option_set((size_t)option, value);
}

TESSERA_API void ts_option_enable(ts_option_t option) noexcept { ts_option_set(option, 1); }

TESSERA_API void ts_option_disable(ts_option_t option) noexcept { ts_option_set(option, 0); }

TESSERA_API void ts_option_set_default(ts_option_t option, long value) noexcept {
  process_init();
  option_set_default((size_t)option, value);
}

TESSERA_API void ts_register_output(ts_output_fun* out, void* arg) noexcept {
  output_register(Channel::kMessage, out, arg);
}

TESSERA_API void ts_register_error(ts_output_fun* out, void* arg) noexcept {
  output_register(Channel::kError, out, arg);
}
