// api/malloc_api.cc — the C API (include/tessera/tessera.h): glibc-compatible semantics
// (errno, overflow, alignment rules) on top of the thread's heap. The two fast paths live
// here; everything else calls into mem/.
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api/checked_alloc.h"
#include "api/fast_path.h"
#include "config/options.h"
#include "mem/memory_stats.h"
#include "tessera/tessera.h"

namespace tessera::api {

void* malloc_slow(size_t size) {
  Heap* heap = thread_heap();
  if (TESSERA_UNLIKELY(heap == nullptr || size > kMaxRequest)) {
    errno = ENOMEM;
    return nullptr;
  }
  ReentryGuard guard;
  void* p = heap->malloc_generic(size);
  if (p == nullptr) errno = ENOMEM;
  return p;
}

void free_generic(void* p) {
  if (p == nullptr) return;
  Page* page = page_of(p);
  if (page == nullptr) {
    report_invalid_free(p, "invalid free (not allocated by tessera)");
    return;
  }
  ReentryGuard guard;
  free_slow(t_heap, page, p);
}

void free_page_slow(Page* page, void* p) {
  ReentryGuard guard;
  free_slow(t_heap, page, p);
}

}  // namespace tessera::api

namespace tessera {
namespace {

using namespace tessera::api;

size_t usable_size(const void* p) {
  if constexpr (kCheckedBlocks) return checked_usable_size(p);
  if (p == nullptr) return 0;
  Page* page = page_of(p);
  if (page == nullptr || page->block_size == 0) return 0;
  uint8_t* start = page_block_start(page, p);
  if (start == nullptr) return 0;
  return page->block_size - (size_t)((const uint8_t*)p - start);
}

// Whether a block just returned by malloc for `size` bytes is known to read as zero.
bool known_zero(const void* p, size_t size) {
  if (size <= kMediumBlockMax) return false;
  Page* page = page_of(p);
  return page != nullptr && page->zeroed && page->start == p;
}

void* zalloc(size_t size) {
  void* p = malloc_fast(size);
  if (p != nullptr && !known_zero(p, size)) memset(p, 0, size);
  return p;
}

bool mul_overflows(size_t a, size_t b, size_t* out) { return __builtin_mul_overflow(a, b, out); }

void* aligned_alloc_impl(size_t size, size_t alignment, bool zero) {
  if (!is_power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  if (alignment <= 16) return zero ? zalloc(size) : malloc_fast(size);
  Heap* heap = thread_heap();
  if (heap == nullptr || size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  void* p;
  {
    ReentryGuard guard;
    p = kCheckedBlocks ? checked_malloc_aligned(heap, size, alignment)
                       : heap->malloc_aligned(size, alignment);
  }
  if (p == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  if (zero) memset(p, 0, size);
  return p;
}

}  // namespace
}  // namespace tessera
TESSERA_API size_t ts_good_size(size_t size) noexcept;
namespace tessera {
namespace {

// Grows p in place to `size` bytes when it is a large block of this thread with free
// slices right after it (so realloc growth of big buffers copies nothing).
bool expand_in_place(void* p, size_t size) {
  Page* page = page_of(p);
  if (page == nullptr || page->kind != PageKind::kLarge || page->start != p) return false;
  Heap* heap = t_heap;
  if ((page->free_key.load(std::memory_order_relaxed) & ~kSlowFreeBit) != (uintptr_t)heap ||
      !heap->initialized) {
    return false;
  }
  ReentryGuard guard;
  return heap->grow_large_in_place(page, size);
}

// Moves p's contents into a new block from `allocate` when it does not fit in place.
// Checked builds always move: the new block gets its own header and canary, and the old one is
// checked as it is freed.
template <typename Allocate>
void* checked_realloc(void* p, size_t size, Allocate allocate) {
  size_t old = checked_realloc_source(p);
  if (old == kNotLive) {
    errno = EINVAL;
    return nullptr;
  }
  if (size == 0) {
    free_fast(p);
    return nullptr;
  }
  void* q = allocate(size);
  if (q == nullptr) return nullptr;  // errno set; p untouched
  memcpy(q, p, size < old ? size : old);
  free_fast(p);
  return q;
}

template <typename Allocate>
void* realloc_impl(void* p, size_t size, size_t alignment, Allocate allocate) {
  if (p == nullptr) return allocate(size);
  if constexpr (kCheckedBlocks) return checked_realloc(p, size, allocate);
  if (size == 0) {
    free_fast(p);
    return nullptr;
  }
  size_t usable = usable_size(p);
  if (usable == 0) {
    report_invalid_free(p, "invalid realloc (not an allocated block)");
    errno = EINVAL;
    return nullptr;
  }
  // In place while the block still fits and either the new size maps to the same block size
  // or at most half of the block would be wasted.
  if (size <= usable && ((uintptr_t)p & (alignment - 1)) == 0 &&
      (size >= usable / 2 || ts_good_size(size) >= usable)) {
    return p;
  }
  if (size > usable && alignment <= kSliceSize && expand_in_place(p, size)) return p;
  void* q = allocate(size);
  if (q == nullptr) return nullptr;  // errno set; p untouched
  memcpy(q, p, size < usable ? size : usable);
  free_fast(p);
  return q;
}

}  // namespace
}  // namespace tessera

using namespace tessera;

TESSERA_API void* ts_malloc(size_t size) noexcept { return malloc_fast(size); }

TESSERA_API void ts_free(void* p) noexcept { free_fast(p); }

TESSERA_API void* ts_zalloc(size_t size) noexcept { return zalloc(size); }

TESSERA_API void* ts_calloc(size_t count, size_t size) noexcept {
  size_t total;
  if (mul_overflows(count, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return zalloc(total);
}

TESSERA_API void* ts_realloc(void* p, size_t size) noexcept {
  return realloc_impl(p, size, 16, [](size_t n) { return malloc_fast(n); });
}

TESSERA_API void* ts_reallocarray(void* p, size_t count, size_t size) noexcept {
  size_t total;
  if (mul_overflows(count, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return ts_realloc(p, total);
}

TESSERA_API void* ts_malloc_aligned(size_t size, size_t alignment) noexcept {
  return aligned_alloc_impl(size, alignment, false);
}

TESSERA_API void* ts_zalloc_aligned(size_t size, size_t alignment) noexcept {
  return aligned_alloc_impl(size, alignment, true);
}

TESSERA_API void* ts_realloc_aligned(void* p, size_t size, size_t alignment) noexcept {
  if (!is_power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return realloc_impl(p, size, alignment,
                      [alignment](size_t n) { return aligned_alloc_impl(n, alignment, false); });
}

TESSERA_API void* ts_aligned_alloc(size_t alignment, size_t size) noexcept {
  return aligned_alloc_impl(size, alignment, false);
}

TESSERA_API int ts_posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (!is_power_of_two(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  int saved_errno = errno;
  void* p = aligned_alloc_impl(size, alignment, false);
  errno = saved_errno;
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

TESSERA_API void* ts_memalign(size_t alignment, size_t size) noexcept {
  return aligned_alloc_impl(size, alignment, false);
}

TESSERA_API void* ts_valloc(size_t size) noexcept {
  return aligned_alloc_impl(size, os::page_size(), false);
}

TESSERA_API void* ts_pvalloc(size_t size) noexcept {
  size_t page = os::page_size();
  if (size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t rounded = size == 0 ? page : align_up(size, page);
  return aligned_alloc_impl(rounded, page, false);
}

TESSERA_API size_t ts_usable_size(const void* p) noexcept { return usable_size(p); }

TESSERA_API size_t ts_good_size(size_t size) noexcept {
  if (size <= kMediumBlockMax) return kSizeClasses.block_size[size_class_of(size)];
  if (size > kMaxRequest) return size;
  return align_up(size, kSliceSize);
}

TESSERA_API void ts_free_sized(void* p, size_t size) noexcept {
  if constexpr (kCheckedBlocks) return checked_free_sized(p, size);
  if constexpr (kDebug) {
    if (p != nullptr && usable_size(p) < size) {
      report_invalid_free(p, "sized free with the wrong size");
      return;
    }
  }
  free_fast(p);
}

TESSERA_API void ts_free_aligned_sized(void* p, size_t alignment, size_t size) noexcept {
  if constexpr (kDebug) {
    if (p != nullptr && ((uintptr_t)p & (alignment - 1)) != 0) {
      report_invalid_free(p, "aligned free with the wrong alignment");
      return;
    }
  }
  ts_free_sized(p, size);
}

TESSERA_API void* ts_expand(void* p, size_t size) noexcept {
  if (p == nullptr) return nullptr;
  size_t usable = usable_size(p);
  if (usable == 0) return nullptr;
  if constexpr (kCheckedBlocks) return size <= usable ? p : nullptr;  // the canary stays put
  return size <= usable || expand_in_place(p, size) ? p : nullptr;
}

TESSERA_API char* ts_strdup(const char* s) noexcept {
  if (s == nullptr) return nullptr;
  size_t n = strlen(s) + 1;
  auto* copy = (char*)malloc_fast(n);
  if (copy != nullptr) memcpy(copy, s, n);
  return copy;
}

TESSERA_API char* ts_strndup(const char* s, size_t max) noexcept {
  if (s == nullptr) return nullptr;
  size_t n = strnlen(s, max);
  auto* copy = (char*)malloc_fast(n + 1);
  if (copy == nullptr) return nullptr;
  memcpy(copy, s, n);
  copy[n] = '\0';
  return copy;
}

TESSERA_API void ts_collect(bool force) noexcept {
  Heap* heap = thread_heap();
  if (heap == nullptr) return;
  ReentryGuard guard;
  heap->collect(force);
}

TESSERA_API int ts_version(void) noexcept { return TESSERA_VERSION; }

TESSERA_API void ts_process_info(ts_process_info_t* info) noexcept {
  if (info == nullptr) return;
  info->reserved = g_memory_stats.reserved.load(std::memory_order_relaxed);
  info->committed = g_memory_stats.committed.load(std::memory_order_relaxed);
  info->committed_peak = g_memory_stats.committed_peak.load(std::memory_order_relaxed);
  info->purged = g_memory_stats.purged.load(std::memory_order_relaxed);
}
