// api/malloc_api.cc — the C API (include/tessera/tessera.h): glibc-compatible semantics
// (errno, overflow, alignment rules) on top of the thread's heap. The two fast paths live
// here; everything else calls into mem/.
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api/allocation.h"
#include "api/checked_alloc.h"
#include "api/fast_path.h"
#include "config/options.h"
#include "mem/memory_stats.h"
#include "tessera/tessera.h"

namespace tessera::api {

void* malloc_slow(size_t size, HeapImpl* heap) {
  if (!heap->initialized) heap = thread_heap();
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

using namespace tessera;
using namespace tessera::api;

TESSERA_API void* ts_malloc(size_t size) noexcept { return malloc_fast(size); }

TESSERA_API void ts_free(void* p) noexcept { free_fast(p); }

TESSERA_API void* ts_zalloc(size_t size) noexcept { return zalloc(t_heap, size); }

TESSERA_API void* ts_calloc(size_t count, size_t size) noexcept {
  size_t total;
  if (!array_bytes(count, size, &total)) return nullptr;
  return zalloc(t_heap, total);
}

TESSERA_API void* ts_realloc(void* p, size_t size) noexcept {
  return realloc_impl(t_heap, p, size, 16);
}

TESSERA_API void* ts_reallocarray(void* p, size_t count, size_t size) noexcept {
  size_t total;
  if (!array_bytes(count, size, &total)) return nullptr;
  return ts_realloc(p, total);
}

TESSERA_API void* ts_malloc_aligned(size_t size, size_t alignment) noexcept {
  return aligned_alloc_impl(t_heap, size, alignment, false);
}

TESSERA_API void* ts_zalloc_aligned(size_t size, size_t alignment) noexcept {
  return aligned_alloc_impl(t_heap, size, alignment, true);
}

TESSERA_API void* ts_realloc_aligned(void* p, size_t size, size_t alignment) noexcept {
  if (!is_power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return realloc_impl(t_heap, p, size, alignment);
}

TESSERA_API void* ts_aligned_alloc(size_t alignment, size_t size) noexcept {
  return aligned_alloc_impl(t_heap, size, alignment, false);
}

TESSERA_API int ts_posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (!is_power_of_two(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  int saved_errno = errno;
  void* p = aligned_alloc_impl(t_heap, size, alignment, false);
  errno = saved_errno;
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

TESSERA_API void* ts_memalign(size_t alignment, size_t size) noexcept {
  return aligned_alloc_impl(t_heap, size, alignment, false);
}

TESSERA_API void* ts_valloc(size_t size) noexcept {
  return aligned_alloc_impl(t_heap, size, os::page_size(), false);
}

TESSERA_API void* ts_pvalloc(size_t size) noexcept {
  size_t page = os::page_size();
  if (size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t rounded = size == 0 ? page : align_up(size, page);
  return aligned_alloc_impl(t_heap, rounded, page, false);
}

TESSERA_API size_t ts_usable_size(const void* p) noexcept { return usable_size(p); }

TESSERA_API size_t ts_good_size(size_t size) noexcept { return good_size(size); }

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
  return size <= usable || expand_in_place(t_heap, p, size) ? p : nullptr;
}

TESSERA_API char* ts_strdup(const char* s) noexcept { return strdup_impl(t_heap, s); }

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
  HeapImpl* heap = thread_heap();
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
