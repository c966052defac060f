// The inlined canary of padding builds (secure/block_check.h), written and checked 16 bytes at
// a time: for every canary length it handles, it must cover exactly [from, end), find a change
// to any one of its bytes, ignore the user bytes below it, and write nothing outside the block.
#include "secure/block_check.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace tessera {
namespace {

constexpr uint8_t kUserByte = 0x11;
constexpr uint8_t kOutsideByte = 0x22;
constexpr size_t kHeader = 16;   // what padding builds keep before the user bytes
constexpr size_t kMargin = 32;   // bytes around the block that nothing may touch

// A block of a header, one user byte and `canary` bytes, with a margin on each side.
struct PaddedBlock {
  std::vector<uint8_t> bytes;
  uint8_t* start;  // 16-aligned like a block's start, so chunks fall where a block's would
  uint8_t* from;   // the canary's first byte
  uint8_t* end;
  uint8_t* limit;  // the end of the margin after the block

  explicit PaddedBlock(size_t canary) : bytes(16 + kMargin + kHeader + 1 + canary + kMargin) {
    std::fill(bytes.begin(), bytes.end(), kOutsideByte);
    uintptr_t first = (uintptr_t)bytes.data() + kMargin;
    start = bytes.data() + kMargin + ((16 - (first & 15)) & 15);
    from = start + kHeader + 1;
    end = from + canary;
    limit = end + kMargin;
    std::fill(start, from, kUserByte);
  }
};

TEST(Canary, CoversExactlyItsBytesForEveryInlinedLength) {
  for (size_t gap = 1; gap <= kCanaryInlineMax; gap++) {
    PaddedBlock b(gap);
    canary_write_short(b.from, b.end);
    for (uint8_t* q = b.from; q < b.end; q++) ASSERT_EQ(*q, kCanaryByte) << "gap " << gap;
    for (uint8_t* q = b.bytes.data(); q < b.start; q++) ASSERT_EQ(*q, kOutsideByte);
    for (uint8_t* q = b.end; q < b.limit; q++) {
      ASSERT_EQ(*q, kOutsideByte) << "gap " << gap << ": written past the block";
    }
    // What it wrote below `from` stays inside the header and user bytes.
    ASSERT_TRUE(canary_clean_short(b.from, b.end)) << "gap " << gap;
  }
}

TEST(Canary, FindsAChangeToAnyOneOfItsBytes) {
  for (size_t gap = 1; gap <= kCanaryInlineMax; gap++) {
    PaddedBlock b(gap);
    canary_write_short(b.from, b.end);
    for (uint8_t* q = b.from; q < b.end; q++) {
      uint8_t kept = *q;
      *q = (uint8_t)(kept ^ 0x01);
      EXPECT_FALSE(canary_clean_short(b.from, b.end)) << "gap " << gap << ", byte " << q - b.from;
      *q = kept;
    }
    ASSERT_TRUE(canary_clean_short(b.from, b.end));
  }
}

TEST(Canary, IgnoresTheUserBytesAndHeaderBelowIt) {
  for (size_t gap = 1; gap <= kCanaryInlineMax; gap++) {
    PaddedBlock b(gap);
    canary_write_short(b.from, b.end);
    std::fill(b.start, b.from, (uint8_t)0x5A);  // the program and the header wrote theirs
    EXPECT_TRUE(canary_clean_short(b.from, b.end)) << "gap " << gap;
  }
}

}  // namespace
}  // namespace tessera
