// mem/arena.cc — arena reservation and a first-fit bitmap of their segments.
#include "mem/arena.h"

#include <errno.h>

#include "base/bits.h"
#include "base/message.h"
#include "config/options.h"
#include "config/tuning.h"
#include "mem/memory_stats.h"

namespace tessera {

namespace {

inline constexpr size_t kWords = kArenaMaxSegments / 64;

struct Arena {
  uint8_t* start;
  size_t segments;
  size_t in_use;
  os::PageSize pages;
  bool exclusive;
  bool pinned;                  // hugetlb pages: purging would not give memory back
  uint64_t used[kWords];        // bit i: segment i is handed out
  uint64_t dirty[kWords];       // bit i: segment i was used and not purged since
};

SpinLock g_lock;
Arena g_arenas[kMaxArenas];
int g_arena_count = 0;  // ids 1..g_arena_count exist; arenas are never unreserved

bool bit(const uint64_t* map, size_t i) { return (map[i / 64] >> (i % 64)) & 1; }
void set_bits(uint64_t* map, size_t first, size_t count, bool on) {
  for (size_t i = first; i < first + count; i++) {
    if (on) map[i / 64] |= (uint64_t)1 << (i % 64);
    else map[i / 64] &= ~((uint64_t)1 << (i % 64));
  }
}

// First run of `count` free segments, or a.segments when none.
size_t find_run(const Arena& a, size_t count) {
  size_t run = 0;
  for (size_t i = 0; i < a.segments; i++) {
    run = bit(a.used, i) ? 0 : run + 1;
    if (run == count) return i + 1 - count;
  }
  return a.segments;
}

void* take(Arena& a, size_t count, bool* zeroed, bool* pinned) {
  size_t first = find_run(a, count);
  if (first == a.segments) return nullptr;
  bool dirty = false;
  for (size_t i = first; i < first + count; i++) dirty |= bit(a.dirty, i);
  set_bits(a.used, first, count, true);
  set_bits(a.dirty, first, count, true);
  a.in_use += count * kSegmentSize;
  *zeroed = !dirty;
  *pinned = a.pinned;
  return a.start + first * kSegmentSize;
}

const char* page_name(os::PageSize p) {
  switch (p) {
    case os::PageSize::kNormal: return "normal pages";
    case os::PageSize::kTransparent: return "transparent huge pages";
    case os::PageSize::kLarge2M: return "2 MiB pages";
    case os::PageSize::kHuge1G: return "1 GiB pages";
  }
  return "?";
}

}  // namespace

int arena_reserve(size_t size, int flags, os::PageSize want, uint64_t deadline_ms, int* id) {
  if (size == 0 || size > kArenaMaxSegments * kSegmentSize || id == nullptr ||
      (flags & ~(kArenaCommit | kArenaLargePages | kArenaExclusive)) != 0) {
    return -EINVAL;
  }
  size_t bytes = align_up(size, kSegmentSize);
  if (!g_memory_stats.try_reserve(bytes)) return -ENOMEM;  // (limit_os_memory)
  os::PageSize got;
  void* start = os::map_reserve(bytes, kSegmentSize, want, flags & kArenaCommit, deadline_ms, &got);
  if (start == nullptr) {
    g_memory_stats.unreserve(bytes);
    return -ENOMEM;
  }
  int new_id;
  {
    LockGuard guard(g_lock);
    if (g_arena_count == kMaxArenas) {
      os::unmap(start, bytes);
      g_memory_stats.unreserve(bytes);
      return -ENOMEM;
    }
    Arena& a = g_arenas[g_arena_count];
    a.start = (uint8_t*)start;
    a.segments = bytes / kSegmentSize;
    a.pages = got;
    a.exclusive = flags & kArenaExclusive;
    a.pinned = got >= os::PageSize::kLarge2M;
    new_id = ++g_arena_count;
  }
  if (g_options.verbose) {
    Message m;
    m.text("tessera: arena ").num(new_id).text(": ").num(bytes >> 20).text(" MiB at ").ptr(start)
        .text(" on ").text(page_name(got));
    if (got < want) m.text(" (").text(page_name(want)).text(" not available)");
    m.text("\n");
    os::write_stderr(m.data(), m.size());
  }
  *id = new_id;
  return (int)got;
}

bool arena_exists(int id) {
  return id > 0 && id <= __atomic_load_n(&g_arena_count, __ATOMIC_ACQUIRE);
}

bool arena_is_exclusive(int id) { return arena_exists(id) && g_arenas[id - 1].exclusive; }

bool arena_info(int id, ArenaSnapshot* info) {
  if (!arena_exists(id)) return false;
  LockGuard guard(g_lock);
  const Arena& a = g_arenas[id - 1];
  *info = ArenaSnapshot{a.start, a.segments * kSegmentSize, a.in_use, a.pages, a.exclusive};
  return true;
}

void* arena_alloc(int id, size_t count, bool* zeroed, bool* pinned, int* from) {
  if (__atomic_load_n(&g_arena_count, __ATOMIC_ACQUIRE) == 0) return nullptr;
  LockGuard guard(g_lock);
  for (int i = 0; i < g_arena_count; i++) {
    Arena& a = g_arenas[i];
    if (id != 0 ? i + 1 != id : a.exclusive) continue;
    if (void* p = take(a, count, zeroed, pinned)) {
      *from = i + 1;
      return p;
    }
  }
  return nullptr;
}

void arena_free(int id, void* start, size_t count) {
  Arena& a = g_arenas[id - 1];
  size_t first = (size_t)((uint8_t*)start - a.start) / kSegmentSize;
  if (!a.pinned) os::purge(start, count * kSegmentSize);  // outside the lock: it is slow
  LockGuard guard(g_lock);
  set_bits(a.used, first, count, false);
  if (!a.pinned) set_bits(a.dirty, first, count, false);
  a.in_use -= count * kSegmentSize;
}

namespace {

int flags_from_options(os::PageSize* want) {
  bool large = g_options.large_os_pages.load(std::memory_order_relaxed) != 0;
  *want = large ? os::PageSize::kLarge2M : os::PageSize::kNormal;
  return (large ? kArenaLargePages : 0) |
         (g_options.eager_commit.load(std::memory_order_relaxed) != 0 ? kArenaCommit : 0);
}

}  // namespace

void arenas_reserve_from_options() {
  int id;
  if (long pages = g_options.reserve_huge_os_pages.load(std::memory_order_relaxed); pages > 0) {
    // 1 GiB pages are committed by nature; a fallback to smaller pages is not populated.
    constexpr size_t kGiB = (size_t)1 << 30;
    uint64_t deadline = os::now_ms() + 1000 * (uint64_t)pages;
    arena_reserve((size_t)pages * kGiB, 0, os::PageSize::kHuge1G, deadline, &id);
  }
  if (long bytes = g_options.reserve_os_memory.load(std::memory_order_relaxed); bytes > 0) {
    os::PageSize want;
    int flags = flags_from_options(&want);
    arena_reserve((size_t)bytes, flags, want, 0, &id);
  }
}

bool arena_grow_for_options() {
  os::PageSize want;
  int flags = flags_from_options(&want);
  long bytes = g_options.arena_reserve.load(std::memory_order_relaxed);
  if (flags == 0 || bytes <= 0) return false;
  int id;
  return arena_reserve((size_t)bytes, flags, want, 0, &id) >= 0;
}

SpinLock& arena_lock() { return g_lock; }

}  // namespace tessera
