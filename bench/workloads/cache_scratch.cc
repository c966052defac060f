// cache-scratch — passive false sharing (after Hoard's cache-scratch): the main thread
// allocates one small object per thread and hands it over; each thread frees it, then
// repeatedly allocates an object of the same size, writes it many times and frees it. An
// allocator that gives the freed object's cache line to another thread makes the threads'
// writes fight over one line.
#include <vector>

#include "false_sharing.h"
#include "workload.h"

namespace {
constexpr const char* kName = "cache-scratch";
constexpr std::size_t kObjectSize = 8;
}  // namespace

int main(int argc, char** argv) {
  bench::Options o = bench::parse_options(kName, argc, argv);
  const std::size_t iterations = bench::scaled(o, 50000, 200);
  const std::size_t writes = o.quick ? 100 : 2000;
  std::vector<void*> handed(o.threads);
  for (int t = 0; t < o.threads; t++)
    handed[t] = bench::stamped_malloc(kName, kObjectSize, 1 + t);
  std::vector<unsigned long long> sums(o.threads);
  bench::run_threads(o.threads, [&](int t) {
    bench::checked_free(kName, handed[t], kObjectSize, 1 + t);
    sums[t] = bench::write_own_objects(kName, kObjectSize, iterations, writes, t);
  });
  unsigned long long total = 0;
  for (auto s : sums) total += s;
  bench::report(kName, o, {{"objects", iterations * o.threads}, {"checksum", total}});
}
