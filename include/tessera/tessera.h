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

/* ---- First-class heaps -----------------------------------------------------------------------
 * A heap is a set of pages that one thread allocates from. Blocks of any heap can be freed with
 * ts_free (and realloc'ed with ts_realloc) from any thread. A heap allocates only in the thread
 * that created it: using it from another thread is reported as an error (and returns NULL with
 * EPERM). Every thread has a default heap, which plain ts_malloc uses. Heaps a thread still
 * owns when it exits are deleted (ts_heap_delete) then. */
typedef struct ts_heap_s ts_heap_t;

/* A new heap owned by the calling thread; NULL with ENOMEM when out of memory. */
TESSERA_EXPORT ts_heap_t* ts_heap_new(void) TESSERA_NOEXCEPT;
/* Deletes the heap; its live blocks move to the thread's default heap and stay valid. */
TESSERA_EXPORT void ts_heap_delete(ts_heap_t* heap) TESSERA_NOEXCEPT;
/* Destroys the heap and frees every block it holds at once (time proportional to its pages,
 * not its blocks). Pointers into it are dangling afterwards. */
TESSERA_EXPORT void ts_heap_destroy(ts_heap_t* heap) TESSERA_NOEXCEPT;
/* Frees every block of the heap at once and keeps the heap ready for reuse (an arena reset). */
TESSERA_EXPORT void ts_heap_reset(ts_heap_t* heap) TESSERA_NOEXCEPT;

TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2)
void* ts_heap_malloc(ts_heap_t* heap, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2)
void* ts_heap_zalloc(ts_heap_t* heap, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2, 3)
void* ts_heap_calloc(ts_heap_t* heap, size_t count, size_t size) TESSERA_NOEXCEPT;
/* Like ts_realloc; a block that moves is reallocated from `heap`. */
TESSERA_EXPORT TESSERA_ALLOC_SIZE(3)
void* ts_heap_realloc(ts_heap_t* heap, void* p, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_ALLOC_SIZE(3, 4)
void* ts_heap_reallocarray(ts_heap_t* heap, void* p, size_t count, size_t size) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2)
void* ts_heap_malloc_aligned(ts_heap_t* heap, size_t size, size_t alignment) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR TESSERA_ALLOC_SIZE(2)
void* ts_heap_zalloc_aligned(ts_heap_t* heap, size_t size, size_t alignment) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_ALLOC_SIZE(3)
void* ts_heap_realloc_aligned(ts_heap_t* heap, void* p, size_t size,
                              size_t alignment) TESSERA_NOEXCEPT;
TESSERA_EXPORT TESSERA_MALLOC_ATTR char* ts_heap_strdup(ts_heap_t* heap, const char* s) TESSERA_NOEXCEPT;

/* The calling thread's default heap (created on first use; NULL only when out of memory). */
TESSERA_EXPORT ts_heap_t* ts_heap_get_default(void) TESSERA_NOEXCEPT;
/* Makes `heap` (owned by the calling thread) the default: plain ts_malloc in this thread
 * allocates from it. Returns the previous default, or NULL (EPERM) if heap is not usable here. */
TESSERA_EXPORT ts_heap_t* ts_heap_set_default(ts_heap_t* heap) TESSERA_NOEXCEPT;
/* Whether p points into memory of `heap`: a page of its blocks, or a large or huge block of
 * it (any address inside counts). Cheap, and safe from any thread; it does not tell whether a
 * small block there is currently free (ts_heap_visit_blocks does). */
TESSERA_EXPORT bool ts_heap_contains(const ts_heap_t* heap, const void* p) TESSERA_NOEXCEPT;
/* The heap owning the block at p; NULL when p is not in tessera's memory or its owner thread
 * has exited (the block is then waiting for adoption by another heap). */
TESSERA_EXPORT ts_heap_t* ts_heap_of(const void* p) TESSERA_NOEXCEPT;
/* ts_collect for one heap (owner thread only). */
TESSERA_EXPORT void ts_heap_collect(ts_heap_t* heap, bool force) TESSERA_NOEXCEPT;

