// Alignment helpers and the stack-buffer message formatter.
#include "base/bits.h"
#include "base/message.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera {
namespace {

TEST(Bits, AlignUpAndPowerOfTwo) {
  EXPECT_EQ(align_up(0, 16), 0u);
  EXPECT_EQ(align_up(1, 16), 16u);
  EXPECT_EQ(align_up(4097, 4096), 8192u);
  EXPECT_TRUE(is_power_of_two(1));
  EXPECT_TRUE(is_power_of_two((size_t)1 << 40));
  EXPECT_FALSE(is_power_of_two(0));
  EXPECT_FALSE(is_power_of_two(24));
  EXPECT_EQ(floor_log2(1), 0u);
  EXPECT_EQ(floor_log2(4095), 11u);
}

TEST(Bits, DivisibilityMagicForOddAndEvenDivisors) {
  for (uint32_t d : {3u, 16u, 48u, 7680u, 131072u}) {
    uint64_t m = divisibility_magic(d);
    for (uint32_t n = 0; n < 600000; n += 7) ASSERT_EQ(is_divisible(n, m), n % d == 0) << d;
  }
}

TEST(Message, FormatsTextNumbersAndPointers) {
  Message m;
  m.text("tessera: error: ").num(0).text(" ").num(1234567890123ull).text(" ").hex(0xdeadbeef);
  EXPECT_EQ(std::string(m.data(), m.size()), "tessera: error: 0 1234567890123 0xdeadbeef");
}

TEST(Message, TruncatesInsteadOfOverflowing) {
  Message m;
  for (int i = 0; i < 100; i++) m.text("0123456789");
  EXPECT_EQ(m.size(), 256u);
}

}  // namespace
}  // namespace tessera
