// mem/block_bits.h — which blocks of a segment are live and which were freed, one bit each
// per 16-byte granule of the segment, indexed by the address handed to the program. Checked
// builds only (config/build_mode.h): in release builds BlockBits is empty and costs nothing.
//
// Kept in the segment's metadata slices, apart from user data, so an overflow cannot forge
// them. They make double and invalid frees certain: a free of a pointer that is not live is
// an error, and the freed state tells a double free from a pointer never handed out. Any
// thread may change a state (remote frees): the words are atomic. Layer mem/.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "config/build_mode.h"
#include "config/tuning.h"

namespace tessera {

inline constexpr size_t kGranuleShift = 4;
inline constexpr size_t kSegmentGranules = kSegmentSize >> kGranuleShift;

// Two bits per granule, side by side in one word (live, then freed), so that every change of
// state is one atomic operation.
struct BlockBitsStorage {
  std::atomic<uint64_t> state[kSegmentGranules / 32];
};
// Release builds: no storage (the segment does not grow); code that names the bitmap still
// compiles, and granule lookups there say "no bit" before any is touched.
struct NoBlockBits {
  static inline std::atomic<uint64_t> state[1];
};
using BlockBits = std::conditional_t<kCheckedBlocks, BlockBitsStorage, NoBlockBits>;

enum class BlockState : uint8_t { kNever = 0, kLive = 1, kFreed = 2 };

inline constexpr unsigned bit_shift(size_t i) { return (unsigned)(i % 32) * 2; }

template <typename Bits>
BlockState block_state(const Bits& bits, size_t i) {
  uint64_t w = bits.state[i / 32].load(std::memory_order_acquire);
  return (BlockState)((w >> bit_shift(i)) & 3);
}

// Granule i was just handed out: live, no longer freed. Returns whether it had been freed.
template <typename Bits>
bool mark_live(Bits& bits, size_t i) {
  std::atomic<uint64_t>& word = bits.state[i / 32];
  uint64_t old = word.load(std::memory_order_relaxed);
  uint64_t desired;
  do {
    desired = (old & ~((uint64_t)3 << bit_shift(i))) | ((uint64_t)1 << bit_shift(i));
  } while (!word.compare_exchange_weak(old, desired, std::memory_order_acq_rel));
  return (old >> bit_shift(i)) & 2;
}

// Granule i is being freed: if it is live it becomes `to` (kFreed, or kNever where a freed
// state could go stale, see secure/block_check.cc). Returns the state it had, so that of two
// threads freeing one block at once exactly one sees kLive.
template <typename Bits>
BlockState mark_freed(Bits& bits, size_t i, BlockState to) {
  std::atomic<uint64_t>& word = bits.state[i / 32];
  uint64_t old = word.load(std::memory_order_relaxed);
  uint64_t desired;
  do {
    if (((old >> bit_shift(i)) & 3) != (uint64_t)BlockState::kLive) break;
    desired = (old & ~((uint64_t)3 << bit_shift(i))) | ((uint64_t)to << bit_shift(i));
  } while (!word.compare_exchange_weak(old, desired, std::memory_order_acq_rel));
  return (BlockState)((old >> bit_shift(i)) & 3);
}

// Granule i holds no block start any more (a block reused at another address).
template <typename Bits>
void mark_never(Bits& bits, size_t i) {
  bits.state[i / 32].fetch_and(~((uint64_t)3 << bit_shift(i)), std::memory_order_acq_rel);
}

// A fresh page over [start, start + bytes) of segment `seg_base`: its memory may have been
// purged (reads as zero) since its blocks were freed, so forget that they were; reuse then
// does not look for the freed-block pattern there.
template <typename Bits>
void forget_freed_blocks(Bits& bits, size_t offset_in_segment, size_t bytes) {
  if constexpr (kCheckedBlocks) {
    // Nothing in a fresh page is live either, so whole words can be cleared.
    size_t first = offset_in_segment >> kGranuleShift, last = first + (bytes >> kGranuleShift);
    for (size_t w = first / 32; w < last / 32; w++) bits.state[w].store(0, std::memory_order_relaxed);
  }
}

// Every block in [offset, offset + bytes) of the segment was freed at once (its heap was
// destroyed or reset): live granules become freed, as one by one frees would leave them. A
// word (32 granules) per atomic operation. Whole slices: word-aligned, as above.
template <typename Bits>
void mark_all_freed(Bits& bits, size_t offset_in_segment, size_t bytes) {
  if constexpr (kCheckedBlocks) {
    constexpr uint64_t kLiveBits = 0x5555555555555555u;  // the low bit of every granule
    size_t first = offset_in_segment >> kGranuleShift, last = first + (bytes >> kGranuleShift);
    for (size_t w = first / 32; w < last / 32; w++) {
      uint64_t old = bits.state[w].load(std::memory_order_relaxed);
      uint64_t live;
      do {
        live = old & ~(old >> 1) & kLiveBits;  // state 1 (live): low bit set, high bit clear
        if (live == 0) break;
      } while (!bits.state[w].compare_exchange_weak(old, old ^ live ^ (live << 1),
                                                    std::memory_order_acq_rel));
    }
  }
}

}  // namespace tessera
