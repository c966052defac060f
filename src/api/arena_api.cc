// api/arena_api.cc — arenas (ts_arena_*): argument checks and errno on top of mem/arena.
#include <errno.h>

#include "base/macros.h"
#include "config/tuning.h"
#include "global/process.h"
#include "mem/arena.h"
#include "platform/os.h"
#include "tessera/tessera.h"

using namespace tessera;

static_assert(TS_ARENA_COMMIT == kArenaCommit && TS_ARENA_LARGE_PAGES == kArenaLargePages &&
              TS_ARENA_EXCLUSIVE == kArenaExclusive);
static_assert(TS_PAGES_NORMAL == (int)os::PageSize::kNormal &&
              TS_PAGES_TRANSPARENT == (int)os::PageSize::kTransparent &&
              TS_PAGES_LARGE == (int)os::PageSize::kLarge2M &&
              TS_PAGES_HUGE == (int)os::PageSize::kHuge1G);

namespace {

int reserve(size_t size, int flags, os::PageSize want, uint64_t deadline_ms, ts_arena_id_t* id) {
  process_init();  // verbose messages need the options
  int status = arena_reserve(size, flags, want, deadline_ms, id);
  if (status < 0) errno = -status;
  return status;
}

}  // namespace

TESSERA_API int ts_arena_reserve(size_t size, int flags, ts_arena_id_t* arena_id) noexcept {
  os::PageSize want = (flags & TS_ARENA_LARGE_PAGES) ? os::PageSize::kLarge2M
                                                     : os::PageSize::kNormal;
  return reserve(size, flags, want, 0, arena_id);
}

TESSERA_API int ts_arena_reserve_huge_pages(size_t count, size_t timeout_ms,
                                            ts_arena_id_t* arena_id) noexcept {
  constexpr size_t kGiB = (size_t)1 << 30;
  if (count == 0 || count > (kArenaMaxSegments << kSegmentShift) / kGiB) {
    errno = EINVAL;
    return -EINVAL;
  }
  uint64_t deadline = timeout_ms == 0 ? 0 : os::now_ms() + timeout_ms;
  return reserve(count * kGiB, TS_ARENA_EXCLUSIVE, os::PageSize::kHuge1G, deadline, arena_id);
}

TESSERA_API bool ts_arena_info(ts_arena_id_t arena_id, ts_arena_info_t* info) noexcept {
  ArenaSnapshot a;
  if (info == nullptr || !arena_info(arena_id, &a)) {
    errno = EINVAL;
    return false;
  }
  *info = ts_arena_info_t{a.start, a.size, a.in_use, (int)a.pages, a.exclusive};
  return true;
}
