/* tessera — a fast, lean, general-purpose memory allocator.
 *
 * The public C API. Plain C (C11 and C++), no dependencies beyond libc.
 *
 * Semantics follow glibc's malloc where a glibc user would expect them:
 *   - every block is 16-byte aligned;
 *   - ts_malloc(0) returns a unique pointer that can be freed; ts_free(NULL) does nothing;
 *   - a request that overflows or that the OS cannot satisfy returns NULL with errno ENOMEM,
 *     and the allocator keeps working;
 *   - an alignment that is not a power of two returns NULL (or EINVAL from
 *     ts_posix_memalign) with errno EINVAL.
 */
#ifndef TESSERA_TESSERA_H
#define TESSERA_TESSERA_H

#include <stdbool.h>
#include <stddef.h>

#define TESSERA_VERSION_MAJOR 0
#define TESSERA_VERSION_MINOR 1
#define TESSERA_VERSION_PATCH 0
/* major * 10000 + minor * 100 + patch, as returned by ts_version(). */
#define TESSERA_VERSION 100

#if defined(__GNUC__)
#define TESSERA_EXPORT __attribute__((visibility("default")))
#define TESSERA_MALLOC_ATTR __attribute__((malloc, warn_unused_result))
#define TESSERA_ALLOC_SIZE(...) __attribute__((alloc_size(__VA_ARGS__)))
#else
#define TESSERA_EXPORT
#define TESSERA_MALLOC_ATTR
#define TESSERA_ALLOC_SIZE(...)
#endif

#ifdef __cplusplus
#define TESSERA_NOEXCEPT noexcept
extern "C" {
#else
#define TESSERA_NOEXCEPT
#endif

/* ---- The malloc family ---------------------------------------------------------------- */

TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(1)
void* ts_malloc(size_t size) TESSERA_NOEXCEPT;
/* Zeroed memory for count * size bytes; NULL with ENOMEM when the product overflows. */
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(1, 2)
void* ts_calloc(size_t count, size_t size) TESSERA_NOEXCEPT;
/* Zeroed memory for size bytes. */
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(1)
void* ts_zalloc(size_t size) TESSERA_NOEXCEPT;
/* realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL (as glibc).
 * Stays in place while the block's size class still fits. On failure p is untouched. */
TESSERA_EXPORT TESSERA_ALLOC_SIZE(2)
void* ts_realloc(void* p, size_t size) TESSERA_NOEXCEPT;
/* realloc for count * size bytes; NULL with ENOMEM on overflow (p is untouched). */
TESSERA_EXPORT TESSERA_ALLOC_SIZE(2, 3)
void* ts_reallocarray(void* p, size_t count, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT void ts_free(void* p) TESSERA_NOEXCEPT;

/* ---- Aligned allocation -------------------------------------------------------------------
 * alignment must be a power of two (any size up to 1 GiB is honoured); otherwise NULL/EINVAL. */
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(1)
void* ts_malloc_aligned(size_t size, size_t alignment) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(1)
void* ts_zalloc_aligned(size_t size, size_t alignment) TESSERA_NOEXCEPT;
/* Reallocates keeping the alignment; realloc(NULL, …) allocates, size 0 frees. */
TESSERA_EXPORT TESSERA_ALLOC_SIZE(2)
void* ts_realloc_aligned(void* p, size_t size, size_t alignment) TESSERA_NOEXCEPT;
/* C11: alignment first. Any power-of-two alignment is accepted (as glibc does). */
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2)
void* ts_aligned_alloc(size_t alignment, size_t size) TESSERA_NOEXCEPT;
/* POSIX: returns 0, EINVAL (alignment not a power of two or not a multiple of
 * sizeof(void*)) or ENOMEM; *p is only written on success. */
TESSERA_EXPORT int ts_posix_memalign(void** p, size_t alignment, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2)
void* ts_memalign(size_t alignment, size_t size) TESSERA_NOEXCEPT;
/* Page-aligned allocation; pvalloc also rounds size up to whole pages. */
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(1)
void* ts_valloc(size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR
void* ts_pvalloc(size_t size) TESSERA_NOEXCEPT;

/* ---- Sizes ---------------------------------------------------------------------------------- */

/* Bytes usable in the block at p (>= the size asked for, all writable); 0 for NULL. */
TESSERA_EXPORT size_t ts_usable_size(const void* p) TESSERA_NOEXCEPT;
/* The usable size a request of `size` bytes would get. */
TESSERA_EXPORT size_t ts_good_size(size_t size) TESSERA_NOEXCEPT;
/* Frees p, which the caller says was allocated with `size` bytes (a hint; checked in debug). */
TESSERA_EXPORT void ts_free_sized(void* p, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT void ts_free_aligned_sized(void* p, size_t alignment, size_t size) TESSERA_NOEXCEPT;
/* Grows or shrinks the block at p in place to at least `size` bytes and returns p, or returns
 * NULL (p untouched) when that cannot be done without moving. */
TESSERA_EXPORT void* ts_expand(void* p, size_t size) TESSERA_NOEXCEPT;

/* ---- Strings -------------------------------------------------------------------------------- */

TESSERA_EXPORT TESSERA_MALLOC_ATTR char* ts_strdup(const char* s) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR char* ts_strndup(const char* s, size_t n) TESSERA_NOEXCEPT;

/* ---- Maintenance ---------------------------------------------------------------------------- */

/* Frees what the calling thread's heap holds empty and returns memory unused past the purge
 * delay to the OS; with force, returns all free memory to the OS now. */
TESSERA_EXPORT void ts_collect(bool force) TESSERA_NOEXCEPT;
/* TESSERA_VERSION of the library actually linked. */
TESSERA_EXPORT int ts_version(void) TESSERA_NOEXCEPT;

/* Process-wide counters, for tests and tools (a fuller statistics API is planned). Bytes. */
typedef struct ts_process_info_s {
  size_t reserved;      /* address space mapped from the OS */
  size_t committed;     /* mapped and not purged (an upper bound on resident) */
  size_t committed_peak;
  size_t purged;        /* total bytes returned to the OS with madvise/munmap so far */
} ts_process_info_t;
TESSERA_EXPORT void ts_process_info(ts_process_info_t* info) TESSERA_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_TESSERA_H */
