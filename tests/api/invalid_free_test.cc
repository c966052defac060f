// Freeing what tessera did not hand out (a stack address, a pointer into the middle of a
// block, another allocator's block, a global) is reported as "tessera: error: …" and ignored:
// the heap is not corrupted and later allocations are unaffected.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Runs f with stderr captured (fd level: tessera writes with write(2)).
template <typename F>
std::string stderr_of(F f) {
  testing::internal::CaptureStderr();
  f();
  return testing::internal::GetCapturedStderr();
}

// Allocates and checks a batch of blocks of the sizes an invalid free might have disturbed.
void expect_heap_still_healthy() {
  std::vector<unsigned char*> blocks;
  for (size_t n : {16u, 48u, 100u, 1000u, 5000u, 70000u, 300000u}) {
    for (int i = 0; i < 64; i++) {
      auto* p = static_cast<unsigned char*>(ts_malloc(n));
      ASSERT_NE(p, nullptr);
      memset(p, (int)(n + i) & 0xff, n);
      blocks.push_back(p);
    }
  }
  // Distinct blocks: no block was handed out twice because of a bogus free.
  std::vector<unsigned char*> sorted = blocks;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  for (unsigned char* p : blocks) ts_free(p);
}

TEST(InvalidFree, StackAddressIsReportedAndIgnored) {
  alignas(16) char on_stack[64];
  std::string err = stderr_of([&] { ts_free(on_stack); });
  EXPECT_NE(err.find("tessera: error: invalid free"), std::string::npos) << err;
  expect_heap_still_healthy();
}

TEST(InvalidFree, GlobalAndOtherAllocatorsBlocksAreReported) {
  static char global_buffer[32];
  void* from_libc = std::malloc(100);
  std::string err = stderr_of([&] {
    ts_free(global_buffer);
    ts_free(from_libc);
  });
  std::free(from_libc);
  size_t first = err.find("tessera: error:");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_NE(err.find("tessera: error:", first + 1), std::string::npos) << err;
  expect_heap_still_healthy();
}

TEST(InvalidFree, InteriorPointerIsReportedAndTheBlockStaysLive) {
  for (size_t n : {64u, 1000u, 200000u, 20u << 20}) {
    auto* p = static_cast<unsigned char*>(ts_malloc(n));
    ASSERT_NE(p, nullptr);
    memset(p, 0x5a, n);
    std::string err = stderr_of([&] { ts_free(p + 16); });
    EXPECT_NE(err.find("tessera: error: invalid free (interior pointer) of block"),
              std::string::npos)
        << "size " << n << ": " << err;
    // The block was not freed: a new allocation of the same size is another block.
    void* q = ts_malloc(n);
    EXPECT_NE(q, p);
    for (size_t i = 0; i < n; i += 997) ASSERT_EQ(p[i], 0x5a);
    ts_free(q);
    ts_free(p);
  }
  expect_heap_still_healthy();
}

TEST(InvalidFree, ReallocOfAForeignPointerFailsWithoutTouchingIt) {
  alignas(16) char on_stack[64] = "untouched";
  std::string err = stderr_of([&] { EXPECT_EQ(ts_realloc(on_stack, 128), nullptr); });
  EXPECT_NE(err.find("tessera: error:"), std::string::npos) << err;
  EXPECT_STREQ(on_stack, "untouched");
  EXPECT_EQ(ts_usable_size(on_stack), 0u);
}

}  // namespace
