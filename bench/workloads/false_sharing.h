// false_sharing.h — the loop of cache-scratch and cache-thrash: allocate a small object,
// write every byte of it many times (volatile, so each write reaches memory), check that it
// holds the sum those writes make, free it. Returns a checksum of the objects.
#pragma once

#include "workload.h"

namespace bench {

inline unsigned long long write_own_objects(const char* workload, std::size_t size,
                                            std::size_t iterations, std::size_t writes,
                                            int thread) {
  unsigned long long sum = 0;
  for (std::size_t i = 0; i < iterations; i++) {
    auto* p = static_cast<volatile unsigned char*>(std::malloc(size));
    if (p == nullptr) fail(workload, "malloc returned NULL");
    for (std::size_t b = 0; b < size; b++) p[b] = static_cast<unsigned char>(thread + b);
    for (std::size_t w = 0; w < writes; w++)
      for (std::size_t b = 0; b < size; b++) p[b] = static_cast<unsigned char>(p[b] + w + b);
    for (std::size_t b = 0; b < size; b++) {
      // thread + b, plus the sum of (w + b) over w < writes, in bytes.
      auto expected = static_cast<unsigned char>(thread + b + writes * (writes - 1) / 2 + writes * b);
      if (p[b] != expected) fail(workload, "an object was overwritten by another thread");
      sum += p[b];
    }
    std::free(const_cast<unsigned char*>(p));
  }
  return sum;
}

}  // namespace bench
