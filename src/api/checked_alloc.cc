// api/checked_alloc.cc — malloc and free in checked builds (config/build_mode.h): the bare
// fast paths of api/fast_path.h with secure/block_check.h around them. A block of n bytes is
// taken as n + header + at least one canary byte; the program gets the address after the
// header. Nothing here is compiled into release builds' paths.
#include <errno.h>

#include "api/checked_alloc.h"
#include "secure/heap_check.h"

namespace tessera::api {

namespace {

inline constexpr size_t kPaddingBytes = kHeaderBytes + kCanaryMinBytes;

void check_heap() {
  if constexpr (kDebugFull) {
    if (t_heap->initialized) heap_check(t_heap);
  }
}

}  // namespace

void* checked_malloc(HeapImpl* heap, size_t size) {
  size_t raw;
  if (__builtin_add_overflow(size, kPaddingBytes, &raw) || raw > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  for (;;) {
    auto* block = (uint8_t*)heap_malloc_unchecked(heap, raw);
    if (block == nullptr) return nullptr;
    if (block_prepare(page_of(block), block, block + kHeaderBytes, size)) {
      check_heap();
      return block + kHeaderBytes;
    }
  }
}

void checked_free(void* p) {
  if (p == nullptr) return;
  BlockInfo info = block_retire(page_of(p), p, BlockOp::kFree);
  if (info.ok) free_unchecked(info.block);
  check_heap();
}

void* checked_malloc_aligned(HeapImpl* heap, size_t size, size_t alignment) {
  // The header goes in the alignment's worth of room before the address handed out.
  size_t lead = kPadding ? alignment : 0;
  size_t raw;
  if (__builtin_add_overflow(size, lead + kCanaryMinBytes, &raw) || raw > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  for (;;) {
    auto* q = (uint8_t*)heap->malloc_aligned(raw, alignment);
    if (q == nullptr) return nullptr;
    Page* page = page_of(q);
    if (block_prepare(page, containing_block(page, q), q + lead, size)) {
      check_heap();
      return q + lead;
    }
  }
}

size_t checked_usable_size(const void* p) {
  if (p == nullptr) return 0;
  size_t n = block_requested_size(page_of(p), p);
  return n == kNotLive ? 0 : usable_of(n);
}

size_t checked_realloc_source(void* p) {
  BlockInfo info = block_retire(page_of(p), p, BlockOp::kRealloc);
  return info.ok ? info.size : kNotLive;
}

void checked_free_sized(void* p, size_t size) {
  if (p == nullptr) return;
  size_t requested = block_requested_size(page_of(p), p);
  if (requested != kNotLive && size != requested) {
    report_block_error("sized delete with the wrong size", p, requested, "freed as size ", size,
                       "");
    return;  // leaked
  }
  checked_free(p);
}

}  // namespace tessera::api
