// Arenas (ts_arena_*): reserved address space that heaps created in it take all their memory
// from; exclusive arenas that fill up; 2 MiB hugetlb pages for real when the machine can give
// them (root can reserve a few through /proc/sys/vm/nr_hugepages), and the fallback when not.
#include <gtest/gtest.h>
#include <tessera/tessera.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

bool inside(const ts_arena_info_t& arena, const void* p, size_t n) {
  auto a = (uintptr_t)p, start = (uintptr_t)arena.start;
  return a >= start && a + n <= start + arena.size;
}

ts_arena_info_t info_of(ts_arena_id_t id) {
  ts_arena_info_t info{};
  EXPECT_TRUE(ts_arena_info(id, &info));
  return info;
}

// Allocates blocks of `size` from heap until it returns NULL; checks every block lies in the
// arena and keeps its contents. Returns the blocks.
std::vector<void*> fill_arena(ts_heap_t* heap, const ts_arena_info_t& arena, size_t size) {
  std::vector<void*> blocks;
  for (;;) {
    errno = 0;
    void* p = ts_heap_malloc(heap, size);
    if (p == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
      break;
    }
    EXPECT_TRUE(inside(arena, p, size)) << p;
    fill_sparse(p, size, pattern_seed(p, size));
    blocks.push_back(p);
    if (blocks.size() * size > 4 * arena.size) {
      ADD_FAILURE() << "the heap took more than its arena holds";
      break;
    }
  }
  for (void* p : blocks) EXPECT_EQ(sparse_mismatch(p, size, pattern_seed(p, size)), size);
  return blocks;
}

