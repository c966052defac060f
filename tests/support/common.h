// Helpers every test program shares, with no test framework behind them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera_test {

// Hides a value from the optimizer. The allocation functions carry malloc/alloc_size
// attributes, which let the compiler reason about a block (its size, that it aliases nothing,
// that two fresh blocks differ, that a malloc/free pair can be removed) in ways the tests
// deliberately go beyond.
template <class T>
inline T* opaque(T* p) {
  asm volatile("" : "+r"(p));
  return p;
}
inline size_t opaque(size_t n) {
  asm volatile("" : "+r"(n));
  return n;
}

inline bool is_aligned(const void* p, size_t alignment) {
  return reinterpret_cast<uintptr_t>(p) % alignment == 0;
}

// murmur3's finalizer: every input bit affects every output bit. Block patterns derive from it.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace tessera_test
