// mem/block_bits.h — which blocks of a segment are live and which were freed: one state byte
// per 16-byte granule of the segment, indexed by the address handed to the program. Checked
// builds only (config/build_mode.h): in release builds BlockBits is empty and costs nothing.
//
// Kept in the segment's metadata slices, apart from user data, so an overflow cannot forge
// them. They make double and invalid frees certain: a free of a pointer that is not live is
// an error, and the freed state tells a double free from a pointer never handed out.
//
// Who writes a state: only the thread that takes a block from its heap makes it live (a block
// on a free list belongs to that heap's thread), so mark_live is a plain store. Any thread may
// free: a free that goes to the page's remote list (another thread's, or any free out of line)
// is a compare-and-swap from live to kRemoteFreed, which of two threads freeing one block at
// once exactly one wins. The owner thread's inlined free of its own page (kInlineBlockChecks)
// is a plain load and store instead, to kFreed: a locked instruction there would wait for
// every earlier store, and bulk frees of cold blocks would run at memory latency. A remote
// free racing with it can then succeed too; page_collect finds that, as the block it takes off
// the remote list is no longer kRemoteFreed (mem/page.cc). A byte each (not two bits) so that
// no writer has to merge its change into a word that other threads change too. Layer mem/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "config/build_mode.h"
#include "config/tuning.h"

namespace tessera {

inline constexpr size_t kGranuleShift = 4;
inline constexpr size_t kSegmentGranules = kSegmentSize >> kGranuleShift;

// A BlockState per granule, read and written with __atomic builtins (forget_freed_blocks
// clears whole ranges with memset: nothing there is live, so no other thread writes them).
struct BlockBitsStorage {
  uint8_t state[kSegmentGranules];
};
// Release builds: no storage (the segment does not grow); code that names the bitmap still
// compiles, and granule lookups there say "no bit" before any is touched.
struct NoBlockBits {
  static inline uint8_t state[1];
};
using BlockBits = std::conditional_t<kCheckedBlocks, BlockBitsStorage, NoBlockBits>;

// kRemoteFreed: freed, and (perhaps) on its page's remote list until its owner collects it;
// kRemoteAligned: the block's usual address when it was freed from an aligned address inside
// it, so that the owner's collection recognizes the block (it becomes kNever there).
enum class BlockState : uint8_t {
  kNever = 0,
  kLive = 1,
  kFreed = 2,
  kRemoteFreed = 3,
  kRemoteAligned = 4
};

inline bool is_freed(BlockState s) {
  return s == BlockState::kFreed || s == BlockState::kRemoteFreed;
}

// The granule index of p in its segment (p inside the segment's first kSegmentSize bytes).
inline size_t granule_index(const void* p) {
  return ((uintptr_t)p & (kSegmentSize - 1)) >> kGranuleShift;
}

template <typename Bits>
BlockState block_state(const Bits& bits, size_t i) {
  return (BlockState)__atomic_load_n(&bits.state[i], __ATOMIC_ACQUIRE);
}

// Granule i was just handed out by the calling thread's heap: live, no longer freed. Returns
// whether it had been freed.
template <typename Bits>
bool mark_live(Bits& bits, size_t i) {
  uint8_t old = __atomic_load_n(&bits.state[i], __ATOMIC_RELAXED);
  __atomic_store_n(&bits.state[i], (uint8_t)BlockState::kLive, __ATOMIC_RELEASE);
  return is_freed((BlockState)old);
}

// Sets granule i's state with a plain store: for the page's owner thread, where no other
// thread can take the state from what the owner saw (see above for the one exception).
template <typename Bits>
void set_block_state(Bits& bits, size_t i, BlockState to) {
  __atomic_store_n(&bits.state[i], (uint8_t)to, __ATOMIC_RELEASE);
}

// Granule i is being freed: if it is live it becomes `to` (kRemoteFreed, or kNever where a
// freed state could go stale, see secure/block_check.cc). Returns the state it had, so that
// of two threads freeing one block at once exactly one sees kLive.
template <typename Bits>
BlockState mark_freed(Bits& bits, size_t i, BlockState to) {
  uint8_t old = (uint8_t)BlockState::kLive;
  __atomic_compare_exchange_n(&bits.state[i], &old, (uint8_t)to, false, __ATOMIC_ACQ_REL,
                              __ATOMIC_ACQUIRE);
  return (BlockState)old;
}

// Granule i holds no block start any more (a block reused at another address); called by the
// heap's thread, like mark_live.
template <typename Bits>
void mark_never(Bits& bits, size_t i) {
  __atomic_store_n(&bits.state[i], (uint8_t)BlockState::kNever, __ATOMIC_RELEASE);
}

// Blocks a page carves for the first time in its life, `bytes` long at offset_in_segment
// (HeapImpl::extend_page): an earlier page's blocks there may have been purged (read as zero)
// since they were freed, so forget that they were; reuse then does not look for the
// freed-block pattern there, and an old block's address is not taken for a double free.
template <typename Bits>
void forget_freed_blocks(Bits& bits, size_t offset_in_segment, size_t bytes) {
  if constexpr (kCheckedBlocks) {
    memset(&bits.state[offset_in_segment >> kGranuleShift], 0, bytes >> kGranuleShift);
  }
}

// Every block in [offset, offset + bytes) of the segment was freed at once (its heap was
// destroyed or reset): live granules become freed, as one by one frees would leave them.
template <typename Bits>
void mark_all_freed(Bits& bits, size_t offset_in_segment, size_t bytes) {
  if constexpr (kCheckedBlocks) {
    size_t first = offset_in_segment >> kGranuleShift, last = first + (bytes >> kGranuleShift);
    for (size_t i = first; i < last; i++) {
      uint8_t live = (uint8_t)BlockState::kLive;
      if (__atomic_load_n(&bits.state[i], __ATOMIC_RELAXED) != live) continue;
      // A racing free of the same block (a program error) leaves it freed either way.
      __atomic_compare_exchange_n(&bits.state[i], &live, (uint8_t)BlockState::kFreed, false,
                                  __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    }
  }
}

}  // namespace tessera
