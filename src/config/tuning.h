// config/tuning.h — the geometry of tessera's memory, fixed at compile time.
//
//   segment  32 MiB of address space aligned to 32 MiB, owned by one heap; split into
//   slice    64 KiB units. Slice 0 holds the segment's metadata (the slice descriptors).
//   page     a span of slices holding blocks of one size class (small: 1 slice, medium: 8)
//   large    a span of slices holding one block (128 KiB < size <= 16 MiB)
//   huge     a segment of its own, mapped directly and cached after free (size > 16 MiB)
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

inline constexpr unsigned kSegmentShift = 25;
inline constexpr size_t kSegmentSize = (size_t)1 << kSegmentShift;
inline constexpr unsigned kSliceShift = 16;
inline constexpr size_t kSliceSize = (size_t)1 << kSliceShift;
inline constexpr size_t kSlicesPerSegment = kSegmentSize / kSliceSize;

inline constexpr size_t kSmallBlockMax = 8 * 1024;      // blocks up to this live in 1-slice pages
inline constexpr size_t kMediumBlockMax = 128 * 1024;   // size-class pages end here
inline constexpr size_t kSmallPageSlices = 1;
inline constexpr size_t kMediumPageSlices = 8;
inline constexpr size_t kLargeMax = 16 * 1024 * 1024;   // above this a block is huge
inline constexpr size_t kDirectMax = 1024;              // sizes served by the direct table

// Lazily carved pages: a page hands out at most this many fresh bytes at a time, so that a
// heap that uses few blocks of a size touches few OS pages.
inline constexpr size_t kExtendBytes = 4096;

// A page whose blocks are all free again is carved again from scratch when its blocks are
// smaller than this (page_collect): carving then takes a slow path for many blocks at once and
// lays them out in a fresh order, written while they are being carved. A page of larger
// blocks keeps its free lists instead: carving takes a slow path every block or two (a loop
// of 100 mallocs of 4 KiB, then 100 frees: 16.7 -> 9.5 ns a pair), and the lists' order costs
// a cold miss per block only on blocks the program is about to write anyway.
inline constexpr size_t kRecarveBelow = kExtendBytes / 4;

// How often the slow path looks at the clock for deferred work (purging): every N entries.
inline constexpr uint32_t kHeartbeatMask = 63;

// Segments of exited threads wait on the abandoned list for the next thread, which adopts
// them. Up to this many of them keep their recently freed memory resident (purged after the
// delay as usual), so a thread that replaces an exited one starts without page faults; past
// it, exiting threads purge at once.
inline constexpr size_t kAbandonedResidentMax = 4;

// Huge blocks kept mapped after free, for reuse without page faults (until the purge delay).
// A cache larger than a few blocks mostly adds RSS: reuse needs about one entry per block
// size in flight.
inline constexpr size_t kHugeCacheMaxBytes = (size_t)256 << 20;
inline constexpr size_t kHugeCacheMaxEntries = 8;

}  // namespace tessera