// A heap in the arena callocs n bytes (reusing what earlier heaps left): all must read zero.
void expect_calloc_zeroes(ts_arena_id_t id, size_t n) {
  ts_heap_t* heap = ts_heap_new_in_arena(id);
  ASSERT_NE(heap, nullptr);
  auto* z = static_cast<unsigned char*>(ts_heap_calloc(heap, 1, n));
  ASSERT_NE(z, nullptr);
  size_t nonzero = 0;
  for (size_t i = 0; i < n; i++) nonzero += z[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  ts_heap_destroy(heap);
}

TEST(Arena, ExclusiveArenaHeapStaysInsideAndFailsWhenFull) {
  ts_arena_id_t id = -1;
  ASSERT_GE(ts_arena_reserve(64 << 20, TS_ARENA_EXCLUSIVE, &id), TS_PAGES_NORMAL);
  ts_arena_info_t arena = info_of(id);
  EXPECT_EQ(arena.size, size_t{64} << 20);
  EXPECT_TRUE(arena.exclusive);
  EXPECT_EQ(arena.in_use, 0u);
  ts_heap_t* heap = ts_heap_new_in_arena(id);
  ASSERT_NE(heap, nullptr);
  // Every tier: small blocks, then large, then huge ones, until the arena is full.
  std::vector<void*> small = fill_arena(heap, arena, 4000);
  EXPECT_EQ(info_of(id).in_use, arena.size);
  for (void* p : small) ts_free(p);
  ts_heap_collect(heap, true);
  EXPECT_EQ(info_of(id).in_use, 0u);
  std::vector<void*> large = fill_arena(heap, arena, 3 << 20);
  EXPECT_GE(large.size(), 10u);
  for (void* p : large) ts_free(p);
  ts_heap_collect(heap, true);
  std::vector<void*> huge = fill_arena(heap, arena, 20 << 20);
  EXPECT_EQ(huge.size(), 2u);  // a huge block takes whole 32 MiB segments
  for (void* p : huge) ts_free(p);
  EXPECT_EQ(info_of(id).in_use, 0u);
  // Other heaps never take the exclusive arena's memory.
  ts_heap_t* other = ts_heap_new();
  void* q = ts_heap_malloc(other, 100);
  EXPECT_FALSE(inside(arena, q, 100));
  ts_free(q);
  ts_heap_destroy(other);
  ts_heap_destroy(heap);
}

TEST(Arena, DestroyingAnArenaHeapGivesItsSegmentsBack) {
  ts_arena_id_t id;
  ASSERT_GE(ts_arena_reserve(96 << 20, TS_ARENA_EXCLUSIVE | TS_ARENA_COMMIT, &id), 0);
  ts_arena_info_t arena = info_of(id);
  for (int round = 0; round < 3; round++) {
    ts_heap_t* heap = ts_heap_new_in_arena(id);
    ASSERT_NE(heap, nullptr);
    std::vector<void*> blocks = fill_arena(heap, arena, 100000);
    EXPECT_EQ(info_of(id).in_use, arena.size);
    ts_heap_destroy(heap);
    EXPECT_EQ(info_of(id).in_use, 0u);
  }
  // Reused arena memory is not assumed zero: calloc still clears it.
  expect_calloc_zeroes(id, 300000);
}

TEST(Arena, SharedArenaServesNewHeapsFirst) {
  ts_arena_id_t id;
  ASSERT_GE(ts_arena_reserve(64 << 20, 0, &id), 0);
  ts_arena_info_t arena = info_of(id);
  EXPECT_FALSE(arena.exclusive);
  ts_heap_t* heap = ts_heap_new();  // a plain heap: takes its first segment from the arena
  void* p = ts_heap_malloc(heap, 1000);
  EXPECT_TRUE(inside(arena, p, 1000));
  ts_heap_destroy(heap);
}

TEST(Arena, BadArgumentsAreRefused) {
  ts_arena_id_t id = 12345;
  EXPECT_EQ(ts_arena_reserve(0, 0, &id), -EINVAL);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(ts_arena_reserve(1 << 20, 1 << 10, &id), -EINVAL);
  EXPECT_EQ(ts_arena_reserve(size_t{1} << 50, 0, &id), -EINVAL);
  EXPECT_EQ(id, 12345);
  errno = 0;
  EXPECT_EQ(ts_heap_new_in_arena(9999), nullptr);
  EXPECT_EQ(errno, EINVAL);
  ts_arena_info_t info;
  EXPECT_FALSE(ts_arena_info(0, &info));
  EXPECT_EQ(ts_arena_reserve_huge_pages(0, 0, &id), -EINVAL);
}

// ---- Large and huge OS pages --------------------------------------------------------------

size_t meminfo(const std::string& key) {
  std::ifstream f("/proc/meminfo");
  std::string k;
  size_t v = 0;
  while (f >> k >> v) {
    if (k == key + ":") return v;
    f.ignore(256, '\n');
  }
  return 0;
}

// Sets nr_hugepages for the test's duration when the process may (root, writable /proc).
class HugetlbPool {
 public:
  explicit HugetlbPool(size_t pages) {
    std::ifstream in("/proc/sys/vm/nr_hugepages");
    if (!(in >> before_)) return;
    std::ofstream out("/proc/sys/vm/nr_hugepages");
    if (!(out << pages << std::flush)) return;
    out.close();
    ok_ = meminfo("HugePages_Total") == pages;
  }
  ~HugetlbPool() {
    std::ofstream out("/proc/sys/vm/nr_hugepages");
    out << before_;
  }
  bool ok() const { return ok_; }

 private:
  size_t before_ = 0;
  bool ok_ = false;
};

TEST(Arena, LargePagesWhenTheOsHasThem) {
  HugetlbPool pool(meminfo("HugePages_Total") + 16);
  if (!pool.ok()) GTEST_SKIP() << "cannot reserve 2 MiB pages here (needs root)";
  const size_t free_before = meminfo("HugePages_Free");
  ASSERT_GE(free_before, 16u);
  ts_arena_id_t id;
  ASSERT_EQ(ts_arena_reserve(32 << 20, TS_ARENA_LARGE_PAGES | TS_ARENA_EXCLUSIVE, &id),
            TS_PAGES_LARGE);
  EXPECT_EQ(info_of(id).pages, TS_PAGES_LARGE);
  ts_heap_t* heap = ts_heap_new_in_arena(id);
  ASSERT_NE(heap, nullptr);
  std::vector<void*> blocks = fill_arena(heap, info_of(id), 5000);
  EXPECT_GT(blocks.size(), 5000u);
  // The arena's memory really is hugetlb memory: the pool's free pages went down.
  EXPECT_LE(meminfo("HugePages_Free"), free_before - 15);
  ts_heap_destroy(heap);
  // Pinned memory is reused without purging, and calloc still sees zeros.
  expect_calloc_zeroes(id, 1000000);
}

TEST(Arena, LargePagesFallBackAndSaySo) {
  HugetlbPool pool(0);
  if (!pool.ok() && meminfo("HugePages_Free") >= 16) GTEST_SKIP() << "hugetlb pages present";
  ts_arena_id_t id;
  int got = ts_arena_reserve(32 << 20, TS_ARENA_LARGE_PAGES, &id);
  ASSERT_GE(got, 0);
  EXPECT_LT(got, TS_PAGES_LARGE);  // transparent huge pages or normal ones
  EXPECT_EQ(info_of(id).pages, got);
  ts_heap_t* heap = ts_heap_new_in_arena(id);
  void* p = ts_heap_malloc(heap, 100);
  EXPECT_TRUE(inside(info_of(id), p, 100));
  ts_heap_destroy(heap);
}

TEST(Arena, OneGibPagesOrTheFallback) {
  ts_arena_id_t id;
  int got = ts_arena_reserve_huge_pages(1, 200, &id);
  ASSERT_GE(got, 0);
  ts_arena_info_t arena = info_of(id);
  EXPECT_EQ(arena.size, size_t{1} << 30);
  EXPECT_TRUE(arena.exclusive);
  EXPECT_EQ(arena.pages, got);
  if (access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK) != 0) {
    EXPECT_LT(got, TS_PAGES_HUGE);  // this machine has no 1 GiB pages
  }
  ts_heap_t* heap = ts_heap_new_in_arena(id);
  void* p = ts_heap_malloc(heap, 1 << 20);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(inside(arena, p, 1 << 20));
  ts_heap_destroy(heap);
}

