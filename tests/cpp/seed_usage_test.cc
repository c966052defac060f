// The usage issue 5 starts from: a std::vector<uint64_t> on tessera::allocator and on a
// tessera::Heap, 10 rounds of 1024 pushes, every element checked after every round.
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdint>
#include <vector>

#include "cpp/heap_census.h"
#include "support/common.h"

namespace {

constexpr size_t kRounds = 10;
constexpr size_t kPushesPerRound = 1024;

template <class Vector>
void push_and_check(Vector& v) {
  for (size_t round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < kPushesPerRound; ++i) v.push_back(tessera_test::mix64(v.size()));
    ASSERT_EQ(v.size(), (round + 1) * kPushesPerRound);
    for (size_t i = 0; i < v.size(); ++i) {
      ASSERT_EQ(v[i], tessera_test::mix64(i)) << "element " << i << " after round " << round;
    }
  }
}

TEST(SeedUsage, VectorOnTesseraAllocator) {
  std::vector<uint64_t, tessera::allocator<uint64_t>> v;
  push_and_check(v);
  // The elements live in the calling thread's default heap, in a block big enough for them.
  EXPECT_TRUE(ts_heap_contains(ts_heap_get_default(), v.data()));
  EXPECT_GE(ts_usable_size(v.data()), v.size() * sizeof(uint64_t));
}

TEST(SeedUsage, VectorOnHeap) {
  tessera::Heap heap;
  {
    std::vector<uint64_t, tessera::heap_allocator<uint64_t>> v(heap.allocator<uint64_t>());
    push_and_check(v);
    EXPECT_TRUE(heap.contains(v.data()));
    EXPECT_TRUE(heap.contains(&v.back()));
    EXPECT_FALSE(ts_heap_contains(ts_heap_get_default(), v.data()));
    EXPECT_EQ(tessera_test::live_blocks(heap), 1u);  // the grown-out buffers were freed
  }
  EXPECT_EQ(tessera_test::live_blocks(heap), 0u);
}

}  // namespace
