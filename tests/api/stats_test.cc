// ts_stats_get, ts_stats_reset, ts_stats_print(_out), ts_stats_json/xml and the registered
// output and error functions: counts match a known sequence of allocations and frees exactly
// (local and remote), the machine-readable forms parse, text goes where it is sent.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "secure/block_check.h"
#include "support/block_pattern.h"
#include "support/filled_blocks.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

ts_stats_t stats() {
  ts_stats_t s;
  s.size = sizeof s;
  EXPECT_EQ(ts_stats_get(&s), 0);
  return s;
}

// The bytes a block for malloc(size) takes: checked builds put a header before the program's
// bytes and at least one canary byte after them, in the same block.
size_t block_bytes(size_t size) { return size + tessera::kHeaderBytes + tessera::kCanaryMinBytes; }

// The bin counting malloc(size): a size class's, or the large or huge bin (block_size 0).
size_t bin_of(const ts_stats_t& s, size_t size) {
  size_t bytes = block_bytes(size);
  for (size_t i = 0; i + 2 < s.bin_count; i++)
    if (s.bins[i].block_size >= bytes) return i;
  return bytes <= 16 * kMiB ? s.bin_count - 2 : s.bin_count - 1;
}

struct Delta {
  int64_t allocations, frees_local, frees_remote, blocks_in_use, bytes_in_use;
};
Delta delta(const ts_stats_bin_t& a, const ts_stats_bin_t& b) {
  return {(int64_t)(b.allocations - a.allocations), (int64_t)(b.frees_local - a.frees_local),
          (int64_t)(b.frees_remote - a.frees_remote),
          (int64_t)b.blocks_in_use - (int64_t)a.blocks_in_use,
          (int64_t)b.bytes_in_use - (int64_t)a.bytes_in_use};
}

// Allocates `count` blocks of `size`, frees `local` of them here and `remote` on another
// thread, and checks the bin moved by exactly that; then frees the rest.
void expect_exact_counts(size_t size, size_t count, size_t local, size_t remote) {
  const ts_stats_t before = stats();
  const size_t bin = bin_of(before, size);
  std::vector<void*> blocks = allocate_filled(count, size);
  ASSERT_EQ(blocks.size(), count);
  for (size_t i = 0; i < local; i++) {
    ASSERT_TRUE(BlockIntact(blocks[i], size));
    ts_free(blocks[i]);
  }
  std::thread([&] {
    for (size_t i = local; i < local + remote; i++) {
      ASSERT_TRUE(BlockIntact(blocks[i], size));
      ts_free(blocks[i]);
    }
  }).join();
  const ts_stats_t after = stats();
  Delta d = delta(before.bins[bin], after.bins[bin]);
  const int64_t live = (int64_t)(count - local - remote);
  // Huge blocks have no owner thread: every free of one counts as local.
  const bool huge = bin + 1 == after.bin_count;
  EXPECT_EQ(d.allocations, (int64_t)count) << "size " << size;
  EXPECT_EQ(d.frees_local, (int64_t)(huge ? local + remote : local)) << "size " << size;
  EXPECT_EQ(d.frees_remote, (int64_t)(huge ? 0 : remote)) << "size " << size;
  EXPECT_EQ(d.blocks_in_use, live) << "size " << size;
  if (after.bins[bin].block_size != 0) {
    EXPECT_EQ(d.bytes_in_use, live * (int64_t)after.bins[bin].block_size);
  } else {
    EXPECT_GE(d.bytes_in_use, live * (int64_t)block_bytes(size));
  }
  Delta total = delta(before.total, after.total);
  EXPECT_EQ(total.allocations, (int64_t)count);
  EXPECT_EQ(total.blocks_in_use, live);

  for (size_t i = local + remote; i < count; i++) {
    ASSERT_TRUE(BlockIntact(blocks[i], size));
    ts_free(blocks[i]);
  }
  const ts_stats_t done = stats();
  EXPECT_EQ(done.bins[bin].blocks_in_use, before.bins[bin].blocks_in_use) << "size " << size;
  EXPECT_EQ(done.bins[bin].bytes_in_use, before.bins[bin].bytes_in_use) << "size " << size;
}

