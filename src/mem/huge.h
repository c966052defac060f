// mem/huge.h — huge blocks (above kLargeMax): each one a segment of its own, mapped directly
// and kept in a process-wide cache after free so that the next huge request of a similar size
// reuses it without page faults; cached blocks unused past the purge delay are unmapped.
// Thread-safe (one lock, never on a fast path). Layer mem/.
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/spinlock.h"
#include "mem/page.h"

namespace tessera {

struct HeapImpl;

// A huge block of at least `size` bytes aligned to `alignment` (a power of two) for `heap`
// (from its arena, if it has one), or nullptr. *zeroed tells whether its memory is known to be
// zero. The heap keeps it on its huge list, so that it can be destroyed with the heap.
void* huge_alloc(HeapImpl* heap, size_t size, size_t alignment, bool* zeroed);
// Frees the huge block whose page is `page` (any thread).
void huge_free(Page* page);
// Moves every huge block of `from` to `to` (nullptr: no owner any more).
void huge_transfer(HeapImpl* from, HeapImpl* to);
// Frees every huge block of `heap`.
void huge_free_all(HeapImpl* heap);
struct HeapArea;
// The area of the heap's index-th huge block; false past the last.
bool huge_area(HeapImpl* heap, size_t index, HeapArea* area);
// Unmaps cached blocks freed at least delay_ms ago (all with force). Returns bytes released.
size_t huge_cache_purge(uint64_t now_ms, uint64_t delay_ms, bool force);
// The page of a huge segment (its only block).
Page* huge_page(void* segment);

// For the fork handlers: the cache's lock, and forgetting the cache (leaking its blocks) in a
// child forked while this thread was updating it.
SpinLock& huge_cache_lock();
void huge_cache_forget();

}  // namespace tessera
