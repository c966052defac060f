// Requests that overflow, or that no OS would grant, fail with NULL and ENOMEM; blocks involved in
// a failed resize stay valid, and the allocator keeps working afterwards.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

// Sizes no object can have: near SIZE_MAX, where adding a header, alignment padding or page
// rounding wraps around, and around PTRDIFF_MAX. opaque() keeps the compiler from rejecting the
// literal calls.
const size_t kImpossibleSizes[] = {SIZE_MAX, SIZE_MAX - 4095, size_t{PTRDIFF_MAX} + 1,
                                   size_t{PTRDIFF_MAX} - 15};
// Products that overflow, some wrapping around to small sizes that would succeed.
const std::pair<size_t, size_t> kOverflowingProducts[] = {{SIZE_MAX / 2, 3},
                                                          {3, SIZE_MAX / 2},
                                                          {size_t{1} << 33, size_t{1} << 33},
                                                          {SIZE_MAX / 16 + 2, 16},
                                                          {SIZE_MAX, SIZE_MAX}};
// Representable, but more than this machine has: 64 TiB.
constexpr size_t kTooBigForTheOs = size_t{1} << 46;

// With overcommit_memory=1 the kernel grants any mapping, so "too big for the OS" does not exist.
bool kernel_refuses_huge_mappings() {
  std::ifstream f("/proc/sys/vm/overcommit_memory");
  int mode = 0;
  return !(f >> mode) || mode != 1;
}

::testing::AssertionResult fails_with_enomem(void* (*alloc)(size_t), size_t size) {
  errno = 0;
  void* p = alloc(opaque(size));
  const int err = errno;
  if (p == nullptr && err == ENOMEM) return ::testing::AssertionSuccess();
  ts_free(p);
  return ::testing::AssertionFailure() << "size " << size << " gave " << p << ", errno " << err;
}

void* malloc_fn(size_t n) { return ts_malloc(n); }
void* zalloc_fn(size_t n) { return ts_zalloc(n); }

// The allocator still serves and frees blocks of every tier after a failure.
void expect_still_working() {
  for (size_t n : {size_t{16}, size_t{1000}, 100 * kKiB, 5 * kMiB}) {
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr) << "size " << n << " after a failed request";
    fill_sparse(p, n, pattern_seed(p, n));
    EXPECT_TRUE(HasSparsePattern(p, n, pattern_seed(p, n)));
    ts_free(p);
  }
}

TEST(ApiOutOfMemory, MallocOfImpossibleSize) {
  for (size_t size : kImpossibleSizes) {
    EXPECT_TRUE(fails_with_enomem(malloc_fn, size));
    EXPECT_TRUE(fails_with_enomem(zalloc_fn, size));
  }
  expect_still_working();
}

TEST(ApiOutOfMemory, MallocOfMoreThanTheOsGives) {
  if (!kernel_refuses_huge_mappings()) GTEST_SKIP() << "vm.overcommit_memory=1 grants any mapping";
  EXPECT_TRUE(fails_with_enomem(malloc_fn, kTooBigForTheOs));
  EXPECT_TRUE(fails_with_enomem(zalloc_fn, kTooBigForTheOs));
  expect_still_working();
  // A second time, after the allocator may have cached state from the first failure.
  EXPECT_TRUE(fails_with_enomem(malloc_fn, kTooBigForTheOs));
  expect_still_working();
}

TEST(ApiOutOfMemory, CallocProductOverflow) {
  for (auto [count, size] : kOverflowingProducts) {
    errno = 0;
    void* p = ts_calloc(opaque(count), opaque(size));
    EXPECT_EQ(p, nullptr) << count << " x " << size;
    EXPECT_EQ(errno, ENOMEM) << count << " x " << size;
    ts_free(p);
  }
  expect_still_working();
}

