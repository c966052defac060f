// mem/metadata_guard.h — secure builds end every segment's metadata with an inaccessible OS
// page, so a linear overflow running backwards from the first block (an underflow) faults
// instead of rewriting slice descriptors or block bits. Layer mem/.
#pragma once
#include "config/build_mode.h"
#include "mem/segment.h"
#include "platform/os.h"

namespace tessera {

inline constexpr size_t kMetadataGuardBytes = 4096;

inline void metadata_guard(Segment* seg) {
  if constexpr (kSecure) {
    os::protect_none((uint8_t*)seg + kSegmentMetaSlices * kSliceSize - kMetadataGuardBytes,
                     kMetadataGuardBytes);
  }
}

}  // namespace tessera
