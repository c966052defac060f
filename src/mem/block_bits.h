// mem/block_bits.h — which blocks of a segment are live and which were freed, one bit each
// per 16-byte granule of the segment, indexed by the address handed to the program. Checked
// builds only (config/build_mode.h): in release builds BlockBits is empty and costs nothing.
//
// Kept in the segment's metadata slices, apart from user data, so an overflow cannot forge
// them. They make double and invalid frees certain: a free of a pointer whose live bit is
// clear is an error, and the freed bit tells a double free from a pointer never handed out.
// Any thread may flip a bit (remote frees): the words are atomic. Layer mem/.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "config/build_mode.h"
#include "config/tuning.h"

namespace tessera {

inline constexpr size_t kGranuleShift = 4;
inline constexpr size_t kSegmentGranules = kSegmentSize >> kGranuleShift;

struct BlockBitsStorage {
  std::atomic<uint64_t> live[kSegmentGranules / 64];
  std::atomic<uint64_t> freed[kSegmentGranules / 64];
};
// Release builds: no storage (the segment does not grow); code that names the bitmaps still
// compiles, and granule lookups there say "no bit" before any is touched.
struct NoBlockBits {
  static inline std::atomic<uint64_t> live[1];
  static inline std::atomic<uint64_t> freed[1];
};
using BlockBits = std::conditional_t<kCheckedBlocks, BlockBitsStorage, NoBlockBits>;

// Bit `i` of a bitmap: set or clear it, returning its previous value.
inline bool bit_set(std::atomic<uint64_t>* map, size_t i) {
  uint64_t mask = (uint64_t)1 << (i & 63);
  return (map[i >> 6].fetch_or(mask, std::memory_order_acq_rel) & mask) != 0;
}
inline bool bit_clear(std::atomic<uint64_t>* map, size_t i) {
  uint64_t mask = (uint64_t)1 << (i & 63);
  return (map[i >> 6].fetch_and(~mask, std::memory_order_acq_rel) & mask) != 0;
}
inline bool bit_test(const std::atomic<uint64_t>* map, size_t i) {
  return (map[i >> 6].load(std::memory_order_acquire) >> (i & 63)) & 1;
}

// A fresh page over [start, start + bytes) of segment `seg_base`: its memory may have been
// purged (reads as zero) since its blocks were freed, so forget that they were; reuse then
// does not look for the freed-block pattern there.
template <typename Bits>
void forget_freed_blocks(Bits& bits, size_t offset_in_segment, size_t bytes) {
  if constexpr (kCheckedBlocks) {
    size_t first = offset_in_segment >> kGranuleShift, last = first + (bytes >> kGranuleShift);
    for (size_t w = first / 64; w < last / 64; w++) bits.freed[w].store(0, std::memory_order_relaxed);
  }
}

}  // namespace tessera
