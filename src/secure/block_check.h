// secure/block_check.h — the checks checked builds (config/build_mode.h) make on every block:
// the live/freed bits, the header and canary (padding), the fill patterns (debug). Works on
// blocks the layers below hand out; api/checked_alloc.cc calls it around them. Layer secure/
// (between global/ and api/): uses mem/.
//
// A block handed out as `user` for n requested bytes (padding builds):
//
//   block start ... [ size n | check ][ user: n bytes ][ canary 0xFD ... ] block end
//                    user-16   user-8                                  ^ usable size ends here
//
// check = (header_key ^ user ^ n)·odd authenticates the header: for a given address it is a
// bijection of n, so a change to either word alone never verifies, and forging both takes
// header_key. (The multiply carries a change to any byte of n into every higher byte of the
// check, so rewriting the size's low bytes means guessing nearly all of the check's.) It is
// made against overwrites: one header read gives header_key away, so no other key is derived
// from it (mem/secret.h). An overflow
// changes canary bytes (found on free or realloc, with how far it went); an underflow changes
// the check word. Once freed, the header's first word holds the free-list link and its second
// keeps n; debug builds fill [user, block end) with 0xDD and check it is intact when the block
// is reused.
//
// malloc and free of a small block at its usual place (block + 16) take the inlined
// block_prepare_small and block_verify_small below (api/checked_alloc.cc then marks the block
// freed and pushes it, as api/fast_path.h's free_to_page does); everything else (aligned,
// large and huge blocks, any error, debug builds' fill patterns) goes through the out-of-line
// block_prepare and block_retire, which check from scratch and report.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/bits.h"
#include "base/macros.h"
#include "config/build_mode.h"
#include "config/size_classes.h"
#include "debug/track.h"
#include "mem/page.h"
#include "mem/secret.h"
#include "mem/segment.h"

