// SipHash-2-4 against the test vectors of its paper (key 00 01 .. 0f, message 00 01 .. n-1),
// and the two-word form the secure build's key derivation uses.
#include "base/siphash.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

constexpr SipKey kPaperKey{0x0706050403020100u, 0x0f0e0d0c0b0a0908u};

uint64_t paper_vector(size_t n) {
  uint8_t message[16];
  for (size_t i = 0; i < sizeof message; i++) message[i] = (uint8_t)i;
  return siphash24(kPaperKey, message, n);
}

TEST(SipHash, MatchesThePapersVectors) {
  EXPECT_EQ(paper_vector(0), 0x726fdb47dd0e0e31u);
  EXPECT_EQ(paper_vector(1), 0x74f839c593dc67fdu);
  EXPECT_EQ(paper_vector(8), 0x93f5f5799a932462u);  // one whole word, then the length
  EXPECT_EQ(paper_vector(15), 0xa129ca6149be45e5u);  // the paper's worked example
}

TEST(SipHash, TwoWordsAreTheirSixteenLittleEndianBytes) {
  EXPECT_EQ(paper_vector(16), 0x3f2acc7f57c29bdbu);
  EXPECT_EQ(siphash24(kPaperKey, 0x0706050403020100u, 0x0f0e0d0c0b0a0908u), paper_vector(16));
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
