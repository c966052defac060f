// override/malloc_override.cc — exports the malloc family under libc's names, so that a
// program (LD_PRELOAD, -ltessera, or the static override library) allocates with tessera.
// No logic here: each symbol forwards to the API layer, inlining only the two fast paths.
#include <malloc.h>
#include <stdlib.h>

#include "api/fast_path.h"
#include "tessera/tessera.h"

#define TESSERA_OVERRIDE extern "C" __attribute__((visibility("default"), used))

using tessera::api::free_fast;
using tessera::api::malloc_fast;

TESSERA_OVERRIDE void* malloc(size_t size) noexcept { return malloc_fast(size); }
TESSERA_OVERRIDE void free(void* p) noexcept { free_fast(p); }
TESSERA_OVERRIDE void* calloc(size_t count, size_t size) noexcept { return ts_calloc(count, size); }
TESSERA_OVERRIDE void* realloc(void* p, size_t size) noexcept { return ts_realloc(p, size); }
TESSERA_OVERRIDE void* reallocarray(void* p, size_t count, size_t size) noexcept {
  return ts_reallocarray(p, count, size);
}
TESSERA_OVERRIDE int posix_memalign(void** p, size_t alignment, size_t size) noexcept {
  return ts_posix_memalign(p, alignment, size);
}
TESSERA_OVERRIDE void* aligned_alloc(size_t alignment, size_t size) noexcept {
  return ts_aligned_alloc(alignment, size);
}
TESSERA_OVERRIDE void* memalign(size_t alignment, size_t size) noexcept {
  return ts_memalign(alignment, size);
}
TESSERA_OVERRIDE void* valloc(size_t size) noexcept { return ts_valloc(size); }
TESSERA_OVERRIDE void* pvalloc(size_t size) noexcept { return ts_pvalloc(size); }
TESSERA_OVERRIDE size_t malloc_usable_size(void* p) noexcept { return ts_usable_size(p); }
TESSERA_OVERRIDE void free_sized(void* p, size_t size) noexcept { ts_free_sized(p, size); }
TESSERA_OVERRIDE void free_aligned_sized(void* p, size_t alignment, size_t size) noexcept {
  ts_free_aligned_sized(p, alignment, size);
}
TESSERA_OVERRIDE void cfree(void* p) noexcept { free_fast(p); }

// glibc's internal names: some programs and libraries call these directly.
TESSERA_OVERRIDE void* __libc_malloc(size_t size) noexcept { return malloc_fast(size); }
TESSERA_OVERRIDE void __libc_free(void* p) noexcept { free_fast(p); }
TESSERA_OVERRIDE void* __libc_calloc(size_t count, size_t size) noexcept {
  return ts_calloc(count, size);
}
TESSERA_OVERRIDE void* __libc_realloc(void* p, size_t size) noexcept { return ts_realloc(p, size); }
TESSERA_OVERRIDE void* __libc_memalign(size_t alignment, size_t size) noexcept {
  return ts_memalign(alignment, size);
}
TESSERA_OVERRIDE void* __libc_valloc(size_t size) noexcept { return ts_valloc(size); }
TESSERA_OVERRIDE void* __libc_pvalloc(size_t size) noexcept { return ts_pvalloc(size); }
TESSERA_OVERRIDE int __posix_memalign(void** p, size_t alignment, size_t size) noexcept {
  return ts_posix_memalign(p, alignment, size);
}
