// mem/metadata_guard.h — secure builds' guard pages in every segment (mem/segment.h), made
// inaccessible so that a linear overflow faults instead of running on:
//   - the last OS page of the metadata: an underflow running backwards from the first block
//     cannot rewrite slice descriptors or block bits;
//   - the last slice: an overflow off the end of the segment's last block cannot run into the
//     next segment (a whole slice, not one OS page, so that spans stay whole slices; it costs
//     64 KiB of address space per 32 MiB and no memory).
// Segments going back to an arena are made accessible again first: the arena may hand the
// memory out as part of a huge block. Layer mem/.
#pragma once
#include "config/build_mode.h"
#include "mem/segment.h"
#include "platform/os.h"

namespace tessera {

inline constexpr size_t kMetadataGuardBytes = 4096;
inline constexpr size_t kSegmentGuardBytes = kSegmentGuardSlices * kSliceSize;

inline uint8_t* metadata_guard_start(Segment* seg) {
  return (uint8_t*)seg + kSegmentMetaSlices * kSliceSize - kMetadataGuardBytes;
}
inline uint8_t* segment_guard_start(Segment* seg) {
  return (uint8_t*)seg + kSegmentSpanEnd * kSliceSize;
}

// On a fresh segment. (Refused on hugetlb pages, which cannot be split: those go unguarded.)
inline void segment_guards_set(Segment* seg) {
  if constexpr (kSecure) {
    os::protect_none(metadata_guard_start(seg), kMetadataGuardBytes);
    os::protect_none(segment_guard_start(seg), kSegmentGuardBytes);
  }
}

// Before the segment's memory goes back to its arena.
inline void segment_guards_clear(Segment* seg) {
  if constexpr (kSecure) {
    os::protect_read_write(metadata_guard_start(seg), kMetadataGuardBytes);
    os::protect_read_write(segment_guard_start(seg), kSegmentGuardBytes);
  }
}

}  // namespace tessera
