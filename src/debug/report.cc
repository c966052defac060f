// debug/report.cc — formats and prints a detected memory error (debug/report.h).
#include "debug/report.h"

#include <atomic>

#include "base/message.h"
#include "config/options.h"
#include "config/output.h"
#include "platform/os.h"

namespace tessera {

void report_block_error(const char* kind, const void* block, uint64_t size, const char* detail,
                        uint64_t detail_num, const char* detail_tail) {
  static std::atomic<uint32_t> reported{0};
  // An error can come before the first allocation has read the options (a bogus free first).
  static std::atomic<bool> options_read{false};
  if (!options_read.exchange(true, std::memory_order_acq_rel)) options_init();
  if (g_options.show_errors &&
      reported.fetch_add(1, std::memory_order_relaxed) < g_options.max_errors) {
    Message m;
    m.text("tessera: error: ").text(kind).text(" of block ").ptr(block);
    if (size != kSizeUnknown) m.text(" (size ").num(size).text(")");
    if (detail != nullptr) {
      m.text(": ").text(detail);
      if (detail_tail != nullptr) m.num(detail_num).text(detail_tail);
    }
    m.text("\n");
    output_error(m);
  }
  if (g_options.abort_on_error) os::abort();
}

}  // namespace tessera
