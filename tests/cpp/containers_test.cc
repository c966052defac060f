// Every standard container on tessera::heap_allocator: vector, list, map, unordered_map, deque,
// basic_string and shared_ptr (allocate_shared). Each one is filled, every element is checked,
// its memory must be the heap's, and once it is gone the heap must hold no block.
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cpp/heap_census.h"
#include "support/common.h"

namespace {

using tessera::heap_allocator;
using tessera_test::live_blocks;
using tessera_test::mix64;

constexpr size_t kElements = 5000;

template <class T>
using HeapVector = std::vector<T, heap_allocator<T>>;
template <class K, class V>
using HeapMap = std::map<K, V, std::less<K>, heap_allocator<std::pair<const K, V>>>;
template <class K, class V>
using HeapUnorderedMap =
    std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, heap_allocator<std::pair<const K, V>>>;
using HeapString = std::basic_string<char, std::char_traits<char>, heap_allocator<char>>;

class HeapContainers : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(live_blocks(heap_), 0u) << "a container left blocks"; }

  // Every element's address must be inside a block of the heap.
  template <class Container>
  void expect_in_heap(const Container& c) {
    size_t outside = 0;
    for (const auto& element : c) outside += heap_.contains(&element) ? 0 : 1;
    EXPECT_EQ(outside, 0u);
  }

  tessera::Heap heap_;
};

TEST_F(HeapContainers, Vector) {
  HeapVector<uint64_t> v(heap_.allocator<uint64_t>());
  for (size_t i = 0; i < kElements; ++i) v.push_back(mix64(i));
  for (size_t i = 0; i < kElements; ++i) ASSERT_EQ(v[i], mix64(i));
  expect_in_heap(v);
  HeapVector<uint64_t> copy(v);  // the copy keeps the heap (select_on_container_copy_construction)
  EXPECT_TRUE(copy == v);
  EXPECT_TRUE(heap_.contains(copy.data()));
}

TEST_F(HeapContainers, List) {
  std::list<uint64_t, heap_allocator<uint64_t>> list(heap_.allocator<uint64_t>());
  for (size_t i = 0; i < kElements; ++i) list.push_front(mix64(i));
  size_t i = kElements;
  for (uint64_t value : list) ASSERT_EQ(value, mix64(--i));
  expect_in_heap(list);
  EXPECT_EQ(live_blocks(heap_), kElements);  // one node each
}

TEST_F(HeapContainers, Map) {
  HeapMap<uint64_t, uint64_t> map(heap_.allocator<std::pair<const uint64_t, uint64_t>>());
  for (size_t i = 0; i < kElements; ++i) map.emplace(mix64(i), i);
  ASSERT_EQ(map.size(), kElements);
  for (size_t i = 0; i < kElements; ++i) ASSERT_EQ(map.at(mix64(i)), i);
  expect_in_heap(map);
}

TEST_F(HeapContainers, UnorderedMap) {
  HeapUnorderedMap<uint64_t, uint64_t> map(
      0, std::hash<uint64_t>(), std::equal_to<uint64_t>(),
      heap_.allocator<std::pair<const uint64_t, uint64_t>>());
  for (size_t i = 0; i < kElements; ++i) map[mix64(i)] = i;
  ASSERT_EQ(map.size(), kElements);
  for (size_t i = 0; i < kElements; ++i) ASSERT_EQ(map.at(mix64(i)), i);
  expect_in_heap(map);
}

TEST_F(HeapContainers, Deque) {
  std::deque<uint64_t, heap_allocator<uint64_t>> deque(heap_.allocator<uint64_t>());
  for (size_t i = 0; i < kElements; ++i) {
    i % 2 == 0 ? deque.push_back(mix64(i)) : deque.push_front(mix64(i));
  }
  for (size_t i = 0; i < kElements; ++i) {
    const size_t pos = i % 2 == 0 ? kElements / 2 + i / 2 : kElements / 2 - 1 - i / 2;
    ASSERT_EQ(deque[pos], mix64(i)) << "element " << i;
  }
  expect_in_heap(deque);
}

TEST_F(HeapContainers, BasicString) {
  HeapString s(heap_.allocator<char>());
  for (size_t i = 0; i < kElements; ++i) s.push_back(static_cast<char>('a' + mix64(i) % 26));
  ASSERT_EQ(s.size(), kElements);
  for (size_t i = 0; i < kElements; ++i) ASSERT_EQ(s[i], static_cast<char>('a' + mix64(i) % 26));
  EXPECT_TRUE(heap_.contains(s.data()));
  // A vector of heap strings: the strings' buffers come from the heap too.
  HeapVector<HeapString> strings(heap_.allocator<HeapString>());
  for (size_t i = 0; i < 100; ++i) {
    strings.emplace_back(100 + i, static_cast<char>('A' + i % 26), heap_.allocator<char>());
  }
  for (size_t i = 0; i < 100; ++i) {
    ASSERT_EQ(strings[i], HeapString(100 + i, static_cast<char>('A' + i % 26), heap_.allocator<char>()));
    EXPECT_TRUE(heap_.contains(strings[i].data()));
  }
}

TEST_F(HeapContainers, AllocateShared) {
  struct Payload {
    uint64_t words[8];
  };
  std::vector<std::shared_ptr<Payload>> owners;  // the pointers themselves live in libc's heap
  for (size_t i = 0; i < 1000; ++i) {
    auto p = std::allocate_shared<Payload>(heap_.allocator<Payload>());
    for (size_t w = 0; w < 8; ++w) p->words[w] = mix64(i * 8 + w);
    EXPECT_TRUE(heap_.contains(p.get()));  // object and control block in one heap block
    owners.push_back(p);
    owners.push_back(p);  // shared twice: the block goes only with the last owner
  }
  EXPECT_EQ(live_blocks(heap_), 1000u);
  for (size_t i = 0; i < 1000; ++i) {
    for (size_t w = 0; w < 8; ++w) ASSERT_EQ(owners[2 * i]->words[w], mix64(i * 8 + w));
  }
  owners.clear();
}

TEST(HeapAllocator, EqualWhenTheHeapIsTheSame) {
  tessera::Heap a;
  tessera::Heap b;
  EXPECT_TRUE(a.allocator<int>() == a.allocator<int>());
  EXPECT_TRUE(a.allocator<int>() == heap_allocator<double>(a.allocator<int>()));  // rebound
  EXPECT_FALSE(a.allocator<int>() == b.allocator<int>());
  EXPECT_EQ(a.allocator<int>().heap(), a.get());
}

TEST(HeapAllocator, AssignmentTakesTheOtherHeap) {
  tessera::Heap a;
  tessera::Heap b;
  HeapVector<uint64_t> on_a(100, 7, a.allocator<uint64_t>());
  HeapVector<uint64_t> on_b(b.allocator<uint64_t>());
  on_b = on_a;  // propagate_on_container_copy_assignment
  EXPECT_TRUE(on_b.get_allocator() == a.allocator<uint64_t>());
  EXPECT_TRUE(a.contains(on_b.data()));
  on_b.clear();
  on_b.shrink_to_fit();
  EXPECT_EQ(live_blocks(b), 0u);
}

}  // namespace