/* One area of a heap: a page of equal blocks, a large block or a huge block. Bytes. */
typedef struct ts_heap_area_s {
  void* blocks;       /* start of the area's first block */
  size_t reserved;    /* bytes of address space the area spans */
  size_t committed;   /* bytes carved into blocks so far (touched) */
  size_t used;        /* blocks in use */
  size_t block_size;  /* usable size of each block */
} ts_heap_area_t;
/* Called once per area with block == NULL, then (when visiting blocks) once per live block.
 * Return false to stop the walk. */
typedef bool ts_block_visit_fn(const ts_heap_t* heap, const ts_heap_area_t* area, void* block,
                               size_t block_size, void* arg);
/* Walks the heap's areas and, with visit_all_blocks, every block in use (owner thread only).
 * Returns false when the visitor stopped the walk or the heap cannot be visited here. */
TESSERA_EXPORT bool ts_heap_visit_blocks(const ts_heap_t* heap, bool visit_all_blocks,
                                         ts_block_visit_fn* visitor, void* arg) TESSERA_NOEXCEPT;

/* ---- Arenas ------------------------------------------------------------------------------
 * An arena is address space reserved up front. Heaps created in an arena take all their
 * memory from it; an exclusive arena serves only those heaps, a shared one serves every
 * heap first. When the requested page size is not available, the arena falls back to the
 * next smaller one (2 MiB hugetlb -> transparent huge pages -> normal pages) and the
 * returned status says what it got (also printed when verbose). */
typedef int ts_arena_id_t;

enum {
  TS_ARENA_COMMIT = 1 << 0,      /* touch (commit) all of it now */
  TS_ARENA_LARGE_PAGES = 1 << 1, /* 2 MiB pages: MAP_HUGETLB, else transparent huge pages */
  TS_ARENA_EXCLUSIVE = 1 << 2    /* only heaps created in it allocate there */
};
/* What an arena is backed by: the non-negative statuses of the reserve calls. */
enum {
  TS_PAGES_NORMAL = 0,         /* the OS's base pages */
  TS_PAGES_TRANSPARENT = 1,    /* base pages advised as transparent huge pages */
  TS_PAGES_LARGE = 2,          /* 2 MiB hugetlb pages */
  TS_PAGES_HUGE = 3            /* 1 GiB hugetlb pages */
};
/* Reserves an arena of at least `size` bytes (rounded up to 32 MiB segments) and stores its id.
 * Returns the page kind it got (TS_PAGES_*), or a negative errno (-EINVAL for a bad size or
 * flags, -ENOMEM when the OS refuses; errno is set too). */
TESSERA_EXPORT int ts_arena_reserve(size_t size, int flags, ts_arena_id_t* arena_id) TESSERA_NOEXCEPT;
/* Reserves `count` 1 GiB pages as an exclusive arena, trying for at most timeout_ms. Falls
 * back as ts_arena_reserve does; returns the page kind it got or a negative errno. */
TESSERA_EXPORT int ts_arena_reserve_huge_pages(size_t count, size_t timeout_ms,
                                               ts_arena_id_t* arena_id) TESSERA_NOEXCEPT;
typedef struct ts_arena_info_s {
  void* start;
  size_t size;        /* bytes reserved */
  size_t in_use;      /* bytes handed out to heaps */
  int pages;          /* TS_PAGES_* */
  bool exclusive;
} ts_arena_info_t;
/* Fills *info for the arena; false (EINVAL) when there is no such arena. */
TESSERA_EXPORT bool ts_arena_info(ts_arena_id_t arena_id, ts_arena_info_t* info) TESSERA_NOEXCEPT;
/* A new heap whose blocks all come from the arena: when it is full, allocation returns NULL
 * with ENOMEM instead of taking memory elsewhere. NULL (EINVAL) for an unknown arena. */
TESSERA_EXPORT ts_heap_t* ts_heap_new_in_arena(ts_arena_id_t arena_id) TESSERA_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_TESSERA_H */
