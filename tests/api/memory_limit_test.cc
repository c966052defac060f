// limit_os_memory: past the cap, allocations fail with NULL and ENOMEM, blocks already handed
// out are untouched, and after freeing the allocator works again, for blocks in segments and
// for huge blocks (whose freed mappings tessera gives back to make room).
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cerrno>
#include <vector>

#include "support/block_pattern.h"
#include "support/filled_blocks.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

size_t reserved_now() {
  ts_stats_t s;
  s.size = sizeof s;
  ts_stats_get(&s);
  return s.reserved;
}

// Sets the cap `headroom` bytes above what tessera holds now; lifted again at the end.
struct Limit {
  explicit Limit(size_t headroom) {
    ts_collect(true);
    limit = reserved_now() + headroom;
    ts_option_set(ts_option_limit_os_memory, (long)limit);
  }
  ~Limit() { ts_option_set(ts_option_limit_os_memory, 0); }
  size_t limit;
};

// Allocates blocks of `size` until the cap refuses one; returns them.
std::vector<void*> fill_until_refused(size_t size, size_t max_blocks) {
  std::vector<void*> blocks;
  for (size_t i = 0; i < max_blocks; i++) {
    errno = 0;
    void* p = ts_malloc(size);
    if (p == nullptr) {
      EXPECT_EQ(errno, ENOMEM);
      return blocks;
    }
    fill_block(p, size);
    blocks.push_back(p);
  }
  ADD_FAILURE() << "the cap never refused a block of " << size << " bytes";
  return blocks;
}

TEST(ApiMemoryLimit, LargeBlocksFailAtTheCapAndRecover) {
  constexpr size_t kSize = 1 * kMiB;
  Limit cap(96 * kMiB);
  std::vector<void*> blocks = fill_until_refused(kSize, 1000);
  EXPECT_GE(blocks.size(), 40u);
  EXPECT_LE(reserved_now(), cap.limit);
  EXPECT_EQ(ts_malloc(kSize), nullptr) << "still refused while the memory is in use";
  const size_t count = blocks.size();
  free_checked(blocks, kSize);
  // The freed spans serve the same requests again without more memory.
  std::vector<void*> again = fill_until_refused(kSize, count + 1000);
  EXPECT_EQ(again.size(), count);
  free_checked(again, kSize);
}

TEST(ApiMemoryLimit, SmallBlocksFailAtTheCapAndRecover) {
  constexpr size_t kSize = 4096;
  Limit cap(64 * kMiB);
  std::vector<void*> blocks = fill_until_refused(kSize, 100000);
  EXPECT_GE(blocks.size(), 1000u);
  EXPECT_LE(reserved_now(), cap.limit);
  free_checked(blocks, kSize);
  void* p = ts_malloc(kSize);
  EXPECT_NE(p, nullptr);
  ts_free(p);
}

TEST(ApiMemoryLimit, HugeBlocksMakeRoomFromTheirCache) {
  Limit cap(100 * kMiB);
  void* a = ts_malloc(48 * kMiB);
  ASSERT_NE(a, nullptr);
  fill_sparse(a, 48 * kMiB, 1);
  errno = 0;
  EXPECT_EQ(ts_malloc(60 * kMiB), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  ts_free(a);  // kept in the huge-block cache, still mapped
  // A size the cached block cannot serve: the cache must give its mapping back first.
  void* b = ts_malloc(80 * kMiB);
  ASSERT_NE(b, nullptr);
  fill_sparse(b, 80 * kMiB, 2);
  EXPECT_LE(reserved_now(), cap.limit);
  EXPECT_TRUE(HasSparsePattern(b, 80 * kMiB, 2));
  ts_free(b);
}

TEST(ApiMemoryLimit, NoCapMeansNoRefusal) {
  ts_option_set(ts_option_limit_os_memory, 0);
  void* p = ts_malloc(256 * kMiB);
  EXPECT_NE(p, nullptr);
  ts_free(p);
}

}  // namespace
