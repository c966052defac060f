// api/heap_api.cc — first-class heaps (ts_heap_*): the same semantics as the default-heap
// functions (api/allocation.h), on a heap the caller names. A heap is usable only in the
// thread that created it; anything else is reported and refused with EPERM.
#include <errno.h>

#include "api/allocation.h"
#include "api/fast_path.h"
#include "global/thread.h"
#include "mem/arena.h"
#include "secure/held_block.h"
#include "tessera/tessera.h"

using namespace tessera;
using namespace tessera::api;

namespace {

HeapImpl* as_heap(ts_heap_t* heap) { return reinterpret_cast<HeapImpl*>(heap); }
const HeapImpl* as_heap(const ts_heap_t* heap) { return reinterpret_cast<const HeapImpl*>(heap); }
ts_heap_t* as_handle(HeapImpl* heap) { return reinterpret_cast<ts_heap_t*>(heap); }

// The heap if the calling thread may use it; otherwise reports `what` and returns nullptr
// with errno EPERM.
HeapImpl* usable(ts_heap_t* handle, const char* what) {
  HeapImpl* heap = as_heap(handle);
  if (TESSERA_LIKELY(heap_usable_here(heap))) return heap;
  report_heap_misuse(heap, what);
  errno = EPERM;
  return nullptr;
}

constexpr const char* kNotHere = "heap used by a thread that does not own it, or after delete";

// A first-class heap the caller may delete, destroy or reset.
HeapImpl* first_class(ts_heap_t* handle, const char* what) {
  HeapImpl* heap = usable(handle, what);
  if (heap != nullptr && !heap->first_class) {
    report_heap_misuse(heap, "a thread's own heap cannot be deleted, destroyed or reset");
    errno = EINVAL;
    return nullptr;
  }
  return heap;
}

ts_heap_t* new_heap(int arena_id) {
  HeapImpl* heap;
  {
    ReentryGuard guard;
    heap = heap_create(arena_id);
  }
  if (heap == nullptr) errno = ENOMEM;
  return as_handle(heap);
}

}  // namespace

TESSERA_API ts_heap_t* ts_heap_new(void) noexcept { return new_heap(0); }

TESSERA_API ts_heap_t* ts_heap_new_in_arena(ts_arena_id_t arena_id) noexcept {
  if (!arena_exists(arena_id)) {
    errno = EINVAL;
    return nullptr;
  }
  return new_heap(arena_id);
}

TESSERA_API void ts_heap_delete(ts_heap_t* handle) noexcept {
  if (handle == nullptr) return;
  HeapImpl* heap = first_class(handle, kNotHere);
  if (heap == nullptr) return;
  ReentryGuard guard;
  heap_delete(heap);
}

TESSERA_API void ts_heap_destroy(ts_heap_t* handle) noexcept {
  if (handle == nullptr) return;
  HeapImpl* heap = first_class(handle, kNotHere);
  if (heap == nullptr) return;
  ReentryGuard guard;
  heap_destroy(heap);
}

TESSERA_API void ts_heap_reset(ts_heap_t* handle) noexcept {
  HeapImpl* heap = first_class(handle, kNotHere);
  if (heap == nullptr) return;
  ReentryGuard guard;
  heap->free_all_blocks();
}

TESSERA_API void* ts_heap_malloc(ts_heap_t* handle, size_t size) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? heap_malloc_fast(heap, size) : nullptr;
}

TESSERA_API void* ts_heap_zalloc(ts_heap_t* handle, size_t size) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? zalloc(heap, size) : nullptr;
}

TESSERA_API void* ts_heap_calloc(ts_heap_t* handle, size_t count, size_t size) noexcept {
  size_t total;
  if (!array_bytes(count, size, &total)) return nullptr;
  return ts_heap_zalloc(handle, total);
}

TESSERA_API void* ts_heap_realloc(ts_heap_t* handle, void* p, size_t size) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? realloc_impl(heap, p, size, 16) : nullptr;
}

