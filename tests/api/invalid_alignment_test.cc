// Alignments that are not powers of two are refused with EINVAL rather than rounded, and
// ts_posix_memalign also refuses alignments below sizeof(void*), as POSIX says.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cerrno>
#include <string>

#include "support/block_pattern.h"

namespace {

using namespace tessera_test;

const size_t kNotPowersOfTwo[] = {0, 3, 24, 48, 1000, (size_t{1} << 20) + 16};

struct AlignedAllocator {
  const char* name;
  void* (*alloc)(size_t size, size_t alignment);
};

const AlignedAllocator kAlignedAllocators[] = {
    {"MallocAligned", [](size_t n, size_t a) { return ts_malloc_aligned(n, a); }},
    {"ZallocAligned", [](size_t n, size_t a) { return ts_zalloc_aligned(n, a); }},
    {"ReallocAlignedFromNull",
     [](size_t n, size_t a) { return ts_realloc_aligned(nullptr, n, a); }},
    {"AlignedAlloc", [](size_t n, size_t a) { return ts_aligned_alloc(a, n); }},
    {"Memalign", [](size_t n, size_t a) { return ts_memalign(a, n); }},
};

class ApiInvalidAlignment : public ::testing::TestWithParam<AlignedAllocator> {};

TEST_P(ApiInvalidAlignment, ReturnsNullWithEinval) {
  for (size_t alignment : kNotPowersOfTwo) {
    for (size_t size : {size_t{1}, size_t{64}, size_t{100000}}) {
      errno = 0;
      void* p = GetParam().alloc(size, alignment);
      EXPECT_EQ(p, nullptr) << "alignment " << alignment << ", size " << size;
      EXPECT_EQ(errno, EINVAL) << "alignment " << alignment << ", size " << size;
      ts_free(p);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tessera, ApiInvalidAlignment, ::testing::ValuesIn(kAlignedAllocators),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ApiPosixMemalign, RejectsBadAlignmentWithoutTouchingResult) {
  int sentinel = 0;
  for (size_t alignment : kNotPowersOfTwo) {
    void* p = &sentinel;
    EXPECT_EQ(ts_posix_memalign(&p, alignment, 64), EINVAL) << "alignment " << alignment;
    EXPECT_EQ(p, &sentinel) << "alignment " << alignment;
  }
  for (size_t alignment = 1; alignment < sizeof(void*);
       alignment *= 2) {  // powers of two, too small
    void* p = &sentinel;
    EXPECT_EQ(ts_posix_memalign(&p, alignment, 64), EINVAL) << "alignment " << alignment;
    EXPECT_EQ(p, &sentinel) << "alignment " << alignment;
  }
}

// A refused resize leaves the block as it was.
TEST(ApiReallocAligned, BadAlignmentKeepsBlock) {
  void* p = ts_malloc_aligned(200, 64);
  ASSERT_NE(p, nullptr);
  fill_block(p, 200);
  for (size_t alignment : kNotPowersOfTwo) {
    errno = 0;
    EXPECT_EQ(ts_realloc_aligned(p, 5000, alignment), nullptr) << "alignment " << alignment;
    EXPECT_EQ(errno, EINVAL) << "alignment " << alignment;
    ASSERT_TRUE(BlockIntact(p, 200)) << "alignment " << alignment;
  }
  ts_free(p);
}

}  // namespace
