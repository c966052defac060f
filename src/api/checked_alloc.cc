// api/checked_alloc.cc — malloc and free in checked builds (config/build_mode.h): the bare
// fast paths of api/fast_path.h with secure/block_check.h around them. A block of n bytes is
// taken as n + header + at least one canary byte; the program gets the address after the
// header. Nothing here is compiled into release builds' paths.
#include <errno.h>

#include "api/checked_alloc.h"
#include "debug/track.h"
#include "secure/heap_check.h"

namespace tessera::api {

namespace {

inline constexpr size_t kPaddingBytes = kHeaderBytes + kCanaryMinBytes;

void check_heap() {
  if constexpr (kDebugFull) {
    if (t_heap->initialized) heap_check(t_heap);
  }
}

// A block that passed its checks is handed out: memcheck and ASan see its n bytes at user and
// nothing else of it (header and canary stay no-access).
void* hand_out(Page* page, uint8_t* block, uint8_t* user, size_t n) {
  if constexpr (kTrack) {
    track::no_access(block, page->block_size);
    track::block_allocated(user, usable_of(n), false);  // malloc_usable_size may be used
  }
  check_heap();
  return user;
}

// block_prepare and block_retire with memcheck quiet: they read and write the header, the
// canary and freed blocks, which the program may not touch.
bool prepare_quietly(Page* page, uint8_t* block, uint8_t* user, size_t n) {
  track::Quiet quiet;
  return block_prepare(page, block, user, n);
}
BlockInfo retire_quietly(Page* page, void* p, BlockOp op) {
  track::Quiet quiet;
  return block_retire(page, p, op);
}
size_t requested_size_quietly(const void* p) {
  track::Quiet quiet;
  return block_requested_size(page_of(p), p);
}

// heap_malloc_unchecked that also says which small page the block came from (*page), or
// nullptr when it came from the slow path (any kind of block): checking a block needs its page,
// and looking it up again costs as much as the pop.
TESSERA_FAST_PATH void* malloc_from_page(HeapImpl* heap, size_t size, Page** page) {
  Page* from;
  if (TESSERA_LIKELY(size <= kDirectMax)) {
    from = heap->direct[(size + 15) >> 4];
  } else if (size <= kMediumBlockMax) {
    from = heap->current[size_class_of(size)];
  } else {
    *page = nullptr;
    return malloc_slow(size, heap);
  }
  Block* block = page_pop(from);
  *page = block != nullptr ? from : nullptr;
  if (TESSERA_LIKELY(block != nullptr)) return block;
  return malloc_slow(size, heap);
}

// checked_malloc for any size and any case: overflow, the medium classes, the slow path,
// a block written after it was freed.
TESSERA_NOINLINE void* checked_malloc_general(HeapImpl* heap, size_t size) {
  size_t raw;
  if (__builtin_add_overflow(size, kPaddingBytes, &raw) || raw > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  for (;;) {
    Page* page;
    auto* block = (uint8_t*)malloc_from_page(heap, raw, &page);
    if (block == nullptr) return nullptr;
    bool ok;
    {
      track::Quiet quiet;  // the header and canary are no-access to memcheck
      if (page == nullptr) page = page_of(block);  // (the slow path: any kind of block)
      ok = page->kind == SpanKind::kSmall ? block_prepare_small(page, block, size)
                                          : block_prepare(page, block, block + kHeaderBytes, size);
    }
    if (ok) return hand_out(page, block, block + kHeaderBytes, size);
  }
}

// Memcheck and ASan see a block go (its fill pattern, if any, stays no-access).
void hand_back(Page* page, void* p, uint8_t* block, uint64_t n) {
  if constexpr (kTrack) {
    track::block_freed(p, usable_of(n));
    track::no_access(block, page->block_size);
  }
}

// Whether the calling thread owns page although its frees take the slow path (the page is on
// its heap's full list, or handed out aligned blocks).
TESSERA_FAST_PATH bool owned_but_slow(const Page* page) {
  return page->free_key.load(std::memory_order_relaxed) == ((uintptr_t)t_heap | kSlowFreeBit);
}

// The common free, inlined (kInlineBlockChecks): a live block of a small page at its usual
// place, freed by the page's owner thread (a plain store of its state, then its local list,
// out of line when the page is full) or by another thread of a live heap (a compare-and-swap,
// then the page's remote list). False, having changed nothing, for anything else:
// checked_free then takes the general path.
TESSERA_FAST_PATH bool free_small_checked(void* p) {
  uintptr_t a = (uintptr_t)p;
  if (TESSERA_UNLIKELY(segment_map_entry(a) != 1)) return false;
  Segment* segment = segment_of(a);
  Page* page = segment_page_of(segment, a);
  if (TESSERA_UNLIKELY(page->kind != SpanKind::kSmall)) return false;
  uint64_t n;
  bool verified;
  {
    track::Quiet quiet;  // the header and canary are no-access to memcheck
    verified = block_verify_small(page, p, &n);
  }
  if (TESSERA_UNLIKELY(!verified)) return false;
  auto* block = (Block*)((uint8_t*)p - kHeaderBytes);
  size_t g = granule_index(p);
  Freer freer = freer_of(page);
  if (TESSERA_UNLIKELY(freer == Freer::kSlow) && !owned_but_slow(page)) return false;
  if (TESSERA_LIKELY(freer != Freer::kRemote)) {
    if (TESSERA_UNLIKELY(block_state(segment->block_bits, g) != BlockState::kLive)) return false;
    set_block_state(segment->block_bits, g, BlockState::kFreed);
    keep_freed_size(p, n);
    hand_back(page, p, (uint8_t*)block, n);
    // (A full page's free also moves it off the full list: fragmentation's churn sent 8% of
    // its frees through checked_free_general for that, to be checked all over again.)
    if (TESSERA_LIKELY(freer == Freer::kOwner)) {
      push_local_free(page, block);
    } else {
      free_page_slow(page, block);
    }
    return true;
  }
  if (TESSERA_UNLIKELY(mark_freed(segment->block_bits, g, BlockState::kRemoteFreed) !=
                       BlockState::kLive)) {
    return false;  // (nothing changed: block_retire reports it)
  }
  keep_freed_size(p, n);
  hand_back(page, p, (uint8_t*)block, n);
  free_remote(page, block);
  return true;
}

// checked_free for any pointer (not nullptr): block_retire checks it from scratch.
TESSERA_NOINLINE void checked_free_general(void* p) {
  Page* page = page_of(p);
  BlockInfo info = retire_quietly(page, p, BlockOp::kFree);
  if (info.ok) {
    hand_back(page, p, info.block, info.size);
    // A small block's page is the one found above: free it there without a second lookup.
    if (page->kind == SpanKind::kSmall) {
      free_to_page(page, info.block);
    } else {
      free_unchecked(info.block);
    }
  }
  check_heap();
}

}  // namespace

// The common cases inlined (kInlineBlockChecks), with everything else in the general
// functions above: the fast paths then make no calls (but to report a corrupted free list).
void* checked_malloc(HeapImpl* heap, size_t size) {
  if constexpr (kInlineBlockChecks) {
    if (TESSERA_LIKELY(size <= kDirectMax - kPaddingBytes)) {
      Page* page = heap->direct[(size + kPaddingBytes + 15) >> 4];
      auto* block = (uint8_t*)page_pop<false>(page);
      if (TESSERA_LIKELY(block != nullptr)) {
        {
          track::Quiet quiet;
          block_prepare_small<true>(page, block, size);  // (returns true: no fill patterns)
        }
        return hand_out(page, block, block + kHeaderBytes, size);
      }
    }
  }
  return checked_malloc_general(heap, size);
}

void checked_free(void* p) {
  if (p == nullptr) return;
  if constexpr (kInlineBlockChecks) {
    if (TESSERA_LIKELY(free_small_checked(p))) return;
  }
  checked_free_general(p);
}

void* checked_malloc_aligned(HeapImpl* heap, size_t size, size_t alignment) {
  // The header goes in the alignment's worth of room before the address handed out.
  size_t lead = kPadding ? alignment : 0;
  size_t raw;
  if (__builtin_add_overflow(size, lead + kCanaryMinBytes, &raw) || raw > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  for (;;) {
    auto* q = (uint8_t*)heap->malloc_aligned(raw, alignment);
    if (q == nullptr) return nullptr;
    Page* page = page_of(q);
    uint8_t* block = containing_block(page, q);
    if (prepare_quietly(page, block, q + lead, size)) return hand_out(page, block, q + lead, size);
  }
}

size_t checked_usable_size(const void* p) {
  if (p == nullptr) return 0;
  size_t n = requested_size_quietly(p);
  return n == kNotLive ? 0 : usable_of(n);
}

size_t checked_realloc_source(void* p) {
  BlockInfo info = retire_quietly(page_of(p), p, BlockOp::kRealloc);
  return info.ok ? info.size : kNotLive;
}

void checked_free_sized(void* p, size_t size) {
  if (p == nullptr) return;
  size_t requested = requested_size_quietly(p);
  // Without padding only the usable size is known: a size beyond it is still wrong.
  bool wrong = kPadding ? size != requested : size > requested;
  if (requested != kNotLive && wrong) {
    report_block_error("sized delete with the wrong size", p, requested, "freed as size ", size,
                       "");
    return;  // leaked
  }
  checked_free(p);
}

}  // namespace tessera::api
