// mem/free_list.h — how a free block stores its successor. Every read and write of a free
// list's links goes through these two functions (Valgrind builds tell memcheck there that
// tessera, not the program, touches the free block: debug/track.h). Layer mem/.
//
// Release builds store the plain pointer. Secure builds store
//     rotl(next ^ page_key, r) + link_key
// where r and link_key are the process's (mem/secret.h) and page_key is the page's own, drawn
// afresh by every page_init (secret_draw) into its shape line (mem/page.h). So a stored value
// leaks neither the pointer nor the key; what one page's links might give away says nothing of
// another page's key, nor of the page's next life; and a forged or overwritten link decodes to
// an address outside the page: block_next then reports "corrupted free list" and the list ends
// there (its rest is leaked, never followed).
//
// A block on a page's remote list (other threads' frees, Page::thread_free) keeps its link at
// kRemoteLinkOffset: past the header where the owner's own frees may be inlined
// (kInlineBlockChecks), so that a block both the owner and another thread freed at once (a
// racing double free) sits on both lists without either list's link breaking the other.
#pragma once
#include <cstdint>

#include "base/macros.h"
#include "config/build_mode.h"
#include "debug/report.h"
#include "debug/track.h"
#include "mem/page.h"
#include "mem/secret.h"

namespace tessera {

TESSERA_FAST_PATH uint64_t rotl64(uint64_t x, uint64_t r) {
  return (x << (r & 63)) | (x >> ((64 - r) & 63));
}

inline constexpr size_t kRemoteLinkOffset = kInlineBlockChecks ? kHeaderBytes + 8 : 0;

// Stores next as the link held in `link` (a word of free block `block`).
TESSERA_FAST_PATH void link_store(const Page* page, Block* link, Block* next) {
  [[maybe_unused]] track::Quiet quiet;  // a free block is no-access to memcheck
  if constexpr (kSecure) {
    uint64_t k = page->shape.key;
    link->next = (Block*)(rotl64((uintptr_t)next ^ k, g_secret.shift) + g_secret.link_key);
  } else {
    link->next = next;
  }
}
TESSERA_FAST_PATH void block_set_next(const Page* page, Block* block, Block* next) {
  link_store(page, block, next);
}
TESSERA_FAST_PATH Block* remote_link(Block* block) {
  return (Block*)((uint8_t*)block + kRemoteLinkOffset);
}
TESSERA_FAST_PATH void block_set_remote_next(const Page* page, Block* block, Block* next) {
  link_store(page, remote_link(block), next);
}

TESSERA_SLOW_PATH void report_corrupted_free_list(const Page* page, const Block* block);

// Decodes the successor stored in `link` (a word of a free block of page) into *next. False,
// reporting nothing, when in secure builds it does not decode to a block of this page.
TESSERA_FAST_PATH bool link_decode(const Page* page, const Block* link, Block** next) {
  [[maybe_unused]] track::Quiet quiet;
  if constexpr (kSecure) {
    uint64_t k = page->shape.key;
    uint64_t stored = (uintptr_t)link->next - g_secret.link_key;
    uintptr_t decoded = rotl64(stored, 64 - (g_secret.shift & 63)) ^ k;
    uintptr_t offset = decoded - (uintptr_t)page->shape.start;
    *next = (Block*)decoded;
    // (The end of the list last: a link to a block is the common case, and falls through.)
    return TESSERA_LIKELY((offset < page->shape.span &&
                           is_divisible((uint32_t)offset, page->shape.magic)) ||
                          decoded == 0);
  } else {
    *next = link->next;
    return true;
  }
}

// The successor stored in `link` (a word of free block `block` of page); in secure builds
// nullptr (after reporting) when the stored link does not decode to a block of this page.
TESSERA_FAST_PATH Block* link_load(const Page* page, const Block* block, const Block* link) {
  Block* next;
  if (TESSERA_UNLIKELY(!link_decode(page, link, &next))) {
    report_corrupted_free_list(page, block);
    return nullptr;
  }
  return next;
}
TESSERA_FAST_PATH Block* block_next(const Page* page, const Block* block) {
  return link_load(page, block, block);
}
TESSERA_FAST_PATH Block* block_remote_next(const Page* page, Block* block) {
  return link_load(page, block, remote_link(block));
}

}  // namespace tessera
