// The size-class table: monotone, 16-aligned, tight (every size gets the smallest class that
// fits) and spaced at most 12.5% apart.
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

TEST(SizeClass, MultiplesOf16UpTo128) {
  for (unsigned c = 1; c <= 8; c++) EXPECT_EQ(kSizeClasses.block_size[c], c * 16);
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
// step of 16 is already 12.5%, and the rule holds.
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