TEST(ApiStats, SmallBlocksCountExactly) { expect_exact_counts(48, 1000, 300, 200); }
TEST(ApiStats, MediumBlocksCountExactly) { expect_exact_counts(20000, 100, 30, 40); }
TEST(ApiStats, LargeBlocksCountExactly) { expect_exact_counts(1 * kMiB, 6, 2, 3); }
TEST(ApiStats, HugeBlocksCountExactly) { expect_exact_counts(20 * kMiB, 3, 1, 1); }

// A tight malloc/free loop never leaves the fast path; its frees still count.
TEST(ApiStats, FastPathLoopCounts) {
  const ts_stats_t before = stats();
  const size_t bin = bin_of(before, 64);
  constexpr int kRounds = 100000;
  for (int i = 0; i < kRounds; i++) {
    void* p = opaque(ts_malloc(64));
    ASSERT_NE(p, nullptr);
    ts_free(p);
  }
  Delta d = delta(before.bins[bin], stats().bins[bin]);
  EXPECT_EQ(d.allocations, kRounds);
  EXPECT_EQ(d.frees_local, kRounds);
  EXPECT_EQ(d.blocks_in_use, 0);
}

TEST(ApiStats, BinsAreTheSizeClasses) {
  const ts_stats_t s = stats();
  EXPECT_EQ(s.version, (unsigned)TESSERA_STATS_VERSION);
  EXPECT_EQ(s.size, sizeof s);
  ASSERT_LE(s.bin_count, (size_t)TESSERA_STATS_BINS);
  ASSERT_GE(s.bin_count, 3u);
  for (size_t i = 0; i + 2 < s.bin_count; i++) {
    EXPECT_EQ(s.bins[i].block_size, ts_good_size(s.bins[i].block_size));
    if (i > 0) {
      EXPECT_GT(s.bins[i].block_size, s.bins[i - 1].block_size);
    }
  }
  EXPECT_EQ(s.bins[s.bin_count - 3].block_size, 128 * kKiB);
  EXPECT_EQ(s.bins[s.bin_count - 2].block_size, 0u);
  EXPECT_EQ(s.bins[s.bin_count - 1].block_size, 0u);
}

TEST(ApiStats, MemoryFiguresAreConsistent) {
  void* p = ts_malloc(8 * kMiB);
  ASSERT_NE(p, nullptr);
  fill_sparse(p, 8 * kMiB, 3);
  const ts_stats_t s = stats();
  EXPECT_LE(s.committed, s.reserved);
  EXPECT_LE(s.committed, s.committed_peak);
  EXPECT_LE(s.reserved, s.reserved_peak);
  EXPECT_GE(s.committed, 8 * kMiB);
  EXPECT_GT(s.resident, 0u);
  EXPECT_LE(s.resident, s.resident_peak);
  if (kResidentTracksAllocator) {
    EXPECT_GE(s.resident, 8 * kMiB);
  }
  ts_free(p);
}

TEST(ApiStats, PurgedMemoryIsCounted) {
  std::vector<void*> blocks = allocate_filled(4096, 1024);
  const ts_stats_t before = stats();
  free_checked(blocks, 1024);
  ts_collect(true);
  const ts_stats_t after = stats();
  EXPECT_GE(after.purged_bytes, before.purged_bytes + 2 * kMiB);
  EXPECT_EQ(after.purged_pages, after.purged_bytes / page_size());
}