namespace tessera {

inline constexpr size_t kCanaryMinBytes = kPadding ? 1 : 0;  // so a 1-byte overflow shows
inline constexpr uint8_t kFreshByte = 0xCD;
inline constexpr uint8_t kFreedByte = 0xDD;
inline constexpr uint8_t kCanaryByte = 0xFD;

// What a free, realloc or sized free found out about a pointer.
struct BlockInfo {
  uint8_t* block;   // start of the block holding it (what the layers below free)
  size_t size;      // requested size (padding builds) or the usable size
  bool ok;          // false: an error was reported, the block must be left alone (leaked)
};

enum class BlockOp { kFree, kRealloc, kUsableSize };

// Start of the block of `page` that contains p (p inside the page's blocks).
uint8_t* containing_block(const Page* page, const void* p);
// Sets up a block just taken from the heap: bits, header, canary, fill. `user` is where the
// program's n bytes start (block + kHeaderBytes, or further for aligned blocks). False when the
// block was written after it was freed (reported): the caller leaks it and takes another.
bool block_prepare(Page* page, uint8_t* block, uint8_t* user, size_t n);
// Validates p before a free or realloc (reporting any error) and, for a free, retires it:
// clears its live bit, sets its freed bit, fills it. `page` may be nullptr (not tessera's).
BlockInfo block_retire(Page* page, void* p, BlockOp op);
inline constexpr size_t kNotLive = SIZE_MAX;
// The requested size of live block p without changing anything (nothing reported), or
// kNotLive.
size_t block_requested_size(Page* page, const void* p);
// The bytes a block of n requested bytes may use: malloc(0) still gets one, as the C
// library's usable sizes promise (the canary starts after it).
constexpr size_t usable_of(size_t n) { return n != 0 ? n : 1; }

// ---- The inlined common case ----

struct BlockHeader {
  uint64_t size;   // when freed: the free-list link
  uint64_t check;  // when freed: the size (the link overwrote it)
};
TESSERA_FAST_PATH BlockHeader* header_of(const void* user) {
  return (BlockHeader*)((uint8_t*)user - sizeof(BlockHeader));
}
TESSERA_FAST_PATH uint64_t header_check(const void* user, uint64_t n) {
  return (g_secret.header_key ^ (uintptr_t)user ^ n) * 0xbf58476d1ce4e5b9u;
}
// The canary is written and checked 16 bytes at a time: a GCC/Clang vector type (SSE2 on
// x86-64, NEON on arm64), so the common canary of a few bytes to a few dozen takes one to four
// vector operations and no call. The last chunk, [end - 16, end), may begin below a short
// canary, in the user bytes or the header (which holds 16 in padding builds): writing there is
// harmless on a fresh block (its user bytes hold nothing yet, its header is written
// afterwards), and reading masks those bytes off.
typedef uint8_t CanaryChunk __attribute__((vector_size(16)));
inline constexpr size_t kChunkBytes = sizeof(CanaryChunk);
inline constexpr CanaryChunk kCanaryChunk = {
    kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte,
    kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte,
    kCanaryByte, kCanaryByte, kCanaryByte, kCanaryByte};
// Canaries longer than this are left to canary_write and canary_clean, out of line (memset,
// memcmp): size classes are at most 12.5% apart, so only blocks over 8 KiB have them. (The
// inlined fast paths send those to the general ones rather than call out: a call there would
// make every malloc and free save registers around it.)
inline constexpr size_t kCanaryInlineMax = 1024;

// Write and check a canary of any length (end - from >= 1); out of line.
void canary_write(uint8_t* from, uint8_t* end);
bool canary_clean(const uint8_t* from, const uint8_t* end);

TESSERA_FAST_PATH CanaryChunk chunk_load(const uint8_t* at) {
  CanaryChunk c;
  memcpy(&c, at, kChunkBytes);
  return c;
}

// The canary's last chunk, [end - 16, end): the whole canary when it is at most 16 bytes.
TESSERA_FAST_PATH void canary_write_last_chunk(uint8_t* end) {
  memcpy(end - kChunkBytes, &kCanaryChunk, kChunkBytes);
}

// Writes the canary over [from, end), 1 to kCanaryInlineMax bytes (see above).
TESSERA_FAST_PATH void canary_write_short(uint8_t* from, uint8_t* end) {
  canary_write_last_chunk(end);
  for (; from < end - kChunkBytes; from += kChunkBytes) {
    // (Hides the loop from the compiler, which would turn it into a call to memset.)
    asm("" : "+r"(from));
    memcpy(from, &kCanaryChunk, kChunkBytes);
  }
}

// kChunkMask + k is a chunk whose last k bytes are kept, its first 16 - k masked off.
inline constexpr uint8_t kChunkMask[2 * kChunkBytes] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// Whether the canary over [from, end), 1 to kCanaryInlineMax bytes, is intact (see above).
TESSERA_FAST_PATH bool canary_clean_short(const uint8_t* from, const uint8_t* end) {
  if constexpr (kTrack) return canary_clean(from, end);  // (byte-exact there, see it)
  size_t gap = (size_t)(end - from);
  size_t kept = gap < kChunkBytes ? gap : kChunkBytes;
  CanaryChunk diff = (chunk_load(end - kChunkBytes) ^ kCanaryChunk) & chunk_load(kChunkMask + kept);
  for (; from < end - kChunkBytes; from += kChunkBytes) diff |= chunk_load(from) ^ kCanaryChunk;
  uint64_t halves[2];
  memcpy(halves, &diff, sizeof(halves));
  return (halves[0] | halves[1]) == 0;
}

// Whether every raw size up to kDirectMax (n + kHeaderBytes + kCanaryMinBytes) has a class
// less than 16 bytes larger: the canary of such a block is then at most one chunk.
constexpr bool direct_canaries_fit_one_chunk() {
  for (size_t raw = kHeaderBytes + kCanaryMinBytes; raw <= kDirectMax; raw++) {
    if (size_class_block(size_class_of(raw)) - raw >= kChunkBytes) return false;
  }
  return true;
}
static_assert(!kPadding || direct_canaries_fit_one_chunk(),
              "padding builds' classes are 16 bytes apart up to kDirectMax (size_classes.h)");

// block_prepare(page, block, block + kHeaderBytes, n) for a block of a small page, which the
// calling thread's heap just took off page's free list. kDirect: the page is a direct one
// (n + kHeaderBytes + kCanaryMinBytes <= kDirectMax), so the canary is one chunk: one store,
// no loop, no long-canary branch.
template <bool kDirect = false>
TESSERA_FAST_PATH bool block_prepare_small(Page* page, uint8_t* block, size_t n) {
  uint8_t* user = block + kHeaderBytes;
  uint8_t* end = block + page->block_size;
  bool long_canary = kPadding && !kDirect &&
                     (size_t)(end - user) - usable_of(n) > kCanaryInlineMax;
  if (!kInlineBlockChecks || TESSERA_UNLIKELY(long_canary)) {
    return block_prepare(page, block, user, n);
  } else {
    // (Whether it had been freed matters only to debug builds' fill check.)
    set_block_state(segment_of((uintptr_t)block)->block_bits, granule_index(user),
                    BlockState::kLive);
    if constexpr (kPadding) {
      if constexpr (kDirect) {
        canary_write_last_chunk(end);
      } else {
        canary_write_short(user + usable_of(n), end);
      }
      BlockHeader* h = header_of(user);
      h->size = n;
      h->check = header_check(user, n);
    }
    return true;
  }
}

// The first half of block_retire(page, p, BlockOp::kFree) for a small page's block at its
// usual place (p - kHeaderBytes starts a block), checked without changing anything: its
// header verifies and its canary is whole in padding builds. Sets *n to the requested size
// (the usable size without padding) and returns true, or returns false when in any doubt:
// block_retire then checks again from scratch and reports what is wrong. The caller then marks
// the block freed. (A flag, not a sentinel size: without padding the caller never reads n,
// so the block size's load that gives it is dropped.)
TESSERA_FAST_PATH bool block_verify_small(const Page* page, const void* p, uint64_t* n) {
  auto* user = (const uint8_t*)p;
  const uint8_t* block = user - kHeaderBytes;
  const uint8_t* end = block + page->shape.block_size;  // (not line 2: malloc writes it)
  uintptr_t offset = (uintptr_t)block - (uintptr_t)page->start;
  // (No wrap below the page: a negative offset is above UINT32_MAX.)
  if (TESSERA_UNLIKELY(offset > UINT32_MAX || !is_divisible((uint32_t)offset, page->magic))) {
    return false;
  }
  uint64_t room = (uint64_t)(end - user);
  *n = room;
  if constexpr (kPadding) {
    // n < room: at least one canary byte, as malloc left.
    const BlockHeader* h = header_of(user);
    *n = h->size;
    if (TESSERA_UNLIKELY(*n >= room || h->check != header_check(user, *n) ||
                         room - usable_of(*n) > kCanaryInlineMax ||
                         !canary_clean_short(user + usable_of(*n), end))) {
      return false;
    }
  }
  return true;
}

// What block_retire leaves of a freed block: its requested size, past the list link.
TESSERA_FAST_PATH void keep_freed_size(void* user, uint64_t n) {
  [[maybe_unused]] track::Quiet quiet;
  if constexpr (kPadding) header_of(user)->check = n;
}

}  // namespace tessera
