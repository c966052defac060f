// dlopen_test — allocation across a dlopen'ed library's boundary, through 100 cycles of
// dlopen and dlclose (argv[1] is the library, dlopen_lib.cc).
//
// Each cycle: the library must be bound to the same malloc and operator new as the program
// (tessera's); the library allocates blocks that the program checks and frees, and frees
// blocks the program allocated; a C++ object made with new in the library is deleted in the
// program and the other way round; the library's static objects allocate in dlopen and free
// (and allocate again) in dlclose. Some blocks from the library outlive it: the program frees
// them after dlclose. dlclose must really unload the library in every cycle (RTLD_NOLOAD finds
// it gone), or the cycles would test nothing.
#include <dlfcn.h>

#include <new>
#include <vector>

#include "dlopen_lib.h"
#include "override_check.h"

namespace {

constexpr int kCycles = 100;

template <class F>
F symbol(void* lib, const char* name) {
  void* sym = dlsym(lib, name);
  OVR_CHECKF(sym != nullptr, "dlsym(%s): %s", name, dlerror());
  F f;
  memcpy(&f, &sym, sizeof f);
  return f;
}

struct Block {
  void* p;
  size_t n;
};

}  // namespace

int main(int argc, char** argv) {
  OVR_CHECKF(argc == 2, "usage: %s LIBRARY", argv[0]);
  const char* path = argv[1];
  ovr::expect_tessera();
  void* const program_malloc = dlsym(RTLD_DEFAULT, "malloc");
  void* const program_new = dlsym(RTLD_DEFAULT, "_Znwm");

  ovr::Rng rng(3);
  std::vector<Block> survivors;  // allocated by the library, freed after its dlclose
  for (int cycle = 0; cycle < kCycles; cycle++) {
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    OVR_CHECKF(lib != nullptr, "dlopen(%s): %s", path, dlerror());

    // Blocks from the previous cycle, freed now that the library that made them is gone.
    for (const Block& b : survivors) {
      OVR_CHECK_BLOCK(b.p, b.n);
      OVR_CHECK(ovr::usable_size(b.p) >= b.n);
      free(b.p);
    }
    survivors.clear();

    const auto lib_malloc = symbol<LibAddressFn>(lib, "lib_malloc_address");
    const auto lib_new = symbol<LibAddressFn>(lib, "lib_new_address");
    OVR_CHECKF(lib_malloc() == program_malloc, "the library's malloc %p (in %s) is not the "
               "program's %p (in %s)", lib_malloc(), ovr::object_of(lib_malloc()),
               program_malloc, ovr::object_of(program_malloc));
    OVR_CHECKF(lib_new() == program_new, "the library's operator new %p (in %s) is not the "
               "program's %p (in %s)", lib_new(), ovr::object_of(lib_new()), program_new,
               ovr::object_of(program_new));
    OVR_CHECK(symbol<LibStateNamesFn>(lib, "lib_state_names")() == 100);

    const auto lib_alloc = symbol<LibAllocFn>(lib, "lib_alloc");
    const auto lib_free = symbol<LibFreeFn>(lib, "lib_free");
    // The library allocates, the program frees.
    for (int i = 0; i < 50; i++) {
      const size_t n = rng.size(1 << 20);
      void* p = lib_alloc(n);
      OVR_CHECKF(p != nullptr, "lib_alloc(%zu) failed", n);
      OVR_CHECKF(ovr::usable_size(p) >= n, "the library's block %p is not a tessera block", p);
      OVR_CHECK_BLOCK(p, n);
      if (i % 10 == 0) {
        survivors.push_back({p, n});
      } else {
        free(p);
      }
    }
    // The program allocates, the library frees.
    for (int i = 0; i < 50; i++) {
      const size_t n = rng.size(1 << 20);
      void* p = malloc(n);
      OVR_CHECK(p != nullptr);
      ovr::fill(p, n);
      OVR_CHECKF(lib_free(p, n), "the library found block %p of %zu bytes changed", p, n);
    }
    // C++ objects: new in the library, delete here; new here, delete in the library.
    const int seed = cycle + 1;
    Payload* from_lib = symbol<LibNewPayloadFn>(lib, "lib_new_payload")(seed);
    OVR_CHECK(ovr::usable_size(from_lib) >= sizeof(Payload));
    OVR_CHECK(from_lib->text == std::string(200, (char)('A' + seed % 26)));
    OVR_CHECK(from_lib->numbers.size() == 1000 && from_lib->numbers[999] == 999L * seed);
    delete from_lib;
    auto* to_lib = new Payload;
    to_lib->text.assign(300, (char)('a' + seed % 26));
    for (long i = 0; i < 3000; i++) to_lib->numbers.push_back(i * seed);
    OVR_CHECKF(symbol<LibDeletePayloadFn>(lib, "lib_delete_payload")(to_lib, seed),
               "the library found the program's Payload changed");

    OVR_CHECKF(dlclose(lib) == 0, "dlclose: %s", dlerror());
    OVR_CHECKF(dlopen(path, RTLD_NOW | RTLD_NOLOAD) == nullptr,
               "cycle %d: dlclose did not unload %s", cycle, path);
  }
  for (const Block& b : survivors) {
    OVR_CHECK_BLOCK(b.p, b.n);
    free(b.p);
  }
  ovr::note("dlopen: %d dlopen/dlclose cycles ok", kCycles);
  return 0;
}
