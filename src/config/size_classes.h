// config/size_classes.h — the size-class table, generated at compile time.
//
// Classes are multiples of 16 up to kFineClassMax, then eight classes per doubling (spacing at
// most 12.5%, still multiples of 16) up to kMediumBlockMax. Class 0 means "no class"
// (large and huge blocks). A size maps to the smallest class whose block fits it.
//
// Padding builds (config/build_mode.h) take a block for n + 17 bytes (16-byte header, at least
// one canary byte) and fill the rest with a canary that every malloc writes and every free
// checks, so their classes keep that rest short:
// - multiples of 16 up to 1 KiB (release: 128 bytes): for requests up to 1007 bytes the canary
//   is one 16-byte chunk, where 12.5% steps leave up to 128 bytes (larson, secure build: 0.27
//   -> 0.19 s; release 0.13 s);
// - from 1 KiB to kSmallBlockMax each class is the release one plus kPaddingRoom, and one more
//   sits at 1 KiB + kPaddingRoom: a request the size of a release class (1024, 4096) gets a
//   canary of 16 bytes, where it took the next class up (4096: a 495-byte canary).
// Release builds keep the coarser steps: fewer classes, fewer partly used pages.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bits.h"
#include "base/macros.h"
#include "config/build_mode.h"
#include "config/tuning.h"

namespace tessera {

inline constexpr unsigned kFineClassShift = kPadding ? 10 : 7;
inline constexpr size_t kFineClassMax = size_t{1} << kFineClassShift;
inline constexpr unsigned kFineClasses = (unsigned)(kFineClassMax / 16);
// The header and one canary byte, in whole 16-byte steps (32 bytes).
inline constexpr size_t kPaddingRoom = kPadding ? align_up(kHeaderBytes + 1, 16) : 0;
inline constexpr size_t kRoomyClassMax = kPadding ? kSmallBlockMax : 0;  // (before adding room)
inline constexpr unsigned kRoomyExtra = kPadding ? 1 : 0;  // the class kFineClassMax + room

// The classes from kFineClassMax up, without room: index 0 is kFineClassMax * 9/8.
constexpr unsigned coarse_index(size_t size) {  // size > kFineClassMax
  size_t s = size - 1;
  unsigned b = floor_log2(s);  // 2^b <= s < 2^(b+1), b >= kFineClassShift
  return (b - kFineClassShift) * 8 + (unsigned)((s >> (b - 3)) & 7);
}
constexpr size_t coarse_block(unsigned i) {
  size_t base = kFineClassMax << (i / 8);
  return base + (i % 8 + 1) * (base / 8);
}

// Class index for 0 < size <= kMediumBlockMax (size 0 is served as size 1).
constexpr unsigned size_class_of(size_t size) {
  if (size <= kFineClassMax) return (unsigned)((size + 15) >> 4) + (size == 0 ? 1 : 0);
  if (size <= kFineClassMax + kPaddingRoom) return kFineClasses + 1;
  // A roomy class fits size when the class without room fits size - room.
  size_t without = size - kPaddingRoom <= kRoomyClassMax ? size - kPaddingRoom : size;
  return kFineClasses + 1 + kRoomyExtra + coarse_index(without);
}

// Block size of class c (c >= 1).
constexpr size_t size_class_block(unsigned c) {
  if (c <= kFineClasses) return (size_t)c * 16;
  if (c <= kFineClasses + kRoomyExtra) return kFineClassMax + kPaddingRoom;
  size_t block = coarse_block(c - kFineClasses - 1 - kRoomyExtra);
  return block <= kRoomyClassMax ? block + kPaddingRoom : block;
}

inline constexpr unsigned kClassCount = size_class_of(kMediumBlockMax) + 1;  // incl. class 0

struct SizeClassTable {
  std::array<uint32_t, kClassCount> block_size{};
  std::array<uint64_t, kClassCount> magic{};        // divisibility_magic(block_size)
  std::array<uint8_t, kDirectMax / 16 + 1> direct{};  // (size + 15) / 16 -> class
};

constexpr SizeClassTable make_size_class_table() {
  SizeClassTable t;
  for (unsigned c = 1; c < kClassCount; c++) {
    t.block_size[c] = (uint32_t)size_class_block(c);
    t.magic[c] = divisibility_magic(t.block_size[c]);
  }
  for (size_t w = 0; w < t.direct.size(); w++) t.direct[w] = (uint8_t)size_class_of(w * 16);
  return t;
}

inline constexpr SizeClassTable kSizeClasses = make_size_class_table();

static_assert(size_class_block(kClassCount - 1) == kMediumBlockMax);
static_assert(size_class_of(kMediumBlockMax) == kClassCount - 1);

// Slices in a page of class c.
constexpr size_t page_slices_for(size_t block_size) {
  return block_size <= kSmallBlockMax ? kSmallPageSlices : kMediumPageSlices;
}

}  // namespace tessera
