// api/allocation.h — the C API's semantics shared by the default-heap functions (ts_malloc,
// …, api/malloc_api.cc) and the first-class heap functions (ts_heap_malloc, …,
// api/heap_api.cc): zeroing, alignment, realloc's in-place rules, sizes. `heap` is the heap
// that allocates: the thread's default (possibly still the static empty heap) or a
// first-class heap of the calling thread. Layer api/.
#pragma once
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api/checked_alloc.h"
#include "api/fast_path.h"
#include "debug/track.h"

namespace tessera::api {

// count * size into *total for the array functions (calloc, reallocarray); false with errno
// ENOMEM when it overflows.
inline bool array_bytes(size_t count, size_t size, size_t* total) {
  if (!__builtin_mul_overflow(count, size, total)) return true;
  errno = ENOMEM;
  return false;
}

// Bytes usable in the block at p (an interior aligned pointer counts from p); 0 when p is not
// a block in use.
inline size_t usable_size(const void* p) {
  if constexpr (kCheckedBlocks) return checked_usable_size(p);
  if (p == nullptr) return 0;
  Page* page = page_of(p);
  if (page == nullptr || page->block_size == 0) return 0;
  uint8_t* start = page_block_start(page, p);
  if (start == nullptr) return 0;
  return page->block_size - (size_t)((const uint8_t*)p - start);
}

inline size_t good_size(size_t size) {
  if (size <= kMediumBlockMax) return kSizeClasses.block_size[size_class_of(size)];
  if (size > kMaxRequest) return size;
  return align_up(size, kSliceSize);
}

// Whether a block just returned by malloc for `size` bytes is known to read as zero.
inline bool known_zero(const void* p, size_t size) {
  if (size <= kMediumBlockMax) return false;
  Page* page = page_of(p);
  return page != nullptr && page->zeroed && page->start == p;
}

inline void* zalloc(HeapImpl* heap, size_t size) {
  void* p = heap_malloc_fast(heap, size);
  if (p == nullptr) return p;
  if (!known_zero(p, size)) {
    memset(p, 0, size);
  } else {
    track::defined(p, size);  // zero without a write memcheck could see
  }
  return p;
}

inline void* aligned_alloc_impl(HeapImpl* heap, size_t size, size_t alignment, bool zero) {
  if (!is_power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  if (alignment <= 16) return zero ? zalloc(heap, size) : heap_malloc_fast(heap, size);
  if (!heap->initialized) heap = thread_heap();
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

// Grows p in place to `size` bytes when it is a large block of `heap` with free slices right
// after it (so realloc growth of big buffers copies nothing).
inline bool expand_in_place(HeapImpl* heap, void* p, size_t size) {
  Page* page = page_of(p);
  if (page == nullptr || page->kind != SpanKind::kLarge || page->start != p) return false;
  if ((page->free_key.load(std::memory_order_relaxed) & ~kSlowFreeBit) != (uintptr_t)heap ||
      !heap->initialized) {
    return false;
  }
  ReentryGuard guard;
  return heap->grow_large_in_place(page, size);
}

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

// realloc with glibc's semantics; a block that moves is reallocated from `heap` with
// `alignment` (16 for plain realloc).
inline void* realloc_impl(HeapImpl* heap, void* p, size_t size, size_t alignment) {
  auto allocate = [&](size_t n) {
    return alignment <= 16 ? heap_malloc_fast(heap, n)
                           : aligned_alloc_impl(heap, n, alignment, false);
  };
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
      (size >= usable / 2 || good_size(size) >= usable)) {
    return p;
  }
  if (size > usable && alignment <= kSliceSize && expand_in_place(heap, p, size)) return p;
  void* q = allocate(size);
  if (q == nullptr) return nullptr;  // errno set; p untouched
  memcpy(q, p, size < usable ? size : usable);
  free_fast(p);
  return q;
}

inline char* strdup_impl(HeapImpl* heap, const char* s) {
  if (s == nullptr) return nullptr;
  size_t n = strlen(s) + 1;
  auto* copy = (char*)heap_malloc_fast(heap, n);
  if (copy != nullptr) memcpy(copy, s, n);
  return copy;
}

}  // namespace tessera::api
