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

// A huge block of at least `size` bytes aligned to `alignment` (a power of two), or nullptr.
// *zeroed tells whether its memory is known to be zero.
void* huge_alloc(size_t size, size_t alignment, bool* zeroed);
// Frees the huge block whose page is `page` (any thread).
void huge_free(Page* page);
// Unmaps cached blocks freed at least delay_ms ago (all with force). Returns bytes released.
size_t huge_cache_purge(uint64_t now_ms, uint64_t delay_ms, bool force);
// The page of a huge segment (its only block).
Page* huge_page(void* segment);

// For the fork handlers: the cache's lock, and forgetting the cache (leaking its blocks) in a
// child forked while this thread was updating it.
SpinLock& huge_cache_lock();
void huge_cache_forget();

}  // namespace tessera