TEST(ApiStats, ResetStartsCountsAndPeaksAgain) {
  std::vector<void*> keep(10);
  for (void*& p : keep) p = ts_malloc(100);
  void* big = ts_malloc(40 * kMiB);
  ASSERT_NE(big, nullptr);
  ts_free(big);
  ts_collect(true);
  const ts_stats_t before = stats();
  ts_stats_reset();
  const ts_stats_t s = stats();
  EXPECT_EQ(s.total.allocations, 0u);
  EXPECT_EQ(s.total.frees_local, 0u);
  EXPECT_EQ(s.total.frees_remote, 0u);
  EXPECT_EQ(s.purged_bytes, 0u);
  EXPECT_GE(s.total.blocks_in_use, keep.size()) << "blocks in use are not counts: they stay";
  // The peaks start again from what is held now, without the 40 MiB block: relative to now,
  // as other tests in the same process (memcheck runs the suite as one) may hold arenas.
  EXPECT_GE(before.reserved_peak, before.reserved + 40 * kMiB) << "the block made a peak";
  EXPECT_LT(s.committed_peak, s.committed + 40 * kMiB) << "the peak must start again from now";
  EXPECT_LT(s.reserved_peak, s.reserved + 40 * kMiB);
  void* p = ts_malloc(100);
  EXPECT_EQ(stats().total.allocations, 1u);
  ts_free(p);
  for (void* q : keep) ts_free(q);
}

TEST(ApiStats, OlderCallersGetThePrefix) {
  void* p = ts_malloc(100);  // so that tessera holds some memory
  unsigned char buf[sizeof(ts_stats_t) + 64];
  memset(buf, 0xab, sizeof buf);
  auto* s = (ts_stats_t*)buf;
  const size_t old_size = offsetof(ts_stats_t, total);
  s->size = old_size;
  ASSERT_EQ(ts_stats_get(s), 0);
  EXPECT_EQ(s->size, old_size);
  EXPECT_EQ(s->version, (unsigned)TESSERA_STATS_VERSION);
  EXPECT_GT(s->reserved, 0u);
  for (size_t i = old_size; i < sizeof buf; i++) ASSERT_EQ(buf[i], 0xab) << "byte " << i;

  EXPECT_EQ(ts_stats_get(nullptr), EINVAL);
  s->size = 4;
  EXPECT_EQ(ts_stats_get(s), EINVAL);
  ts_free(p);
}

// Runs python3 on the text in a file; its exit status.
int python_check(const std::string& text, const std::string& program) {
  char path[] = "/tmp/tessera_stats_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  FILE* f = fdopen(fd, "w");
  fputs(text.c_str(), f);
  fclose(f);
  std::string cmd = std::string("python3 -c '") + program + "' " + path;
  int status = std::system(cmd.c_str());
  unlink(path);
  return status;
}

TEST(ApiStats, JsonParses) {
  void* p = ts_malloc(48);
  const std::string bin_size = std::to_string(stats().bins[bin_of(stats(), 48)].block_size);
  const size_t need = ts_stats_json(nullptr, 0);
  ASSERT_GT(need, 100u);
  std::string text(need + 64, '\0');
  const size_t got = ts_stats_json(text.data(), text.size());
  EXPECT_LE(got, need + 64);
  text.resize(strlen(text.c_str()));
  EXPECT_EQ(text.size(), got);
  EXPECT_EQ(python_check(text,
                         "import json, sys\n"
                         "d = json.load(open(sys.argv[1]))\n"
                         "assert d[\"version\"] == " + std::to_string(TESSERA_STATS_VERSION) +
                         " and len(d[\"bins\"]) == " + std::to_string(stats().bin_count) + "\n"
                         "assert d[\"committed\"] <= d[\"reserved\"]\n"
                         "b = [x for x in d[\"bins\"] if x[\"block_size\"] == " + bin_size +
                         "][0]\n"
                         "assert b[\"blocks_in_use\"] >= 1 and b[\"kind\"] == \"small\"\n"
                         "assert [x[\"kind\"] for x in d[\"bins\"][-2:]] == [\"large\", \"huge\"]\n"),
            0)
      << text;
  ts_free(p);
}

TEST(ApiStats, JsonIsCutLikeSnprintf) {
  char small[32];
  memset(small, 'x', sizeof small);
  const size_t need = ts_stats_json(small, sizeof small);
  EXPECT_GT(need, sizeof small);
  EXPECT_EQ(strlen(small), sizeof small - 1);
  EXPECT_EQ(strncmp(small, "{\"version\":", 11), 0);
}

