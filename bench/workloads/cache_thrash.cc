// cache-thrash — active false sharing (after Hoard's cache-thrash): each thread repeatedly
// allocates a small object, writes it many times and frees it. An allocator that hands
// neighbouring bytes of one cache line to different threads makes their writes fight over it.
#include <vector>

#include "false_sharing.h"
#include "workload.h"

namespace {
constexpr const char* kName = "cache-thrash";
constexpr std::size_t kObjectSize = 8;
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t iterations = bench::scaled(o, 50000, 200);
  const std::size_t writes = o.quick ? 100 : 2000;
  std::vector<unsigned long long> sums(o.threads);
  bench::run_threads(o.threads, [&](int t) {
    sums[t] = bench::write_own_objects(kName, kObjectSize, iterations, writes, t);
  });
  unsigned long long total = 0;
  for (auto s : sums) total += s;
  bench::report(kName, o, {{"objects", iterations * o.threads}, {"checksum", total}});
}
