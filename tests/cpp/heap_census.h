// What a tessera::Heap holds, seen through ts_heap_visit_blocks (Heap::visit): the tests'
// evidence that blocks were freed, not a figure they trust from the C++ wrapper.
#pragma once

#include <tessera/tessera.hpp>

#include <cstddef>

namespace tessera_test {

// Blocks in use in `heap` (call from its owner thread).
inline size_t live_blocks(const tessera::Heap& heap) {
  size_t count = 0;
  heap.visit([&count](void*, size_t) { ++count; });
  return count;
}

}  // namespace tessera_test
