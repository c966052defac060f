// dlopen_lib — the shared library that dlopen_test loads and unloads, over and over. It
// allocates blocks that the program frees and frees blocks that the program allocated (malloc
// and C++ new both ways), holds allocations in its static objects from dlopen to dlclose, and
// says which malloc and operator new it was bound to.
#include <stdlib.h>
#include <string.h>

#include <new>
#include <string>
#include <vector>

#include "dlopen_lib.h"
#include "override_check.h"

namespace {

// Constructed by dlopen, destroyed by dlclose: allocation in both.
struct LibState {
  std::vector<std::string> names;
  void* raw;
  LibState() : raw(malloc(1000)) {
    for (int i = 0; i < 100; i++) {
      names.push_back(std::string(50 + (size_t)i, (char)('a' + i % 26)));
    }
    ovr::fill(raw, 1000);
  }
  ~LibState() {
    OVR_CHECK_BLOCK(raw, 1000);
    free(raw);
    for (size_t i = 0; i < names.size(); i++) {
      OVR_CHECK(names[i].size() == 50 + i && names[i][0] == (char)('a' + i % 26));
    }
    std::vector<int> v(5000, 7);  // and allocate during dlclose
    OVR_CHECK(v[4999] == 7);
  }
};
LibState g_state;

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* lib_malloc_address() {
  return reinterpret_cast<void*>(&malloc);
}
__attribute__((visibility("default"))) void* lib_new_address() {
  void* (*f)(size_t) = &::operator new;
  return reinterpret_cast<void*>(f);
}

__attribute__((visibility("default"))) void* lib_alloc(size_t n) {
  void* p = malloc(n);
  if (p != nullptr) ovr::fill(p, n);
  return p;
}

// Checks and frees a block the program allocated; false when its contents were lost.
__attribute__((visibility("default"))) bool lib_free(void* p, size_t n) {
  const bool ok = ovr::mismatch(p, n) == n;
  free(p);
  return ok;
}

__attribute__((visibility("default"))) Payload* lib_new_payload(int seed) {
  auto* payload = new Payload;
  payload->text = std::string(200, (char)('A' + seed % 26));
  for (long i = 0; i < 1000; i++) payload->numbers.push_back(i * seed);
  return payload;
}

__attribute__((visibility("default"))) bool lib_delete_payload(Payload* payload, int seed) {
  bool ok = payload->text == std::string(300, (char)('a' + seed % 26)) &&
            payload->numbers.size() == 3000 && payload->numbers[2999] == 2999L * seed;
  delete payload;
  return ok;
}

__attribute__((visibility("default"))) size_t lib_state_names() { return g_state.names.size(); }

}  // extern "C"
