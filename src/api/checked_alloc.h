// api/checked_alloc.h — the checked builds' entry points besides malloc and free (which
// api/fast_path.h declares): aligned allocation, usable size, realloc's source, sized free.
// Layer api/.
#pragma once
#include <stddef.h>

#include "api/fast_path.h"
#include "secure/block_check.h"

namespace tessera::api {

// A checked block of `size` bytes aligned to `alignment` (> 16), from heap.
void* checked_malloc_aligned(HeapImpl* heap, size_t size, size_t alignment);
// The bytes live block p may use; 0 when p is not a live block (nothing reported).
size_t checked_usable_size(const void* p);
// Validates p as the block a realloc moves from (reporting errors): its requested size, or
// kNotLive.
size_t checked_realloc_source(void* p);
// A free that must name the block's requested size.
void checked_free_sized(void* p, size_t size);

}  // namespace tessera::api
