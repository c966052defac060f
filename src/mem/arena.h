// mem/arena.h — arenas: address space reserved up front (optionally on 2 MiB or 1 GiB pages)
// and handed out to heaps a segment at a time. A heap created in an arena takes every
// segment from it; an exclusive arena serves no other heap, a shared one serves every heap
// before new address space is mapped. Thread-safe under one lock; never on a fast path.
// Layer mem/.
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/spinlock.h"
#include "platform/os.h"

namespace tessera {

inline constexpr int kMaxArenas = 64;
inline constexpr size_t kArenaMaxSegments = 8192;  // 256 GiB of 32 MiB segments

inline constexpr int kArenaCommit = 1, kArenaLargePages = 2, kArenaExclusive = 4;

struct ArenaSnapshot {
  void* start;
  size_t size;
  size_t in_use;
  os::PageSize pages;
  bool exclusive;
};

// Reserves an arena of `size` bytes (rounded up to segments) backed by `want` pages or
// smaller; stores its id (1..kMaxArenas). Returns what backs it, or a negative errno.
int arena_reserve(size_t size, int flags, os::PageSize want, uint64_t deadline_ms, int* id);
bool arena_info(int id, ArenaSnapshot* info);
bool arena_exists(int id);

// `count` contiguous segments of arena `id`, or of any shared arena when id is 0; nullptr
// when none has room. *zeroed tells whether the memory reads as zero; *pinned whether it must
// never be purged (hugetlb pages). *from is the arena the segments came from.
void* arena_alloc(int id, size_t count, bool* zeroed, bool* pinned, int* from);
// Gives segments back to their arena (purging them unless pinned).
void arena_free(int id, void* start, size_t count);
// Whether heaps outside arena `id` may use memory of it (it is shared).
bool arena_is_exclusive(int id);

// The start-up arenas the options ask for (reserve_huge_os_pages, reserve_os_memory), shared
// by every heap. Called once, from process_init.
void arenas_reserve_from_options();
// When large_os_pages or eager_commit is on, tessera's memory comes from shared arenas of
// arena_reserve bytes, reserved as needed, so that those options apply to it. Reserves one more;
// false when those options are off or it cannot.
bool arena_grow_for_options();

// For the fork handlers.
SpinLock& arena_lock();

}  // namespace tessera
