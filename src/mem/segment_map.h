// mem/segment_map.h — from any address to the segment that holds it, in O(1) with no lock.
// Layer mem/.
//
// One 16-bit entry per 32 MiB of the 48-bit address space (8 Mi entries, 16 MiB of .bss that
// the kernel only backs where written). Entry 0: not tessera's memory. Entry k > 0: this chunk
// lies k-1 chunks after the start of a segment. Normal segments use entry 1 only; a huge
// segment spans several chunks. free() validates every pointer with this single load.
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/macros.h"
#include "config/tuning.h"

namespace tessera {

inline constexpr size_t kSegmentMapEntries = (size_t)1 << (48 - kSegmentShift);
extern uint16_t g_segment_map[kSegmentMapEntries];

TESSERA_FAST_PATH uint16_t segment_map_entry(uintptr_t address) {
  // Addresses above 2^48 wrap around; user-space pointers on x86-64 and arm64 stay below.
  return __atomic_load_n(&g_segment_map[(address >> kSegmentShift) & (kSegmentMapEntries - 1)],
                         __ATOMIC_RELAXED);
}

// Start of the segment holding address, or 0 when tessera does not own it.
TESSERA_FAST_PATH uintptr_t segment_map_lookup(uintptr_t address) {
  uint16_t e = segment_map_entry(address);
  if (e == 0) return 0;
  return ((address >> kSegmentShift) - (e - 1)) << kSegmentShift;
}

// Registers (or clears) [start, start + size); start is segment-aligned. Returns false when
// the segment is too large to describe (more than 65535 chunks).
bool segment_map_add(uintptr_t start, size_t size);
void segment_map_remove(uintptr_t start, size_t size);

}  // namespace tessera
