// dlopen_lib.h — the interface between dlopen_test and the library it loads (dlopen_lib.cc),
// looked up with dlsym after each dlopen.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

// A C++ object that crosses the boundary: built with new on one side, deleted on the other.
struct Payload {
  std::string text;
  std::vector<long> numbers;
};

extern "C" {
using LibAddressFn = void* (*)();
using LibAllocFn = void* (*)(size_t n);          // malloc + fill
using LibFreeFn = bool (*)(void* p, size_t n);   // check + free; false if contents were lost
// new Payload{200 × 'A'+seed%26, {0, seed, 2·seed, … 999·seed}}
using LibNewPayloadFn = Payload* (*)(int seed);
// checks {300 × 'a'+seed%26, {0, seed, …, 2999·seed}} and deletes it
using LibDeletePayloadFn = bool (*)(Payload* payload, int seed);
using LibStateNamesFn = size_t (*)();
}
