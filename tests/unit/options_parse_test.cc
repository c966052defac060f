// The forms the TESSERA_* environment variables accept (config/options.h).
#include <gtest/gtest.h>

#include <climits>

#include "config/options.h"

namespace {

using namespace tessera;

TEST(OptionsParse, Booleans) {
  long v = -1;
  for (const char* s : {"1", "true", "TRUE", "On", "yes", "YES"}) {
    EXPECT_TRUE(parse_bool(s, &v)) << s;
    EXPECT_EQ(v, 1) << s;
  }
  for (const char* s : {"0", "false", "off", "No", "NO"}) {
    EXPECT_TRUE(parse_bool(s, &v)) << s;
    EXPECT_EQ(v, 0) << s;
  }
  for (const char* s : {"", "2", "y", "truee", " 1", "1 ", "enable"}) {
    v = 5;
    EXPECT_FALSE(parse_bool(s, &v)) << s;
    EXPECT_EQ(v, 5) << "an invalid text leaves the value alone: " << s;
  }
}

TEST(OptionsParse, Counts) {
  long v = -1;
  EXPECT_TRUE(parse_count("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parse_count("250", &v));
  EXPECT_EQ(v, 250);
  EXPECT_TRUE(parse_count("9223372036854775807", &v));
  EXPECT_EQ(v, LONG_MAX);
  for (const char* s : {"", "-1", "+1", "1.5", "10ms", "9223372036854775808", "0x10", " 7"})
    EXPECT_FALSE(parse_count(s, &v)) << s;
}

TEST(OptionsParse, Bytes) {
  struct Case {
    const char* text;
    long value;
  };
  const Case valid[] = {{"0", 0},          {"4096", 4096},       {"1K", 1024},
                        {"1k", 1024},      {"2KB", 2048},        {"3KiB", 3072},
                        {"64M", 64L << 20}, {"2G", 2L << 30},    {"2gib", 2L << 30},
                        {"1T", 1L << 40},  {"8388607T", 8388607L << 40}};
  for (const Case& c : valid) {
    long v = -1;
    EXPECT_TRUE(parse_bytes(c.text, &v)) << c.text;
    EXPECT_EQ(v, c.value) << c.text;
  }
  for (const char* s : {"", "G", "1.5G", "12Q", "1KK", "1Ki", "1 M", "-1M", "8388608T",
                        "99999999999999999999"}) {
    long v = 5;
    EXPECT_FALSE(parse_bytes(s, &v)) << s;
    EXPECT_EQ(v, 5) << s;
  }
}

}  // namespace
