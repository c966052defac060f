// bench/micro/allocators.h — the allocators the microbenchmarks compare, one struct each with
// the same static interface, so that every benchmark and probe is written once as a template.
//
//   struct A { kName; ready(); alloc(n); dealloc(p); collect(); }
//
// tessera is linked in statically (libtessera.a, the ts_ API only: libtessera.so also exports
// malloc and would replace glibc's); glibc is the process's malloc. mimalloc is loaded with
// dlopen(RTLD_LOCAL) and called through mi_malloc/mi_free: Debian's libmimalloc.so also exports
// malloc and free, so linking it would silently turn the "glibc" cases into mimalloc. The
// indirect call costs what a call through the PLT costs (one load, one indirect branch).
//
// Programs in this folder build with -fno-builtin-malloc -fno-builtin-free, so the compiler
// cannot pair up and elide malloc/free; the benchmarks also pass every block to DoNotOptimize
// or write to it.
#ifndef TESSERA_BENCH_MICRO_ALLOCATORS_H
#define TESSERA_BENCH_MICRO_ALLOCATORS_H

#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <tessera/tessera.h>

#ifdef TESSERA_BENCH_MIMALLOC_LIB
#include <mimalloc.h>
#endif

namespace tessera::bench {

struct Tessera {
  static constexpr const char* kName = "tessera";
  static bool ready() { return true; }
  static void* alloc(std::size_t n) noexcept { return ts_malloc(n); }
  static void dealloc(void* p) noexcept { ts_free(p); }
  static void collect() noexcept { ts_collect(true); }
};

struct Glibc {
  static constexpr const char* kName = "glibc";
  // False when something has interposed malloc (an LD_PRELOAD, a library linked by mistake):
  // the glibc numbers would then be someone else's.
  static bool ready() {
    Dl_info info{};
    void* sym = dlsym(RTLD_DEFAULT, "malloc");
    return sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr &&
           std::strstr(info.dli_fname, "libc.so") != nullptr;
  }
  static void* alloc(std::size_t n) noexcept { return std::malloc(n); }
  static void dealloc(void* p) noexcept { std::free(p); }
  static void collect() noexcept { malloc_trim(0); }
};

#ifdef TESSERA_BENCH_MIMALLOC_LIB
struct Mimalloc {
  static constexpr const char* kName = "mimalloc";
  using MallocFn = decltype(&mi_malloc);
  using FreeFn = decltype(&mi_free);
  using CollectFn = decltype(&mi_collect);
  static inline MallocFn malloc_fn = nullptr;
  static inline FreeFn free_fn = nullptr;
  static inline CollectFn collect_fn = nullptr;

  // Loads the library once; call before timing (ready() is not meant for the timed loop).
  static bool ready() {
    static const bool loaded = load();
    return loaded;
  }
  static void* alloc(std::size_t n) noexcept { return malloc_fn(n); }
  static void dealloc(void* p) noexcept { free_fn(p); }
  static void collect() noexcept { collect_fn(true); }

 private:
  static bool load() {
    void* lib = dlopen(TESSERA_BENCH_MIMALLOC_LIB, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      std::fprintf(stderr, "mimalloc: %s\n", dlerror());
      return false;
    }
    malloc_fn = reinterpret_cast<MallocFn>(dlsym(lib, "mi_malloc"));
    free_fn = reinterpret_cast<FreeFn>(dlsym(lib, "mi_free"));
    collect_fn = reinterpret_cast<CollectFn>(dlsym(lib, "mi_collect"));
    return malloc_fn != nullptr && free_fn != nullptr && collect_fn != nullptr;
  }
};
#endif

// Writes one byte in every 4 KiB of the block, as a program that uses its memory would: an
// allocator that hands back freshly mapped pages pays their page faults here, not elsewhere.
inline void touch(void* p, std::size_t n) noexcept {
  auto* c = static_cast<char*>(p);
  for (std::size_t i = 0; i < n; i += 4096) c[i] = static_cast<char>(i >> 12);
}

// Calls f.template operator()<A>() for the allocator named `name`, or returns false if this
// build has no allocator of that name.
template <class F>
bool with_allocator(const char* name, F&& f) {
  if (std::strcmp(name, Tessera::kName) == 0) {
    f.template operator()<Tessera>();
  } else if (std::strcmp(name, Glibc::kName) == 0) {
    f.template operator()<Glibc>();
#ifdef TESSERA_BENCH_MIMALLOC_LIB
  } else if (std::strcmp(name, Mimalloc::kName) == 0) {
    f.template operator()<Mimalloc>();
#endif
  } else {
    return false;
  }
  return true;
}

}  // namespace tessera::bench

#endif  // TESSERA_BENCH_MICRO_ALLOCATORS_H
