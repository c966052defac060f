// SipHash-2-4 against the test vector of its paper for a 16-byte message (key 00 01 .. 0f,
// message 00 01 .. 0f: vector 16 of the reference implementation's table), and every key and
// input bit mattering.
#include "base/siphash.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

constexpr SipKey kPaperKey{0x0706050403020100u, 0x0f0e0d0c0b0a0908u};

TEST(SipHash, MatchesThePapersSixteenByteVector) {
  EXPECT_EQ(siphash24(kPaperKey, 0x0706050403020100u, 0x0f0e0d0c0b0a0908u),
            0x3f2acc7f57c29bdbu);
}

TEST(SipHash, EveryKeyBitAndInputBitChangesTheOutput) {
  uint64_t base = siphash24(kPaperKey, 1, 2);
  for (int bit = 0; bit < 64; bit++) {
    uint64_t m = (uint64_t)1 << bit;
    EXPECT_NE(siphash24({kPaperKey.k0 ^ m, kPaperKey.k1}, 1, 2), base) << "k0 bit " << bit;
    EXPECT_NE(siphash24({kPaperKey.k0, kPaperKey.k1 ^ m}, 1, 2), base) << "k1 bit " << bit;
    EXPECT_NE(siphash24(kPaperKey, 1 ^ m, 2), base) << "a bit " << bit;
    EXPECT_NE(siphash24(kPaperKey, 1, 2 ^ m), base) << "b bit " << bit;
  }
}

}  // namespace
}  // namespace tessera
