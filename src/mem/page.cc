// mem/page.cc — free-list maintenance of one page. Owner thread only, except where noted.
#include "mem/page.h"

#include "config/tuning.h"
#include "debug/report.h"
#include "debug/track.h"
#include "mem/block_bits.h"
#include "mem/heap_counters.h"
#include "mem/free_list.h"
#include "mem/secret.h"
#include "mem/segment.h"

namespace tessera {

namespace {

// Secure builds carve a batch in random order, so the address of the next block is not
// predictable from the last one. A thread-local xorshift seeded by secret_draw: no locks.
inline constinit thread_local uint64_t t_carve_random = 0;

[[maybe_unused]] uint64_t xorshift64(uint64_t x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// Links `count` blocks from `first` onto page->free in a random order.
[[maybe_unused]] void carve_shuffled(Page* page, uint8_t* first, size_t count) {
  constexpr size_t kMaxBatch = kExtendBytes / 16;
  uint16_t order[kMaxBatch];
  uint64_t x = t_carve_random;
  if (x == 0) x = secret_draw((uintptr_t)&t_carve_random) | 1;
  // Inside-out Fisher-Yates: after step i, order[0..i] is a uniformly random permutation.
  // Each 64-bit draw gives two 32-bit halves; an index in [0, i] comes from one by
  // multiply-shift, not by a division.
  order[0] = 0;
  for (size_t i = 1; i < count; i++) {
    if (i & 1) x = xorshift64(x);
    uint32_t r = (i & 1) ? (uint32_t)(x >> 32) : (uint32_t)x;
    size_t j = (size_t)(((uint64_t)r * (i + 1)) >> 32);
    order[i] = order[j];
    order[j] = (uint16_t)i;
  }
  t_carve_random = x;
  Block* next = page->free;
  for (size_t i = 0; i < count; i++) {
    auto* block = (Block*)(first + (size_t)order[i] * page->block_size);
    block_set_next(page, block, next);
    next = block;
  }
  page->free = next;
}

}  // namespace

void report_corrupted_free_list(const Page* page, const Block* block) {
  report_block_error("corrupted free list", block, page->block_size,
                     "its link to the next free block was overwritten");
}

void page_init(Page* page, HeapImpl* heap, unsigned size_class, size_t block_size, uint8_t* start,
               size_t bytes) {
  if constexpr (kSecure || kCheckedBlocks) secret_init();
  page->free = nullptr;
  page->local_free = nullptr;
  page->local_freed = 0;
  page->frees_uncounted = 0;
  page->used = 0;
  page->used_counted = 0;
  page->capacity = 0;
  page->states_forgotten = 0;
  page->reserved = (uint32_t)(bytes / block_size);
  page->size_class = (uint8_t)size_class;
  page->kind = SpanKind::kSmall;
  page->in_full = false;
  page->has_aligned.store(false, std::memory_order_relaxed);
  page->block_size = block_size;
  page->magic = divisibility_magic((uint32_t)block_size);
  page->start = start;
  page->shape.set(start, page->magic, block_size, (uint64_t)page->reserved * block_size,
                  kSecure ? secret_draw((uintptr_t)page) : 0);
  page->thread_free.store(0, std::memory_order_relaxed);
  page->heap.store(heap, std::memory_order_relaxed);
  page->free_key.store((uintptr_t)heap, std::memory_order_relaxed);
  track::no_access(start, bytes);  // until a block is handed out
}

void page_extend(Page* page) {
  size_t bs = page->block_size;
  // Blocks of kExtendBytes and up come one at a time: a malloc/free loop then reuses one
  // cache-hot block instead of cycling through several (64 KiB blocks: 154 -> ~40 ns/pair).
  size_t count = kExtendBytes / bs;
  if (count == 0) count = 1;
  size_t left = page->reserved - page->capacity;
  if (count > left) count = left;
  // Carve in address order so that consecutive mallocs return consecutive blocks.
  uint8_t* first = page->start + (size_t)page->capacity * bs;
  page->capacity += (uint32_t)count;
  if constexpr (kSecure) {
    carve_shuffled(page, first, count);
    return;
  }
  uint8_t* p = first;
  for (size_t i = 1; i < count; i++, p += bs) block_set_next(page, (Block*)p, (Block*)(p + bs));
  block_set_next(page, (Block*)p, page->free);
  page->free = (Block*)first;
}

namespace {

// Checked builds: whether `block`, just taken off page's remote list, is there for one free
// that nobody else saw (its state kRemoteFreed, set by that free's compare-and-swap, or
// kRemoteAligned); it then becomes an ordinary freed block. Anything else is a double free that
// raced with the owner's plain-store free (mem/block_bits.h): the block is on the owner's own
// lists too, or already handed out again, so it is reported and its remote link, which the
// program may have written since, is not followed.
[[maybe_unused]] bool take_remote_block(Page* page, Block* block) {
  BlockBits& bits = segment_of_page(page)->block_bits;
  size_t g = granule_index((uint8_t*)block + kHeaderBytes);
  BlockState state = block_state(bits, g);
  if (state == BlockState::kRemoteFreed || state == BlockState::kRemoteAligned) {
    set_block_state(bits, g, state == BlockState::kRemoteFreed ? BlockState::kFreed
                                                              : BlockState::kNever);
    return true;
  }
  report_block_error("double free", (uint8_t*)block + kHeaderBytes, kSizeUnknown,
                     "freed by two threads at once; the rest of its page's remote frees are "
                     "leaked");
  return false;
}

// Moves the remote list starting at head onto page's local_free; returns how many blocks.
uint32_t take_remote_list(Page* page, Block* head) {
  uint32_t n = 0;
  if constexpr (kCheckedBlocks) {
    // Block by block: each one's state is checked before its link is trusted.
    for (Block* b = head; b != nullptr && take_remote_block(page, b); n++) {
      Block* next = block_remote_next(page, b);
      block_set_next(page, b, page->local_free);
      page->local_free = b;
      b = next;
    }
  } else {
    n = 1;
    Block* tail = head;
    while (Block* next = block_next(page, tail)) { tail = next; n++; }
    block_set_next(page, tail, page->local_free);
    page->local_free = head;
  }
  return n;
}

}  // namespace

void page_collect(Page* page) {
  if (page->thread_free.load(std::memory_order_relaxed) & ~kNotifyBit) {
    // Take the whole remote list at once; this also clears kNotifyBit (the caller decides
    // whether the page goes back on the full list).
    uintptr_t taken = page->thread_free.exchange(0, std::memory_order_acquire);
    Block* head = (Block*)(taken & ~kNotifyBit);
    if (head) {
      uint32_t n = take_remote_list(page, head);
      page->used -= n;
      counters_remote_frees(page, n);
    }
  }
  page->used -= page->local_freed;  // local_free stays, or becomes free (below)
  page->frees_uncounted += page->local_freed;
  page->local_freed = 0;
  if (page->used == 0 && page->block_size < kRecarveBelow) {
    // Every small block is free: forget the lists (their order is whatever the frees left)
    // and carve again, so the next run of mallocs takes blocks that carving has just written,
    // in address order (release) or a fresh shuffle (secure), not a chain of cold misses
    // (secure bulk_forward, 2^20 blocks of 64 bytes: 45 ms keeping the lists, 24 carving).
    page->free = nullptr;
    page->local_free = nullptr;
    page->capacity = 0;
    return;
  }
  // local_free becomes the free list only when that is empty: appending it would walk it, and
  // the periodic sweep collects every page (fragmentation spent 15% of its time in such walks).
  // Left where it is, page_pop swaps it in when the free list runs out.
  if (page->free == nullptr) {
    page->free = page->local_free;
    page->local_free = nullptr;
  }
}

uint8_t* page_block_start(const Page* page, const void* p) {
  uintptr_t offset = (uintptr_t)p - (uintptr_t)page->start;
  if (page->kind != SpanKind::kSmall) {
    // One block per page: the start, or an aligned pointer inside it.
    if (offset == 0) return page->start;
    return (page->has_aligned && offset < page->block_size) ? page->start : nullptr;
  }
  if (offset >= (size_t)page->reserved * page->block_size) return nullptr;
  if (is_divisible((uint32_t)offset, page->magic)) return (uint8_t*)p;
  if (!page->has_aligned) return nullptr;
  return page->start + (offset / page->block_size) * page->block_size;
}

}  // namespace tessera
