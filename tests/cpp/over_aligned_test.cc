// Types aligned beyond ts_malloc's 16 bytes, on every allocator of the C++ API.
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdint>
#include <vector>

#include "cpp/heap_census.h"
#include "support/common.h"

namespace {

using tessera_test::is_aligned;
using tessera_test::mix64;

struct alignas(64) CacheLine {
  uint64_t words[8];
};
struct alignas(4096) Page {
  uint64_t first;
  char rest[100];
};

template <class T, class Allocator>
void grow_and_check(Allocator allocator) {
  std::vector<T, Allocator> v(allocator);
  for (size_t i = 0; i < 300; ++i) {
    T t{};
    reinterpret_cast<uint64_t*>(&t)[0] = mix64(i);
    v.push_back(t);
    ASSERT_TRUE(is_aligned(v.data(), alignof(T))) << "after " << i + 1 << " elements";
  }
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(reinterpret_cast<uint64_t*>(&v[i])[0], mix64(i));
}

TEST(OverAligned, TesseraAllocator) {
  grow_and_check<CacheLine>(tessera::allocator<CacheLine>());
  grow_and_check<Page>(tessera::allocator<Page>());
}

TEST(OverAligned, HeapAllocator) {
  tessera::Heap heap;
  grow_and_check<CacheLine>(heap.allocator<CacheLine>());
  grow_and_check<Page>(heap.allocator<Page>());
  EXPECT_EQ(tessera_test::live_blocks(heap), 0u);
}

TEST(OverAligned, HeapAllocate) {
  tessera::Heap heap;
  for (size_t alignment = 1; alignment <= (size_t{1} << 20); alignment *= 2) {
    void* p = heap.allocate(24, alignment);
    EXPECT_TRUE(is_aligned(p, alignment)) << alignment;
    EXPECT_TRUE(heap.contains(p));
    heap.deallocate(p);
  }
  EXPECT_EQ(tessera_test::live_blocks(heap), 0u);
}

}  // namespace