// ---- Arenas from the options -----------------------------------------------------------------

// The child process of the tests below (TESSERA_TEST_ARENA_CHILD=1), before any test runs:
// allocates one small and one large block and says whether they lie in arena 1, which only
// the options can have made this early.
const bool g_arena_child_done = [] {
  if (getenv("TESSERA_TEST_ARENA_CHILD") == nullptr) return false;
  if (getenv("TESSERA_TEST_ARENA_CHILD_CHURN") != nullptr) {  // leaves 64 MiB free at exit
    std::vector<void*> blocks;
    for (int i = 0; i < 64; i++) blocks.push_back(ts_malloc(1 << 20));
    for (void* b : blocks) memset(b, 1, 1 << 20);
    for (void* b : blocks) ts_free(b);
  }
  void* small = ts_malloc(100);
  void* large = ts_malloc(1 << 20);
  ts_arena_info_t info{};
  const bool exists = ts_arena_info(1, &info);
  printf("arena=%d pages=%d size=%zu exclusive=%d inside=%d\n", exists ? 1 : 0, info.pages,
         info.size, info.exclusive ? 1 : 0,
         exists && inside(info, small, 100) && inside(info, large, 1 << 20) ? 1 : 0);
  fflush(stdout);
  exit(0);
}();

std::string run_child(const std::string& env) {
  std::string cmd = "env TESSERA_TEST_ARENA_CHILD=1 " + env + " /proc/" +
                    std::to_string(getpid()) + "/exe 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char line[512];
  while (fgets(line, sizeof line, p) != nullptr) out += line;
  EXPECT_EQ(pclose(p), 0) << out;
  return out;
}

TEST(ArenaOptions, ReserveOsMemoryServesEveryHeapFromTheStart) {
  std::string out = run_child("TESSERA_RESERVE_OS_MEMORY=64M TESSERA_EAGER_COMMIT=1 TESSERA_VERBOSE=1");
  EXPECT_NE(out.find("arena=1 pages=0 size=67108864 exclusive=0 inside=1"), std::string::npos) << out;
  EXPECT_NE(out.find("tessera: arena 1: 64 MiB at "), std::string::npos) << out;
}

TEST(ArenaOptions, LargeOsPagesBringArenasOfArenaReserveBytes) {
  HugetlbPool pool(0);  // none: the arena falls back and says so
  std::string out = run_child("TESSERA_LARGE_OS_PAGES=1 TESSERA_ARENA_RESERVE=96M TESSERA_VERBOSE=1");
  EXPECT_NE(out.find("size=100663296 exclusive=0 inside=1"), std::string::npos) << out;
  if (pool.ok()) {
    EXPECT_NE(out.find("(2 MiB pages not available)"), std::string::npos) << out;
  }
}

TEST(ArenaOptions, ReserveHugeOsPagesFallsBackWithoutThem) {
  std::string out = run_child("TESSERA_RESERVE_HUGE_OS_PAGES=1 TESSERA_VERBOSE=1");
  EXPECT_NE(out.find("size=1073741824 exclusive=0 inside=1"), std::string::npos) << out;
  if (access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK) != 0) {
    EXPECT_NE(out.find("(1 GiB pages not available)"), std::string::npos) << out;
  }
}

TEST(ArenaOptions, DestroyOnExitGivesFreeMemoryBack) {
  std::string out = run_child(
      "TESSERA_TEST_ARENA_CHILD_CHURN=1 TESSERA_DESTROY_ON_EXIT=1 TESSERA_VERBOSE=1");
  size_t before = 0, after = 0;
  size_t at = out.find("tessera: at exit: committed ");
  ASSERT_NE(at, std::string::npos) << out;
  ASSERT_EQ(sscanf(out.c_str() + at, "tessera: at exit: committed %zu KiB -> %zu KiB", &before,
                   &after), 2) << out;
  EXPECT_GE(before, 60u << 10);  // the 64 MiB freed just before exit were still held
  EXPECT_LT(after, 8u << 10);
}

}  // namespace