// malloc_info writes this document from a 32 KiB stack buffer: with every bin in use it must
// still fit, and be well-formed XML.
TEST(ApiStats, XmlParsesAndFitsMallocInfosBuffer) {
  std::vector<void*> blocks;
  for (size_t size = 16; size <= 128 * kKiB; size += size / 8) blocks.push_back(ts_malloc(size));
  blocks.push_back(ts_malloc(1 * kMiB));
  blocks.push_back(ts_malloc(20 * kMiB));
  std::string text(64 * 1024, '\0');
  const size_t need = ts_stats_xml(text.data(), text.size());
  ASSERT_LT(need, 32u * 1024);
  text.resize(need);
  EXPECT_EQ(python_check(text,
                         "import sys, xml.etree.ElementTree as ET\n"
                         "root = ET.parse(sys.argv[1]).getroot()\n"
                         "assert root.tag == \"malloc\"\n"
                         "sizes = root.find(\"heap\").find(\"sizes\")\n"
                         "assert len(sizes) >= 40, len(sizes)\n"),
            0)
      << text;
  for (void* p : blocks) ts_free(p);
}

std::string* g_captured = nullptr;
void capture(const char* msg, void* arg) {
  EXPECT_EQ(arg, (void*)&g_captured);
  g_captured->append(msg);
}

TEST(ApiStatsPrint, TableGoesToTheRegisteredOutput) {
  void* p = ts_malloc(48);
  char bin_row[32];  // the row of the bin that counts p: its block size, right-aligned
  snprintf(bin_row, sizeof bin_row, "%10zu", stats().bins[bin_of(stats(), 48)].block_size);
  std::string text;
  g_captured = &text;
  testing::internal::CaptureStderr();
  ts_register_output(capture, &g_captured);
  ts_stats_print();
  ts_register_output(nullptr, nullptr);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  for (const char* want : {"tessera: statistics", "reserved", "committed", "resident", "purged",
                           "block size", "local frees", "remote frees", (const char*)bin_row, "total"})
    EXPECT_NE(text.find(want), std::string::npos) << want << " missing from:\n" << text;
  // Checked builds say why blocks land in larger bins.
  EXPECT_EQ(text.find("checked build: a block holds a header") != std::string::npos,
            tessera::kPadding) << text;
  ts_free(p);
}

TEST(ApiStatsPrint, PrintOutTakesItsOwnFunction) {
  std::string text;
  g_captured = &text;
  ts_stats_print_out(capture, &g_captured);
  EXPECT_EQ(text.rfind("tessera: statistics\n", 0), 0u) << text;
  testing::internal::CaptureStderr();
  ts_stats_print_out(nullptr, nullptr);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("tessera: statistics"), std::string::npos);
}

TEST(ApiOutput, ErrorsGoToTheErrorFunction) {
  std::string errors, messages;
  static std::string* err_sink;
  static std::string* msg_sink;
  err_sink = &errors;
  msg_sink = &messages;
  testing::internal::CaptureStderr();
  ts_register_output([](const char* m, void*) { msg_sink->append(m); }, nullptr);
  ts_register_error([](const char* m, void*) { err_sink->append(m); }, nullptr);
  int on_stack = 0;
  ts_free(opaque(&on_stack));
  ts_option_set(ts_option_purge_delay, -1);
  ts_register_error(nullptr, nullptr);
  ts_free(opaque(&on_stack));  // no error function: the output function gets errors
  ts_register_output(nullptr, nullptr);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_NE(errors.find("tessera: error: invalid free (not allocated by tessera)"),
            std::string::npos) << errors;
  EXPECT_NE(errors.find("tessera: error: ts_option_set: invalid value -1 for purge_delay"),
            std::string::npos) << errors;
  EXPECT_NE(messages.find("tessera: error: invalid free"), std::string::npos) << messages;
  EXPECT_EQ(ts_option_get(ts_option_purge_delay), 250);
}

}  // namespace
