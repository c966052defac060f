// secure/held_block.cc — the address and size the program holds in a block (held_block.h).
#include "secure/held_block.h"

#include "base/bits.h"
#include "debug/track.h"
#include "mem/segment.h"
#include "secure/block_check.h"

namespace tessera {

namespace {

// The size the program may use at `user`, if user is its live address (header authenticated).
bool live_at(Page* page, uint8_t* user, size_t* usable) {
  size_t n = block_requested_size(page, user);
  if (n == kNotLive) return false;
  *usable = usable_of(n);
  return true;
}

// Blocks inside a segment: the block bits mark the one live granule. The usual address (after
// the header) comes first; aligned blocks live further in.
HeldBlock held_in_segment(Page* page, uint8_t* block) {
  Segment* seg = segment_of_page(page);
  uint8_t* end = block + page->block_size;
  uint8_t* usual = block + kHeaderBytes;
  size_t usable = 0;
  if (live_at(page, usual, &usable)) return {usual, usable};
  size_t first = (size_t)(block - (uint8_t*)seg) >> kGranuleShift;
  size_t last = (size_t)(end - (uint8_t*)seg) >> kGranuleShift;
  if (last > kSegmentGranules) last = kSegmentGranules;
  for (size_t i = first; i < last; i++) {
    if (block_state(seg->block_bits, i) != BlockState::kLive) continue;
    uint8_t* user = (uint8_t*)seg + (i << kGranuleShift);
    // A live bit whose header does not authenticate: the program wrote before its block (an
    // underflow, reported when it is freed). It still holds it; ts_usable_size says 0.
    if (!live_at(page, user, &usable)) usable = 0;
    return {user, usable};
  }
  return {nullptr, 0};
}

// Huge blocks have no block bits. Their mapping is aligned to any alignment asked for, and an
// aligned block's header sits just before start + alignment; the header's check word (keyed
// by the address) tells which candidate is live. Largest alignment first: a plain block's
// header at the start may survive from an earlier life of the mapping (the huge cache), an
// aligned block's header further in is rarer.
HeldBlock held_in_huge(Page* page, uint8_t* block) {
  size_t usable = 0;
  if constexpr (!kPadding) {
    // No header: the block starts where the program's bytes do.
    return live_at(page, block, &usable) ? HeldBlock{block, usable} : HeldBlock{nullptr, 0};
  }
  size_t top = 16;
  while (top * 2 < page->block_size) top *= 2;
  for (size_t a = top; a >= 16; a /= 2) {  // a == 16: the usual place, after a 16-byte header
    uint8_t* user = (uint8_t*)align_up((uintptr_t)block, a) + a;
    if (user < block + page->block_size && live_at(page, user, &usable)) return {user, usable};
  }
  return {nullptr, 0};
}

}  // namespace

HeldBlock held_block(Page* page, uint8_t* block) {
  track::Quiet quiet;  // headers are no-access to memcheck
  return page->kind == SpanKind::kHuge ? held_in_huge(page, block) : held_in_segment(page, block);
}

}  // namespace tessera
