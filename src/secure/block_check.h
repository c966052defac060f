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
// check = mix64(secret ^ user ^ n·odd) authenticates the header. An overflow changes canary
// bytes (found on free or realloc, with how far it went); an underflow changes the check word.
// Once freed, the header's first word holds the free-list link and its second keeps n; debug
// builds fill [user, block end) with 0xDD and check it is intact when the block is reused.
#pragma once
#include <cstddef>
#include <cstdint>

#include "config/build_mode.h"
#include "mem/page.h"

namespace tessera {

inline constexpr size_t kHeaderBytes = kPadding ? 16 : 0;
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

}  // namespace tessera
