// api/stats_api.cc — ts_stats_* (include/tessera/tessera.h): the snapshot of global/stats.h,
// the table, and the two machine-readable forms (JSON; the XML that malloc_info writes),
// formatted into the caller's buffer.
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "base/macros.h"
#include "base/message.h"
#include "config/options.h"
#include "global/stats.h"
#include "platform/os.h"
#include "tessera/tessera.h"

using namespace tessera;

namespace {

void write_to_stderr(const char* msg, void*) {
  os::write_stderr(msg, strlen(msg));
}

const char* bin_kind(const ts_stats_t& s, size_t i) {
  if (i + 2 < s.bin_count) return "small";
  return i + 2 == s.bin_count ? "large" : "huge";
}

void json_bin(TextWriter& w, const ts_stats_bin_t& b) {
  w.text("{\"block_size\":").num(b.block_size).text(",\"blocks_in_use\":").num(b.blocks_in_use)
      .text(",\"bytes_in_use\":").num(b.bytes_in_use).text(",\"allocations\":")
      .num(b.allocations).text(",\"frees_local\":").num(b.frees_local)
      .text(",\"frees_remote\":").num(b.frees_remote);
}

// One <size> element per bin in use: from/to are the request sizes the bin serves.
void xml_bin(TextWriter& w, const ts_stats_t& s, size_t i) {
  const ts_stats_bin_t& b = s.bins[i];
  size_t large_max = g_large_block_max.load(std::memory_order_relaxed);
  size_t from = i == 0 ? 0 : s.bins[i - 1].block_size + 1;
  size_t to = b.block_size;
  if (i + 2 == s.bin_count) to = large_max;
  if (i + 1 == s.bin_count) from = large_max + 1;
  w.text("<size kind=\"").text(bin_kind(s, i)).text("\" from=\"").num(from);
  if (to != 0) w.text("\" to=\"").num(to);
  w.text("\" count=\"").num(b.blocks_in_use).text("\" total=\"").num(b.bytes_in_use)
      .text("\" allocations=\"").num(b.allocations).text("\" local_frees=\"").num(b.frees_local)
      .text("\" remote_frees=\"").num(b.frees_remote).text("\"/>\n");
}

}  // namespace

TESSERA_API int ts_stats_get(ts_stats_t* stats) noexcept {
  constexpr size_t kMinSize = offsetof(ts_stats_t, version) + sizeof(stats->version);
  if (stats == nullptr || stats->size < kMinSize) return EINVAL;
  size_t size = stats->size < sizeof(ts_stats_t) ? stats->size : sizeof(ts_stats_t);
  ts_stats_t full;
  stats_snapshot(&full);
  memcpy(stats, &full, size);
  stats->size = size;
  return 0;
}

TESSERA_API void ts_stats_reset(void) noexcept { stats_reset(); }

TESSERA_API void ts_stats_print(void) noexcept { stats_print(nullptr, nullptr); }

TESSERA_API void ts_stats_print_out(ts_output_fun* out, void* arg) noexcept {
  stats_print(out != nullptr ? out : write_to_stderr, arg);
}

TESSERA_API size_t ts_stats_json(char* buf, size_t size) noexcept {
  ts_stats_t s;
  stats_snapshot(&s);
  TextWriter w(buf, buf == nullptr ? 0 : size);
  w.text("{\"version\":").num(s.version).text(",\"reserved\":").num(s.reserved)
      .text(",\"reserved_peak\":").num(s.reserved_peak).text(",\"committed\":").num(s.committed)
      .text(",\"committed_peak\":").num(s.committed_peak).text(",\"resident\":").num(s.resident)
      .text(",\"resident_peak\":").num(s.resident_peak).text(",\"purged_bytes\":")
      .num(s.purged_bytes).text(",\"purged_pages\":").num(s.purged_pages).text(",\"total\":");
  json_bin(w, s.total);
  w.text("},\"bins\":[");
  for (size_t i = 0; i < s.bin_count; i++) {
    w.text(i == 0 ? "" : ",");
    json_bin(w, s.bins[i]);
    w.text(",\"kind\":\"").text(bin_kind(s, i)).text("\"}");
  }
  w.text("]}");
  return w.needed();
}

TESSERA_API size_t ts_stats_xml(char* buf, size_t size) noexcept {
  ts_stats_t s;
  stats_snapshot(&s);
  TextWriter w(buf, buf == nullptr ? 0 : size);
  w.text("<malloc version=\"1\" allocator=\"tessera\">\n<heap nr=\"0\">\n<sizes>\n");
  for (size_t i = 0; i < s.bin_count; i++)
    if (s.bins[i].blocks_in_use != 0 || s.bins[i].allocations != 0) xml_bin(w, s, i);
  const ts_stats_bin_t& huge = s.bins[s.bin_count - 1];
  w.text("</sizes>\n<total type=\"in_use\" count=\"").num(s.total.blocks_in_use)
      .text("\" size=\"").num(s.total.bytes_in_use).text("\"/>\n<total type=\"mmap\" count=\"")
      .num(huge.blocks_in_use).text("\" size=\"").num(huge.bytes_in_use)
      .text("\"/>\n<system type=\"current\" size=\"").num(s.committed)
      .text("\"/>\n<system type=\"max\" size=\"").num(s.committed_peak)
      .text("\"/>\n<aspace type=\"total\" size=\"").num(s.reserved)
      .text("\"/>\n<aspace type=\"peak\" size=\"").num(s.reserved_peak)
      .text("\"/>\n<resident type=\"current\" size=\"").num(s.resident)
      .text("\"/>\n<resident type=\"max\" size=\"").num(s.resident_peak)
      .text("\"/>\n<purged size=\"").num(s.purged_bytes).text("\" pages=\"").num(s.purged_pages)
      .text("\"/>\n</heap>\n</malloc>\n");
  return w.needed();
}
