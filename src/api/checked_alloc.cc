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

}  // namespace

void* checked_malloc(HeapImpl* heap, size_t size) {
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
      ok = page != nullptr ? block_prepare_small(page, block, size)
                           : block_prepare(page = page_of(block), block, block + kHeaderBytes, size);
    }
    if (ok) return hand_out(page, block, block + kHeaderBytes, size);
  }
}

void checked_free(void* p) {
  if (p == nullptr) return;
  Page* page = page_of(p);
  BlockInfo info;
  {
    track::Quiet quiet;
    info = block_retire_free(page, p);
  }
  if (info.ok) {
    if constexpr (kTrack) {
      track::block_freed(p, usable_of(info.size));
      track::no_access(info.block, page->block_size);  // the fill pattern, if any
    }
    // A small block's page is the one found above: free it there without a second lookup.
    if (page->kind == SpanKind::kSmall) {
      free_to_page(page, info.block);
    } else {
      free_unchecked(info.block);
    }
  }
  check_heap();
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
