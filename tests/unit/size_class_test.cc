// The size-class table: monotone, 16-aligned, tight (every size gets the smallest class that
// fits) and spaced at most 12.5% apart; every 16 bytes up to 1 KiB in padding builds.
#include "config/size_classes.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(SizeClass, BlockSizesAreMonotoneAnd16Aligned) {
  for (unsigned c = 1; c < kClassCount; c++) {
    EXPECT_EQ(kSizeClasses.block_size[c] % 16, 0u) << "class " << c;
    if (c > 1) {
      EXPECT_GT(kSizeClasses.block_size[c], kSizeClasses.block_size[c - 1]);
    }
  }
  EXPECT_EQ(kSizeClasses.block_size[kClassCount - 1], kMediumBlockMax);
}

TEST(SizeClass, MultiplesOf16UpToTheFineLimit) {
  EXPECT_GE(kFineClassMax, 128u);
  for (unsigned c = 1; c <= kFineClasses; c++) EXPECT_EQ(kSizeClasses.block_size[c], c * 16);
  EXPECT_EQ(kSizeClasses.block_size[kFineClasses], kFineClassMax);
}

// Padding builds take a block for n + 17 bytes (16-byte header, at least one canary byte) and
// fill the rest with the canary.
size_t padded_canary(size_t n) {
  return kSizeClasses.block_size[size_class_of(n + kHeaderBytes + 1)] - kHeaderBytes - n;
}

// Up to 1007 bytes the canary fits one 16-byte chunk.
TEST(SizeClass, PaddingBuildsKeepCanariesWithinOneChunk) {
  if (!kPadding) GTEST_SKIP() << "release classes are 12.5% apart from 128 bytes";
  for (size_t n = 1; n + 17 <= 1024; n++) {
    ASSERT_GE(padded_canary(n), 1u) << "size " << n;
    ASSERT_LE(padded_canary(n), 16u) << "size " << n;
  }
}

// Up to 8 KiB a request of a release class's size (1024, 1152, ..., 4096, 8192) gets a canary of
// 16 bytes, and no request gets more than its release slack plus 31 bytes.
TEST(SizeClass, PaddingBuildsGiveReleaseSizesShortCanaries) {
  if (!kPadding) GTEST_SKIP() << "only padding builds have canaries";
  for (size_t b = 1024; b <= 8192; b *= 2)
    for (size_t n = b; n <= 2 * b && n <= 8192; n += b / 8) EXPECT_EQ(padded_canary(n), 16u) << n;
  for (size_t n = 1008; n <= 8192; n++) {
    size_t step = (size_t{1} << floor_log2(n - 1)) / 8;  // release classes, 12.5% apart
    size_t release_class = n <= 1024 ? 1024 : ((n - 1) | (step - 1)) + 1;
    ASSERT_LE(padded_canary(n), release_class - n + 31) << "size " << n;
  }
}

TEST(SizeClass, EverySizeMapsToTheSmallestClassThatFits) {
  for (size_t size = 1; size <= kMediumBlockMax; size++) {
    unsigned c = size_class_of(size);
    ASSERT_GE(c, 1u);
    ASSERT_LT(c, kClassCount);
    ASSERT_GE(kSizeClasses.block_size[c], size) << "size " << size;
    if (c > 1) {
      ASSERT_LT(kSizeClasses.block_size[c - 1], size) << "size " << size;
    }
  }
  EXPECT_EQ(size_class_of(0), 1u);  // malloc(0) gets the smallest block
}

// Below 128 bytes the 16-byte step is the finest a 16-aligned class can have; from 128 up a
// step of 16 is already 12.5%, and the rule holds (finer still up to 1 KiB in padding builds).
TEST(SizeClass, SpacingAtMostOneEighthFrom128Bytes) {
  for (unsigned c = 2; c < kClassCount; c++) {
    size_t prev = kSizeClasses.block_size[c - 1], cur = kSizeClasses.block_size[c];
    if (prev < 128) continue;
    EXPECT_LE((cur - prev) * 8, prev) << "classes " << prev << " -> " << cur;
  }
}

TEST(SizeClass, DirectTableAgreesWithSizeClassOf) {
  for (size_t w = 0; w < kSizeClasses.direct.size(); w++) {
    for (size_t size = w == 0 ? 0 : w * 16 - 15; size <= w * 16; size++)
      EXPECT_EQ(kSizeClasses.direct[w], size_class_of(size)) << "size " << size;
  }
}

TEST(SizeClass, MagicDivisibilityMatchesModulo) {
  for (unsigned c = 1; c < kClassCount; c++) {
    uint32_t bs = kSizeClasses.block_size[c];
    for (uint32_t off = 0; off < 8 * kSliceSize; off += 16)
      ASSERT_EQ(is_divisible(off, kSizeClasses.magic[c]), off % bs == 0) << bs << " " << off;
  }
}

TEST(SizeClass, EveryClassFitsAtLeastFourBlocksPerPage) {
  for (unsigned c = 1; c < kClassCount; c++) {
    size_t bs = kSizeClasses.block_size[c];
    EXPECT_GE(page_slices_for(bs) * kSliceSize / bs, 4u) << "class " << bs;
  }
}

}  // namespace
}  // namespace tessera
