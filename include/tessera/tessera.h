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
#include <stdint.h>

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
  size_t block_size;  /* bytes of each block */
} ts_heap_area_t;
/* Called once per area with block == NULL, then (when visiting blocks) once per live block
 * with the address the program holds and its usable size (what ts_usable_size says). In
 * release builds that is the whole block (for a block allocated with an alignment above 16,
 * the block around the address the program holds); in the checked libraries (-secure,
 * -debug) a header and a canary share the block, so the address lies past its start and
 * the size is the size requested. Return false to stop the walk. */
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

/* ---- Options ----------------------------------------------------------------------------------
 * Each option is read once at start-up from TESSERA_<NAME> (TESSERA_SHOW_STATS=1,
 * TESSERA_LIMIT_OS_MEMORY=2G, ...): booleans accept 1/0, true/false, on/off, yes/no; sizes a
 * number with an optional K, M, G or T suffix (powers of 1024); an invalid value keeps the
 * default and prints one "tessera: warning: ..." naming the variable. README.md lists the
 * defaults. Values are never negative: ts_option_set with a negative value or an unknown
 * option prints a "tessera: error: ..." line and changes nothing. */
typedef enum ts_option_e {
  ts_option_show_errors,           /* bool: print detected errors (invalid frees ...) */
  ts_option_show_stats,            /* bool: print the statistics table at exit */
  ts_option_verbose,               /* bool: say what tessera set up */
  ts_option_max_errors,            /* count: stop printing errors after this many */
  ts_option_purge_delay,           /* milliseconds free memory stays before going back to the OS */
  ts_option_purge_decommits,       /* bool: purge with MADV_DONTNEED (1) or MADV_FREE (0) */
  ts_option_arena_reserve,         /* bytes an arena reserves at a time */
  ts_option_eager_commit,          /* bool: commit arena memory as soon as it is reserved */
  ts_option_large_os_pages,        /* bool: back arenas with 2 MiB pages where possible */
  ts_option_reserve_huge_os_pages, /* count of 1 GiB pages to reserve at start-up */
  ts_option_reserve_os_memory,     /* bytes to reserve at start-up */
  ts_option_limit_os_memory,       /* bytes: cap on the memory tessera maps (0: none); past
                                      it allocations return NULL with ENOMEM */
  ts_option_destroy_on_exit,       /* bool: give all memory back at process exit */
  ts_option_abort_on_error,        /* bool: abort after a detected memory error (default: on in
                                      the secure and debug libraries, off in release) */
  ts_option_count_                 /* the number of options (not an option) */
} ts_option_t;

/* The option's value; -1 for an unknown option. */
TESSERA_EXPORT long ts_option_get(ts_option_t option) TESSERA_NOEXCEPT;
TESSERA_EXPORT bool ts_option_is_enabled(ts_option_t option) TESSERA_NOEXCEPT;
TESSERA_EXPORT void ts_option_set(ts_option_t option, long value) TESSERA_NOEXCEPT;
TESSERA_EXPORT void ts_option_enable(ts_option_t option) TESSERA_NOEXCEPT;
TESSERA_EXPORT void ts_option_disable(ts_option_t option) TESSERA_NOEXCEPT;
/* Changes the value only if neither the environment nor ts_option_set set it. */
TESSERA_EXPORT void ts_option_set_default(ts_option_t option, long value) TESSERA_NOEXCEPT;

/* ---- Output --------------------------------------------------------------------------------
 * tessera's messages (warnings, verbose lines, the statistics table) and its error reports
 * ("tessera: error: ...") go to stderr unless a function is registered: messages to the output
 * function; errors to the error function, else the output function. Each call passes one or
 * more whole lines, NUL-terminated. NULL restores stderr. The functions must not call back
 * into tessera's allocation functions while reporting an error from inside them. */
typedef void ts_output_fun(const char* msg, void* arg);
TESSERA_EXPORT void ts_register_output(ts_output_fun* out, void* arg) TESSERA_NOEXCEPT;
TESSERA_EXPORT void ts_register_error(ts_output_fun* out, void* arg) TESSERA_NOEXCEPT;

