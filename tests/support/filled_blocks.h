// Blocks from ts_malloc filled with their pattern, and checked before they are freed: the
// allocate-then-free sequences the api tests share.
#pragma once

#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <cstddef>
#include <vector>

#include "support/block_pattern.h"

namespace tessera_test {

// `count` blocks of `size` bytes, each filled with its pattern (a failure stops at the first
// NULL, leaving the blocks made so far in the result).
inline std::vector<void*> allocate_filled(size_t count, size_t size) {
  std::vector<void*> blocks;
  blocks.reserve(count);
  for (size_t i = 0; i < count; i++) {
    void* p = ts_malloc(size);
    EXPECT_NE(p, nullptr) << "block " << i << " of " << size << " bytes";
    if (p == nullptr) break;
    fill_block(p, size);
    blocks.push_back(p);
  }
  return blocks;
}

// Checks every block's pattern, frees it, and empties the vector.
inline void free_checked(std::vector<void*>& blocks, size_t size) {
  for (void* p : blocks) {
    EXPECT_TRUE(BlockIntact(p, size));
    ts_free(p);
  }
  blocks.clear();
}

}  // namespace tessera_test
