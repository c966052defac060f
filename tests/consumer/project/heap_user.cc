// heap_user.cc — a C++ program on tessera's C++ API (tessera/tessera.hpp), built against an
// installed tessera: a Heap with a vector, a map and a pmr string on it, destroyed at once.
#include "consumer_check.h"  // first: it defines _GNU_SOURCE for dladdr

#include <tessera/tessera.hpp>

#include <cstdio>
#include <functional>
#include <map>
#include <memory_resource>
#include <string>
#include <vector>

int main() {
  tessera::Heap heap;
  std::vector<int, tessera::heap_allocator<int>> numbers(heap.allocator<int>());
  std::map<int, int, std::less<int>, tessera::heap_allocator<std::pair<const int, int>>> squares(
      heap.allocator<std::pair<const int, int>>());
  for (int i = 0; i < 10000; i++) {
    numbers.push_back(i);
    squares[i] = i * i;
  }
  tessera::heap_resource resource(heap);
  std::pmr::string text("a string too long for the small-string buffer", &resource);
  for (int i = 0; i < 10000; i++) {
    if (numbers[static_cast<size_t>(i)] != i || squares.at(i) != i * i) {
      std::fprintf(stderr, "FAIL: element %d changed\n", i);
      return 1;
    }
  }
  if (!heap.contains(numbers.data()) || !heap.contains(text.data())) {
    std::fprintf(stderr, "FAIL: the containers are not on the heap\n");
    return 1;
  }
  std::vector<double, tessera::allocator<double>> on_default(1000, 1.5);
  if (!ts_heap_contains(ts_heap_get_default(), on_default.data())) {
    std::fprintf(stderr, "FAIL: tessera::allocator did not use the default heap\n");
    return 1;
  }
  if (consumer_check_malloc() != 0) return 1;
  std::printf("heap_user (C++ API; malloc from %s): ok\n",
              CONSUMER_MALLOC == 1 ? "libc" : CONSUMER_MALLOC == 2 ? "libtessera.so" : "the program");
  return 0;
}