TEST(ApiOutOfMemory, AlignedAllocationOfImpossibleSize) {
  for (size_t size : kImpossibleSizes) {
    for (size_t alignment : {size_t{16}, size_t{4096}, size_t{1} << 21}) {
      const auto expect_enomem = [&](void* p, const char* fn) {
        EXPECT_EQ(p, nullptr) << fn << "(size " << size << ", alignment " << alignment << ")";
        EXPECT_EQ(errno, ENOMEM) << fn << "(size " << size << ", alignment " << alignment << ")";
        ts_free(p);
        errno = 0;
      };
      errno = 0;
      expect_enomem(ts_malloc_aligned(opaque(size), alignment), "ts_malloc_aligned");
      expect_enomem(ts_zalloc_aligned(opaque(size), alignment), "ts_zalloc_aligned");
      expect_enomem(ts_aligned_alloc(alignment, opaque(size)), "ts_aligned_alloc");
      expect_enomem(ts_memalign(alignment, opaque(size)), "ts_memalign");
      expect_enomem(ts_realloc_aligned(nullptr, opaque(size), alignment), "ts_realloc_aligned");
      int sentinel = 0;
      void* p = &sentinel;
      EXPECT_EQ(ts_posix_memalign(&p, alignment, opaque(size)), ENOMEM) << "size " << size;
      EXPECT_EQ(p, &sentinel) << "ts_posix_memalign wrote *p on failure";
    }
    errno = 0;
    EXPECT_EQ(ts_valloc(opaque(size)), nullptr) << "size " << size;
    EXPECT_EQ(errno, ENOMEM);
    errno = 0;
    EXPECT_EQ(ts_pvalloc(opaque(size)), nullptr) << "size " << size;
    EXPECT_EQ(errno, ENOMEM);
  }
  expect_still_working();
}

// A failed resize must leave the block where it was, with its size and contents.
class ApiFailedResize : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    block_ = ts_malloc(GetParam());
    ASSERT_NE(block_, nullptr);
    usable_ = ts_usable_size(block_);
    fill_block(block_, GetParam());
  }
  void TearDown() override { ts_free(block_); }
  void ExpectUnchanged(void* result, const std::string& call) {
    EXPECT_EQ(result, nullptr) << call;
    EXPECT_EQ(errno, ENOMEM) << call;
    if (result != nullptr) {  // the resize wrongly happened: the block is now `result`
      block_ = result;
      return;
    }
    EXPECT_EQ(ts_usable_size(block_), usable_) << call;
    EXPECT_TRUE(BlockIntact(block_, GetParam())) << call;
  }
  void* block_ = nullptr;
  size_t usable_ = 0;
};

TEST_P(ApiFailedResize, ReallocKeepsBlock) {
  for (size_t size : kImpossibleSizes) {
    errno = 0;
    ExpectUnchanged(ts_realloc(block_, opaque(size)), "ts_realloc to " + std::to_string(size));
  }
  if (kernel_refuses_huge_mappings()) {
    errno = 0;
    ExpectUnchanged(ts_realloc(block_, opaque(kTooBigForTheOs)), "ts_realloc to 64 TiB");
  }
}

TEST_P(ApiFailedResize, ReallocarrayOverflowKeepsBlock) {
  for (auto [count, size] : kOverflowingProducts) {
    errno = 0;
    ExpectUnchanged(ts_reallocarray(block_, opaque(count), opaque(size)),
                    "ts_reallocarray " + std::to_string(count) + " x " + std::to_string(size));
  }
}

TEST_P(ApiFailedResize, ReallocAlignedKeepsBlock) {
  for (size_t size : kImpossibleSizes) {
    errno = 0;
    ExpectUnchanged(ts_realloc_aligned(block_, opaque(size), 64),
                    "ts_realloc_aligned to " + std::to_string(size));
  }
}

TEST_P(ApiFailedResize, ExpandKeepsBlock) {
  for (size_t size : kImpossibleSizes) {
    EXPECT_EQ(ts_expand(block_, opaque(size)), nullptr) << "size " << size;
    EXPECT_EQ(ts_usable_size(block_), usable_);
    EXPECT_TRUE(BlockIntact(block_, GetParam()));
  }
}

// Small, large and huge blocks.
INSTANTIATE_TEST_SUITE_P(Tessera, ApiFailedResize,
                         ::testing::Values(size_t{100}, 100 * kKiB, 8 * kMiB));

}  // namespace
