// mem/segment_map.cc — writers of the segment map (segment creation and release).
#include "mem/segment_map.h"

#include "base/bits.h"

namespace tessera {

uint16_t g_segment_map[kSegmentMapEntries];

bool segment_map_add(uintptr_t start, size_t size) {
  size_t chunks = div_ceil(size, kSegmentSize);
  if (chunks > 0xffff) return false;
  size_t first = start >> kSegmentShift;
  for (size_t i = 0; i < chunks; i++) {
    __atomic_store_n(&g_segment_map[(first + i) & (kSegmentMapEntries - 1)], (uint16_t)(i + 1),
                     __ATOMIC_RELEASE);
  }
  return true;
}

void segment_map_remove(uintptr_t start, size_t size) {
  size_t chunks = div_ceil(size, kSegmentSize);
  size_t first = start >> kSegmentShift;
  for (size_t i = 0; i < chunks; i++) {
    __atomic_store_n(&g_segment_map[(first + i) & (kSegmentMapEntries - 1)], (uint16_t)0,
                     __ATOMIC_RELEASE);
  }
}

}  // namespace tessera
