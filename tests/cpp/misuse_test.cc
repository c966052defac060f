// What the C++ API reports instead of failing silently: out of memory and overflow, bad
// alignments, a moved-from Heap, a heap used from a thread that does not own it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <cstdint>
#include <memory_resource>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "cpp/heap_census.h"

namespace {

using ::testing::HasSubstr;

// Runs `call`, which must throw exactly E (not a subclass), and returns its message.
template <class E, class Call>
std::string thrown(Call&& call) {
  try {
    call();
  } catch (const E& e) {
    EXPECT_EQ(typeid(e), typeid(E)) << "threw " << typeid(e).name();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw " << typeid(e).name() << ": " << e.what();
    return {};
  }
  ADD_FAILURE() << "threw nothing";
  return {};
}

constexpr size_t kTooBig = SIZE_MAX / 2;  // no OS maps this much

TEST(Misuse, OutOfMemoryThrowsBadAlloc) {
  tessera::Heap heap;
  thrown<std::bad_alloc>([&] { (void)heap.allocate(kTooBig); });
  thrown<std::bad_alloc>([&] { (void)heap.allocate(kTooBig, 4096); });
  thrown<std::bad_alloc>([] { (void)tessera::allocator<char>().allocate(kTooBig); });
  thrown<std::bad_alloc>([&] { (void)heap.allocator<char>().allocate(kTooBig); });
  tessera::heap_resource resource(heap);
  thrown<std::bad_alloc>([&] { (void)resource.allocate(kTooBig); });
  thrown<std::bad_alloc>([] { (void)tessera::default_resource()->allocate(kTooBig); });
  // And the heap is still fine.
  void* p = heap.allocate(100);
  EXPECT_TRUE(heap.contains(p));
  EXPECT_EQ(tessera_test::live_blocks(heap), 1u);
}

TEST(Misuse, ArrayOverflowThrowsBadArrayNewLength) {
  tessera::Heap heap;
  const size_t overflowing = SIZE_MAX / sizeof(uint64_t) + 1;
  thrown<std::bad_array_new_length>(
      [&] { (void)tessera::allocator<uint64_t>().allocate(overflowing); });
  thrown<std::bad_array_new_length>([&] { (void)heap.allocator<uint64_t>().allocate(overflowing); });
  // A container's own limit comes first and is its own exception.
  std::vector<uint64_t, tessera::allocator<uint64_t>> v;
  EXPECT_THROW(v.reserve(overflowing), std::length_error);
}

TEST(Misuse, AlignmentNotAPowerOfTwo) {
  tessera::Heap heap;
  for (size_t alignment : {size_t{0}, size_t{3}, size_t{24}, size_t{4097}}) {
    EXPECT_THAT(thrown<std::invalid_argument>([&] { (void)heap.allocate(64, alignment); }),
                HasSubstr("tessera: error: tessera::Heap::allocate"))
        << alignment;
  }
  EXPECT_EQ(tessera_test::live_blocks(heap), 0u);
}

TEST(Misuse, MovedFromHeap) {
  tessera::Heap heap;
  tessera::Heap other(std::move(heap));
  EXPECT_THAT(thrown<tessera::usage_error>([&] { (void)heap.allocate(16); }),
              HasSubstr("tessera: error: tessera::Heap::allocate: no heap (the tessera::Heap "
                        "was moved from or released)"));
  thrown<tessera::usage_error>([&] { heap.reset(); });
  thrown<tessera::usage_error>([&] { heap.collect(); });
  thrown<tessera::usage_error>([&] { heap.visit([](void*, size_t) {}); });
  thrown<tessera::usage_error>([&] { heap.release_to_default(); });
  thrown<tessera::usage_error>([&] { (void)heap.allocator<int>().allocate(1); });
  EXPECT_FALSE(heap.contains(nullptr));
  EXPECT_TRUE(other);  // the heap itself is fine
}

TEST(Misuse, HeapUsedFromAnotherThread) {
  tessera::Heap heap;
  void* mine = heap.allocate(100);
  std::vector<std::string> messages;
  std::thread([&] {
    messages.push_back(thrown<tessera::usage_error>([&] { (void)heap.allocate(16); }));
    messages.push_back(thrown<tessera::usage_error>([&] { heap.reset(); }));
    messages.push_back(thrown<tessera::usage_error>([&] { heap.collect(true); }));
    messages.push_back(thrown<tessera::usage_error>([&] { heap.visit([](void*, size_t) {}); }));
    messages.push_back(thrown<tessera::usage_error>([&] {
      std::vector<int, tessera::heap_allocator<int>> v(heap.allocator<int>());
      v.push_back(1);
    }));
    tessera::heap_resource resource(heap);
    messages.push_back(thrown<tessera::usage_error>([&] { (void)resource.allocate(8); }));
  }).join();
  for (const std::string& message : messages) {
    EXPECT_THAT(message, HasSubstr("used from a thread that does not own it"));
  }
  // Nothing was reset or allocated: the owner's block is still the only one.
  EXPECT_TRUE(heap.contains(mine));
  EXPECT_EQ(tessera_test::live_blocks(heap), 1u);
}

TEST(Misuse, HeapDestroyedInAnotherThreadIsReportedAndLeftAlone) {
  tessera::Heap heap;
  ts_heap_t* handle = heap.get();
  void* block = heap.allocate(100);
  ::testing::internal::CaptureStderr();
  std::thread([moved = std::move(heap)] {}).join();
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              HasSubstr("tessera: error: tessera::Heap destroyed in a thread that does not own it"));
  EXPECT_TRUE(ts_heap_contains(handle, block));  // not destroyed behind its owner's back
  ts_heap_destroy(handle);
}

}  // namespace