/* ---- Statistics ------------------------------------------------------------------------------
 * Process-wide figures, summed over every thread's heap (exited threads included). Counts of
 * another thread are as of its last pass through its slow path; the calling thread's are
 * exact (its pending frees are collected first). Bins (bin_count of them): one per size class
 * in increasing block size, then large blocks (128 KiB < size <= 16 MiB), then huge blocks (own
 * mapping). Blocks are counted as tessera takes them: in the checked libraries (-secure, -debug)
 * a block for n bytes also holds a 16-byte header and a canary, so malloc(n) counts in the bin
 * of n + 17 bytes or more, and bytes in use include those; their size classes differ (every
 * 16 bytes up to 1 KiB, then the release ones plus 32 bytes up to 8 KiB), so they fill more
 * bins than the release library. */
#define TESSERA_STATS_VERSION 2
#define TESSERA_STATS_BINS 123 /* room for the most bins any library fills */

typedef struct ts_stats_bin_s {
  size_t block_size;      /* the size class's block size; 0 for the large and huge bins */
  size_t blocks_in_use;   /* allocated and not yet freed (a free another thread made but the
                             owner has not collected yet still counts) */
  size_t bytes_in_use;    /* blocks_in_use in block sizes (what they hold, not what was asked) */
  uint64_t allocations;   /* since start or ts_stats_reset */
  uint64_t frees_local;   /* freed by the thread owning the block's page (huge: every free) */
  uint64_t frees_remote;  /* freed by another thread */
} ts_stats_bin_t;

typedef struct ts_stats_s {
  size_t size;            /* set by the caller: sizeof(ts_stats_t) */
  unsigned version;       /* set by tessera: TESSERA_STATS_VERSION */
  size_t reserved;        /* address space tessera mapped */
  size_t reserved_peak;
  size_t committed;       /* mapped and not purged (an upper bound of what tessera holds) */
  size_t committed_peak;
  size_t resident;        /* the whole process's resident set (/proc/self/statm) */
  size_t resident_peak;   /* the whole process's peak resident set (getrusage) */
  uint64_t purged_bytes;  /* given back to the OS (purged or unmapped) since start or reset */
  uint64_t purged_pages;  /* the same in OS pages */
  ts_stats_bin_t total;   /* the sum of the bins (block_size 0) */
  size_t bin_count;       /* bins this library fills, at most TESSERA_STATS_BINS */
  ts_stats_bin_t bins[TESSERA_STATS_BINS];
} ts_stats_t;

/* Fills *stats up to stats->size bytes (older callers with a smaller struct get its prefix).
 * Returns 0, or EINVAL (nothing written) when stats is NULL or size is smaller than the
 * size and version fields. */
TESSERA_EXPORT int ts_stats_get(ts_stats_t* stats) TESSERA_NOEXCEPT;
/* Counts (allocations, frees, purged) and peaks start again from now; in-use figures stay. */
TESSERA_EXPORT void ts_stats_reset(void) TESSERA_NOEXCEPT;
/* The statistics as a readable table, to the registered output function (or stderr). */
TESSERA_EXPORT void ts_stats_print(void) TESSERA_NOEXCEPT;
/* The same table, line by line, to out(line, arg); out == NULL prints to stderr. */
TESSERA_EXPORT void ts_stats_print_out(ts_output_fun* out, void* arg) TESSERA_NOEXCEPT;
/* The statistics as one JSON object in buf (NUL-terminated when size > 0). Returns the length
 * the whole text needs without the NUL, as snprintf: a result >= size means it was cut. */
TESSERA_EXPORT size_t ts_stats_json(char* buf, size_t size) TESSERA_NOEXCEPT;
/* The statistics as the XML document malloc_info writes (same return as ts_stats_json). */
TESSERA_EXPORT size_t ts_stats_xml(char* buf, size_t size) TESSERA_NOEXCEPT;

/* ---- glibc introspection ----------------------------------------------------------------------
 * What malloc_trim and mallopt do (the malloc override exports them under glibc's names;
 * README.md maps each glibc parameter to its tessera meaning). */
/* Purges all free memory tessera can reach from this thread now (this thread's heap, heaps of
 * exited threads, the huge-block cache). Returns 1 if any memory went back to the OS, else 0. */
TESSERA_EXPORT int ts_malloc_trim(size_t pad) TESSERA_NOEXCEPT;
/* 1 when tessera accepts the parameter (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_TOP_PAD, ...),
 * 0 for unknown parameters or invalid values, as glibc. */
TESSERA_EXPORT int ts_mallopt(int param, int value) TESSERA_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_TESSERA_H */
