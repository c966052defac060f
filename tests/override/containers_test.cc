// containers_test — an ordinary C++ program (std::vector, std::string, std::map,
// std::ostringstream, std::thread) whose memory must all come from tessera: built with the
// static override linked whole (no LD_PRELOAD) and, as every program here, preloaded.
//
// It asserts that malloc and operator new are the executable's own (static) or
// libtessera.so's (preload); that blocks made inside libstdc++.so and libc (an ostringstream's
// buffer, strdup) are tessera blocks; and that building ~50 MB of strings and vectors on two
// threads raises tessera's committed memory by at least 45 MB: those bytes went through
// tessera, not through a malloc tessera does not see, and that tessera's statistics counted
// every one of those strings. Every string and vector is checked.
#include <malloc.h>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "override_check.h"

namespace {

constexpr size_t kStringsPerThread = 25000;
constexpr size_t kStringLength = 1000;  // 2 × 25000 × 1000 B = 50 MB

char letter(size_t t, size_t i) { return (char)('a' + (t * 7 + i) % 26); }

struct ThreadData {
  std::vector<std::string> strings;
  std::map<size_t, std::vector<int>> map;
};

void build(size_t t, ThreadData* data) {
  for (size_t i = 0; i < kStringsPerThread; i++) {
    data->strings.emplace_back(kStringLength, letter(t, i));
    if (i % 100 == 0) data->map[i] = std::vector<int>(100, (int)(i + t));
  }
}

void check(size_t t, const ThreadData& data) {
  OVR_CHECK(data.strings.size() == kStringsPerThread);
  for (size_t i = 0; i < kStringsPerThread; i++) {
    const std::string& s = data.strings[i];
    OVR_CHECKF(s.size() == kStringLength && s.front() == letter(t, i) &&
                   s.back() == letter(t, i) && s[kStringLength / 2] == letter(t, i),
               "thread %zu string %zu changed", t, i);
  }
  for (const auto& [key, v] : data.map) {
    OVR_CHECK(v.size() == 100 && v[0] == (int)(key + t) && v[99] == (int)(key + t));
  }
}

// The statistics bin that counts malloc(n): the one a single malloc adds to (which class that is
// depends on the library: checked ones add a header and canary, and their classes differ).
size_t bin_of_malloc(size_t n) {
  const ts_stats_t before = ovr::stats();
  void* volatile p = malloc(n);
  const ts_stats_t after = ovr::stats();
  free(p);
  for (size_t i = 0; i < after.bin_count; i++)
    if (after.bins[i].allocations != before.bins[i].allocations) return i;
  OVR_CHECKF(false, "malloc(%zu) counted in no bin", n);
  return 0;
}

}  // namespace

int main() {
  ovr::expect_tessera();
  void* p = malloc(1000);
  OVR_CHECK(malloc_usable_size(p) >= 1000 && malloc_usable_size(p) == ovr::usable_size(p));
  free(p);

  std::ostringstream out;  // its buffer grows inside libstdc++.so
  for (int i = 0; i < 5000; i++) out << i << ',';
  const std::string text = out.str();
  OVR_CHECK(text.size() > 20000);
  OVR_CHECKF(ovr::usable_size(text.data()) >= text.size(),
             "a string built by libstdc++ is not a tessera block");

  const ts_process_info_t before = ovr::process_info();
  const ts_stats_t stats_before = ovr::stats();
  ThreadData data[2];
  std::thread t0(build, 0, &data[0]);
  std::thread t1(build, 1, &data[1]);
  t0.join();
  t1.join();
  const ts_process_info_t during = ovr::process_info();
  const ts_stats_t stats_during = ovr::stats();
  check(0, data[0]);
  check(1, data[1]);
  OVR_CHECK(ovr::usable_size(data[0].strings[0].data()) >= kStringLength);
  OVR_CHECK(ovr::usable_size(data[1].strings.data()) >= kStringsPerThread * sizeof(std::string));

  const size_t grew = during.committed - before.committed;
  ovr::note("containers: committed %zu MiB before, %zu MiB with 50 MB of strings (+%zu MiB)",
            before.committed >> 20, during.committed >> 20, grew >> 20);
  OVR_CHECKF(during.committed >= before.committed + ((size_t)45 << 20),
             "committed memory grew by %zu MiB only: the strings were not allocated by tessera",
             grew >> 20);
  OVR_CHECK(during.reserved >= during.committed);

  // tessera's own statistics saw every string libstdc++ allocated: one block per string (1000
  // characters and the NUL), and their bytes.
  const size_t bin = bin_of_malloc(kStringLength + 1);
  const uint64_t strings = stats_during.bins[bin].allocations - stats_before.bins[bin].allocations;
  const size_t bytes = stats_during.total.bytes_in_use - stats_before.total.bytes_in_use;
  ovr::note("containers: %llu allocations of %zu-byte blocks, %zu MiB more in use",
            (unsigned long long)strings, stats_during.bins[bin].block_size, bytes >> 20);
  OVR_CHECKF(strings >= 2 * kStringsPerThread,
             "tessera counted %llu allocations of %zu-byte blocks for %zu strings",
             (unsigned long long)strings, stats_during.bins[bin].block_size, 2 * kStringsPerThread);
  OVR_CHECKF(bytes >= 2 * kStringsPerThread * kStringLength,
             "tessera counted %zu bytes more in use for 50 MB of strings", bytes);
  return 0;
}
