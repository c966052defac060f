// ts_strdup and ts_strndup copy into a fresh tessera block, terminated, reading no further than
// they must.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "support/process_memory.h"

namespace {

using namespace tessera_test;

std::string text(size_t length) {
  std::string s(length, '\0');
  for (size_t i = 0; i < length; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

TEST(ApiStrdup, CopiesWithTerminator) {
  for (size_t length :
       {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{1000}, 70 * kKiB, 2 * kMiB}) {
    const std::string s = text(length);
    char* copy = ts_strdup(s.c_str());
    ASSERT_NE(copy, nullptr) << "length " << length;
    EXPECT_NE(copy, s.c_str());
    ASSERT_GE(ts_usable_size(copy), length + 1);
    EXPECT_EQ(std::memcmp(copy, s.c_str(), length + 1), 0) << "length " << length;
    ts_free(copy);
  }
}

TEST(ApiStrndup, CopiesAtMostNBytes) {
  const std::string s = text(300);
  for (size_t n :
       {size_t{0}, size_t{1}, size_t{100}, size_t{299}, size_t{300}, size_t{301}, size_t{5000}}) {
    char* copy = ts_strndup(s.c_str(), n);
    ASSERT_NE(copy, nullptr) << "n " << n;
    const size_t expected = std::min(n, s.size());
    ASSERT_GE(ts_usable_size(copy), expected + 1);
    EXPECT_EQ(std::strlen(copy), expected) << "n " << n;
    EXPECT_EQ(std::memcmp(copy, s.c_str(), expected), 0) << "n " << n;
    ts_free(copy);
  }
}

// The source need not be terminated within n bytes; reading past them is a bug that the
// sanitizer builds catch (the source here is an exactly sized heap buffer).
TEST(ApiStrndup, UnterminatedSource) {
  const std::string s = text(64);
  auto source = std::make_unique<char[]>(s.size());
  std::memcpy(source.get(), s.data(), s.size());
  char* copy = ts_strndup(source.get(), s.size());
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(std::string(copy), s);
  ts_free(copy);
}

}  // namespace
