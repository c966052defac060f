// std::pmr containers on tessera::heap_resource and tessera::default_resource().
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdint>
#include <memory_resource>
#include <string>
#include <unordered_map>
#include <vector>

#include "cpp/heap_census.h"
#include "support/common.h"

namespace {

using tessera_test::live_blocks;
using tessera_test::mix64;

constexpr size_t kElements = 5000;

std::pmr::string text_of(size_t i, std::pmr::memory_resource* resource) {
  // Longer than the small-string buffer, so every string allocates.
  return std::pmr::string(32 + i % 64, static_cast<char>('a' + mix64(i) % 26), resource);
}

TEST(HeapResource, PmrContainersLiveInTheHeap) {
  tessera::Heap heap;
  tessera::heap_resource resource(heap);
  {
    std::pmr::vector<uint64_t> v(&resource);
    for (size_t i = 0; i < kElements; ++i) v.push_back(mix64(i));
    for (size_t i = 0; i < kElements; ++i) ASSERT_EQ(v[i], mix64(i));
    EXPECT_TRUE(heap.contains(v.data()));

    // Nested: the map's nodes and its strings' buffers all come from the heap.
    std::pmr::unordered_map<std::pmr::string, uint64_t> map(&resource);
    for (size_t i = 0; i < kElements; ++i) map.emplace(text_of(i, &resource), i);
    for (const auto& [key, value] : map) {
      ASSERT_EQ(key, text_of(value, &resource));
      ASSERT_TRUE(heap.contains(key.data()));
      ASSERT_TRUE(heap.contains(&value));
    }
  }
  EXPECT_EQ(live_blocks(heap), 0u);
}

TEST(HeapResource, OverAlignedRequests) {
  tessera::Heap heap;
  tessera::heap_resource resource(heap);
  for (size_t alignment = 1; alignment <= 65536; alignment *= 2) {
    void* p = resource.allocate(100, alignment);
    EXPECT_TRUE(tessera_test::is_aligned(p, alignment)) << alignment;
    EXPECT_TRUE(heap.contains(p));
    resource.deallocate(p, 100, alignment);
  }
  EXPECT_EQ(live_blocks(heap), 0u);
}

TEST(HeapResource, EqualWhenTheHeapIsTheSame) {
  tessera::Heap a;
  tessera::Heap b;
  tessera::heap_resource on_a(a);
  tessera::heap_resource also_on_a(a.get());
  tessera::heap_resource on_b(b);
  EXPECT_TRUE(on_a == also_on_a);
  EXPECT_FALSE(on_a == on_b);
  EXPECT_FALSE(on_a == *tessera::default_resource());
  EXPECT_FALSE(on_a == *std::pmr::new_delete_resource());
}

TEST(HeapResource, MonotonicBufferUpstream) {
  tessera::Heap heap;
  tessera::heap_resource resource(heap);
  {
    std::pmr::monotonic_buffer_resource arena(&resource);
    std::pmr::vector<std::pmr::string> strings(&arena);
    for (size_t i = 0; i < 1000; ++i) strings.push_back(text_of(i, &arena));
    for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(strings[i], text_of(i, &arena));
    EXPECT_TRUE(heap.contains(strings.back().data()));
  }
  EXPECT_EQ(live_blocks(heap), 0u);  // the monotonic resource gave its buffers back
}

TEST(DefaultResource, PmrContainersUseTheDefaultHeap) {
  std::pmr::memory_resource* resource = tessera::default_resource();
  EXPECT_EQ(resource, tessera::default_resource());
  EXPECT_TRUE(*resource == *tessera::default_resource());
  EXPECT_FALSE(*resource == *std::pmr::new_delete_resource());
  std::pmr::vector<uint64_t> v(resource);
  for (size_t i = 0; i < kElements; ++i) v.push_back(mix64(i));
  for (size_t i = 0; i < kElements; ++i) ASSERT_EQ(v[i], mix64(i));
  EXPECT_TRUE(ts_heap_contains(ts_heap_get_default(), v.data()));
  std::pmr::string s = text_of(7, resource);
  EXPECT_TRUE(ts_heap_contains(ts_heap_get_default(), s.data()));
  void* aligned = resource->allocate(10, 4096);
  EXPECT_TRUE(tessera_test::is_aligned(aligned, 4096));
  resource->deallocate(aligned, 10, 4096);
}

}  // namespace