TESSERA_API void* ts_heap_reallocarray(ts_heap_t* handle, void* p, size_t count,
                                       size_t size) noexcept {
  size_t total;
  if (!array_bytes(count, size, &total)) return nullptr;
  return ts_heap_realloc(handle, p, total);
}

TESSERA_API void* ts_heap_malloc_aligned(ts_heap_t* handle, size_t size, size_t alignment) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? aligned_alloc_impl(heap, size, alignment, false) : nullptr;
}

TESSERA_API void* ts_heap_zalloc_aligned(ts_heap_t* handle, size_t size, size_t alignment) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? aligned_alloc_impl(heap, size, alignment, true) : nullptr;
}

TESSERA_API void* ts_heap_realloc_aligned(ts_heap_t* handle, void* p, size_t size,
                                          size_t alignment) noexcept {
  if (!is_power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? realloc_impl(heap, p, size, alignment) : nullptr;
}

TESSERA_API char* ts_heap_strdup(ts_heap_t* handle, const char* s) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? strdup_impl(heap, s) : nullptr;
}

TESSERA_API ts_heap_t* ts_heap_get_default(void) noexcept {
  HeapImpl* heap = thread_heap();
  if (heap == nullptr) errno = ENOMEM;
  return as_handle(heap);
}

TESSERA_API ts_heap_t* ts_heap_set_default(ts_heap_t* handle) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  return heap ? as_handle(heap_set_default(heap)) : nullptr;
}

namespace {

// The page whose blocks p points into (any address inside a block: checked builds hand out
// addresses past a header), or nullptr.
Page* page_with_blocks_at(const void* p) {
  if (p == nullptr) return nullptr;
  Page* page = page_of(p);
  if (page == nullptr || page->block_size == 0 || page->used == 0) return nullptr;
  size_t offset = (uintptr_t)p - (uintptr_t)page->start;
  return offset < (size_t)page->reserved * page->block_size ? page : nullptr;
}

}  // namespace

TESSERA_API ts_heap_t* ts_heap_of(const void* p) noexcept {
  Page* page = page_with_blocks_at(p);
  return page ? as_handle(page->heap.load(std::memory_order_acquire)) : nullptr;
}

TESSERA_API bool ts_heap_contains(const ts_heap_t* heap, const void* p) noexcept {
  Page* page = page_with_blocks_at(p);
  return heap != nullptr && page != nullptr &&
         page->heap.load(std::memory_order_acquire) == as_heap(heap);
}

TESSERA_API void ts_heap_collect(ts_heap_t* handle, bool force) noexcept {
  HeapImpl* heap = usable(handle, kNotHere);
  if (heap == nullptr) return;
  ReentryGuard guard;
  heap->collect(force);
}

namespace {

struct VisitAdapter {
  const ts_heap_t* heap;
  ts_block_visit_fn* visitor;
  void* arg;
};

bool visit_adapter(const HeapArea& area, void* block, size_t block_size, void* arg) {
  auto* a = (VisitAdapter*)arg;
  if constexpr (kCheckedBlocks) {
    // The program holds an address past the block's header, of the size it asked for.
    if (block != nullptr) {
      HeldBlock held = held_block(page_of(block), (uint8_t*)block);
      if (held.user == nullptr) return true;
      block = held.user;
      block_size = held.usable;
    }
  }
  ts_heap_area_t out{area.blocks, area.reserved, area.committed, area.used, area.block_size};
  return a->visitor(a->heap, &out, block, block_size, a->arg);
}

}  // namespace

TESSERA_API bool ts_heap_visit_blocks(const ts_heap_t* handle, bool visit_all_blocks,
                                      ts_block_visit_fn* visitor, void* arg) noexcept {
  HeapImpl* heap = usable(const_cast<ts_heap_t*>(handle), kNotHere);
  if (heap == nullptr || visitor == nullptr) return false;
  VisitAdapter adapter{handle, visitor, arg};
  return heap_visit(heap, visit_all_blocks, visit_adapter, &adapter);
}
