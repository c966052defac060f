// global/stats_table.cc — the statistics as a readable table (ts_stats_print, malloc_stats,
// TESSERA_SHOW_STATS=1 at exit). Only bins that saw any block are listed.
#include "global/stats.h"

#include "config/build_mode.h"

namespace tessera {

namespace {

void emit(OutputFn out, void* arg, const Message& m) {
  if (out != nullptr) out(m.data(), arg);
  else output_message(m);
}

void memory_row(OutputFn out, void* arg, const char* what, size_t now, size_t peak,
                const char* note) {
  Message m;
  m.text("  ").text(what).pad_to(14).bytes(now, 12).bytes(peak, 12).text(note).text("\n");
  emit(out, arg, m);
}

void bin_row(OutputFn out, void* arg, const char* label, size_t block_size,
             const ts_stats_bin_t& b) {
  Message m;
  m.text("  ");
  if (label != nullptr) {
    size_t n = 0;
    while (label[n]) n++;
    m.pad_to(12 - n).text(label);
  } else {
    m.num(block_size, 10);
  }
  m.pad_to(12).num(b.blocks_in_use, 12).bytes(b.bytes_in_use, 14).num(b.allocations, 14)
      .num(b.frees_local, 14).num(b.frees_remote, 14).text("\n");
  emit(out, arg, m);
}

}  // namespace

void stats_print(OutputFn out, void* arg) {
  ts_stats_t s;
  stats_snapshot(&s);
  Message title;
  title.text("tessera: statistics\n");
  emit(out, arg, title);
  Message head;
  head.text("  memory").pad_to(14).text("         now        peak\n");
  emit(out, arg, head);
  memory_row(out, arg, "reserved", s.reserved, s.reserved_peak, "");
  memory_row(out, arg, "committed", s.committed, s.committed_peak, "");
  memory_row(out, arg, "resident", s.resident, s.resident_peak, "  (the whole process)");
  Message purged;
  purged.text("  purged").pad_to(14).bytes(s.purged_bytes, 12).text(" in ").num(s.purged_pages)
      .text(" OS pages\n");
  emit(out, arg, purged);
  Message columns;
  columns.text("  block size      in use  bytes in use   allocations   local frees  remote frees\n");
  emit(out, arg, columns);
  if constexpr (kPadding) {
    // Bins count blocks as taken, so say why a request lands in a larger bin than release's.
    Message note;
    note.text("  (checked build: a block holds a header and a canary besides the bytes asked for)\n");
    emit(out, arg, note);
  }
  size_t small_bins = s.bin_count - 2;
  for (size_t i = 0; i < s.bin_count; i++) {
    const ts_stats_bin_t& b = s.bins[i];
    if (b.allocations == 0 && b.blocks_in_use == 0 && b.frees_local == 0 && b.frees_remote == 0)
      continue;
    const char* label = i < small_bins ? nullptr : (i == small_bins ? "large" : "huge");
    bin_row(out, arg, label, b.block_size, b);
  }
  bin_row(out, arg, "total", 0, s.total);
}

}  // namespace tessera
