// secure/block_check.cc — live/freed bits, header and canary, fill patterns (block_check.h).
#include "secure/block_check.h"

#include <string.h>

#include "debug/report.h"
#include "debug/track.h"
#include "mem/secret.h"
#include "mem/segment.h"

namespace tessera {

namespace {

constexpr size_t kNoGranule = SIZE_MAX;

// The bit index of address p in its segment's block bits, or kNoGranule when the segment has
// none for it (huge blocks past the first 32 MiB, or builds without bits).
size_t granule_of(const Page* page, const void* p) {
  if constexpr (!kCheckedBlocks) return kNoGranule;
  size_t i = (size_t)((uintptr_t)p - (uintptr_t)segment_of_page(page)) >> kGranuleShift;
  return i < kSegmentGranules && page->kind != SpanKind::kHuge ? i : kNoGranule;
}

BlockBits& bits_of(const Page* page) { return segment_of_page(page)->block_bits; }

uint8_t* block_end(const Page* page, const uint8_t* block) {
  return (uint8_t*)block + page->block_size;
}

// First byte in [from, to) that is not `value`, or `to`. Eight bytes at a time: the canary
// is checked on every free.
const uint8_t* first_not(const uint8_t* from, const uint8_t* to, uint8_t value) {
  const uint64_t word = 0x0101010101010101u * value;
  for (; to - from >= 8; from += 8) {
    uint64_t w;
    memcpy(&w, from, 8);
    if (w != word) break;
  }
  while (from < to && *from == value) from++;
  return from;
}
const uint8_t* last_not(const uint8_t* from, const uint8_t* to, uint8_t value) {
  while (to > from && to[-1] == value) to--;
  return to;  // one past the last differing byte; == from when none differs
}

const char* kind_for(BlockOp op, const char* for_free, const char* for_realloc) {
  return op == BlockOp::kRealloc ? for_realloc : for_free;
}

// Reports why p is not a live block of page (page may be nullptr).
void report_not_live(const Page* page, const void* p, BlockOp op, bool was_freed) {
  if (op == BlockOp::kUsableSize) return;
  if (page == nullptr) {
    report_block_error(kind_for(op, "invalid free (not allocated by tessera)",
                                "invalid realloc (not allocated by tessera)"), p, kSizeUnknown);
    return;
  }
  if (was_freed) {
    uint64_t size = kSizeUnknown;
    if (kPadding && page->kind == SpanKind::kSmall) size = header_of(p)->check;
    report_block_error(kind_for(op, "double free", "realloc after free"), p, size);
    return;
  }
  bool inside = page->block_size != 0 && page->kind != SpanKind::kFree;
  report_block_error(inside ? kind_for(op, "invalid free (interior pointer)",
                                       "invalid realloc (interior pointer)")
                            : kind_for(op, "invalid free (not an allocated block)",
                                       "invalid realloc (not an allocated block)"),
                     p, kSizeUnknown);
}

// The canary after the n bytes at user, up to the block's end: intact, or report how far an
// overflow went.
bool canary_intact(const uint8_t* user, uint64_t n, const uint8_t* end) {
  const uint8_t* from = user + usable_of(n);
  if (first_not(from, end, kCanaryByte) == end) return true;
  const uint8_t* last = last_not(from, end, kCanaryByte);
  size_t reach = (size_t)(last - from);
  if (last == end) {
    report_block_error("buffer overflow", user, n, "written at least ", reach,
                       " bytes past its end (to the end of its block)");
  } else {
    report_block_error("buffer overflow", user, n, "written ", reach,
                       reach == 1 ? " byte past its end" : " bytes past its end");
  }
  return false;
}

// A header or canary that did not verify may have been changed by another thread freeing the
// block since its state was read (a double free racing with this one, which then wrote the
// size, list link or fill pattern): then that is what is reported. True when it was.
bool freed_meanwhile(const Page* page, size_t g, const void* p, BlockOp op) {
  if (g == kNoGranule) return false;
  BlockState state = block_state(bits_of(page), g);
  if (state == BlockState::kLive) return false;
  report_not_live(page, p, op, is_freed(state));
  return true;
}

}  // namespace

void canary_write(uint8_t* from, uint8_t* end) {
  if ((size_t)(end - from) <= kCanaryInlineMax) return canary_write_short(from, end);
  track::fill(from, kCanaryByte, (size_t)(end - from));
}

// Long canaries (up to 12.5% of a block) are compared with memcmp, which is vectorized.
bool canary_clean(const uint8_t* from, const uint8_t* end) {
  if constexpr (kTrack) {
    // Only the canary's own bytes, and no memcmp: memcheck would not follow
    // canary_clean_short's mask over the (perhaps undefined) user bytes below a short canary,
    // and ASan intercepts memcmp, which would then read the poisoned canary.
    return first_not(from, end, kCanaryByte) == end;
  }
  if ((size_t)(end - from) <= kCanaryInlineMax) return canary_clean_short(from, end);
  static constexpr size_t kChunk = 256;
  struct Chunk {
    uint8_t bytes[kChunk];
  };
  static constexpr Chunk canary = [] {
    Chunk c{};
    for (uint8_t& b : c.bytes) b = kCanaryByte;
    return c;
  }();
  for (; from < end; from += kChunk) {
    size_t len = (size_t)(end - from) < kChunk ? (size_t)(end - from) : kChunk;
    if (memcmp(from, canary.bytes, len) != 0) return false;
  }
  return true;
}

uint8_t* containing_block(const Page* page, const void* p) {
  if (page->kind != SpanKind::kSmall) return page->start;
  size_t offset = (size_t)((const uint8_t*)p - page->start);
  return page->start + offset / page->block_size * page->block_size;
}

bool block_prepare(Page* page, uint8_t* block, uint8_t* user, size_t n) {
  uint8_t* end = block_end(page, block);
  size_t g = granule_of(page, user);
  if (g != kNoGranule) {
    // Only a block's usual address (after the header) keeps a freed state across reuse: a
    // block reused at another (aligned) address forgets the usual one's, whose bytes it
    // overwrites, and its own is never marked freed (retire below).
    if (user != block + kHeaderBytes) {
      mark_never(bits_of(page), granule_of(page, block + kHeaderBytes));
    }
    bool was_freed = mark_live(bits_of(page), g);
    if (kFill && was_freed && page->kind == SpanKind::kSmall) {
      const uint8_t* bad = first_not(user, end, kFreedByte);
      if (bad != end) {
        uint64_t size = kPadding ? header_of(user)->check : kSizeUnknown;
        report_block_error("write after free", user, size, "byte ", (uint64_t)(bad - user),
                           " was written after the block was freed");
        return false;  // leaked (it stays "live"): never handed out again
      }
    }
  }
  if constexpr (kPadding) {
    canary_write(user + usable_of(n), end);  // before the header, which it may overlap
    BlockHeader* h = header_of(user);
    h->size = n;
    h->check = header_check(user, n);
  }
  if constexpr (kFill) track::fill(user, kFreshByte, n);
  return true;
}

BlockInfo block_retire(Page* page, void* p, BlockOp op) {
  BlockInfo none{nullptr, 0, false};
  if (page == nullptr || page->block_size == 0 || page->kind == SpanKind::kFree) {
    size_t g = page == nullptr ? kNoGranule : granule_of(page, p);
    report_not_live(page, p, op,
                    g != kNoGranule && is_freed(block_state(bits_of(page), g)));
    return none;
  }
  auto* user = (uint8_t*)p;
  size_t g = granule_of(page, p);
  BlockState state = g != kNoGranule ? block_state(bits_of(page), g)
                     : page->used != 0       ? BlockState::kLive
                                             : BlockState::kFreed;
  if (state != BlockState::kLive) {
    report_not_live(page, p, op, is_freed(state));
    return none;
  }
  // Without block bits (huge blocks) and without a header to authenticate, only the block's
  // start (or, once aligned blocks were handed out in it, an aligned pointer inside) is live.
  if (!kPadding && g == kNoGranule && page_block_start(page, p) == nullptr) {
    report_not_live(page, p, op, false);
    return none;
  }
  uint8_t* block = containing_block(page, p);
  uint8_t* end = block_end(page, block);
  uint64_t n = (uint64_t)(end - user);
  if constexpr (kPadding) {
    BlockHeader* h = header_of(user);
    n = h->size;
    if (n > (uint64_t)(end - user) || h->check != header_check(user, n)) {
      if (op == BlockOp::kUsableSize) return none;
      // Without block bits (huge blocks) a pointer past the usual place is an interior one.
      if (g == kNoGranule && user != page->start + kHeaderBytes) {
        report_not_live(page, p, op, false);
        return none;
      }
      if (freed_meanwhile(page, g, p, op)) return none;
      report_block_error("buffer underflow", user,
                         n <= (uint64_t)(end - user) ? n : kSizeUnknown,
                         "the bytes before it were overwritten");
      return none;
    }
    if (op != BlockOp::kUsableSize && !canary_clean(user + usable_of(n), end)) {
      if (freed_meanwhile(page, g, p, op)) return none;
      if (!canary_intact(user, n, end)) return none;  // (reports how far the overflow went)
    }
  }
  if (op != BlockOp::kFree) return BlockInfo{block, (size_t)n, true};
  // Another thread may be freeing it at the same moment: only one sees it live. The block may
  // go on its page's remote list, so its usual address says so (mem/page.cc, page_collect).
  bool usual = user == block + kHeaderBytes;
  BlockState to = usual ? BlockState::kRemoteFreed : BlockState::kNever;
  if (g != kNoGranule && mark_freed(bits_of(page), g, to) != BlockState::kLive) {
    report_not_live(page, p, op, true);
    return none;
  }
  if (g != kNoGranule && !usual) {
    set_block_state(bits_of(page), granule_of(page, block + kHeaderBytes),
                    BlockState::kRemoteAligned);
  }
  keep_freed_size(user, n);  // the size survives the list link
  if constexpr (kFill) track::fill(user, kFreedByte, (size_t)(end - user));
  return BlockInfo{block, (size_t)n, true};
}

size_t block_requested_size(Page* page, const void* p) {
  if (page == nullptr) return kNotLive;
  BlockInfo info = block_retire(page, (void*)p, BlockOp::kUsableSize);
  return info.ok ? info.size : kNotLive;
}

}  // namespace tessera
