// mem/page.h — a page: a span of slices holding blocks of one size class (or one large or
// huge block), with its sharded free lists. Layer mem/; uses base/ and config/.
//
// Who touches what:
//   owner thread only : free, local_free, local_freed, used, capacity, in_full, queue links
//   any thread        : thread_free (atomic push), free_key and heap (relaxed reads)
//
// Invariant (owner's view, between operations), with local_freed <= |local_free|:
//   in_use() + |free| + |local_free| == capacity <= reserved,   in_use() = used - local_freed
// where in_use() still counts blocks that other threads pushed onto thread_free but the owner
// has not collected yet. local_freed counts the owner's frees since the last collect; blocks
// below them on local_free were collected already (taken off used, kept there while free was
// not empty). A page is empty when used == 0 after a collect; after a collect, local_free is
// empty whenever free is.
//
// thread_free packs a block pointer with kNotifyBit: set while the page sits on its heap's
// full list, so that the first remote free tells the owner (HeapImpl::remote_pending) to look.
//
// free_key is the owner heap's address when a same-thread free may take the fast path, and
// that address | kSlowFreeBit when it must not (page full, aligned blocks inside, large or
// huge block). kNoOwnerKey marks free spans, abandoned pages and huge blocks: no heap
// address ever equals it, so no thread takes the fast path there.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "base/bits.h"
#include "base/macros.h"
#include "config/build_mode.h"

namespace tessera {

struct HeapImpl;

struct Block {
  Block* next;
};

enum class SpanKind : uint8_t { kFree = 0, kSmall, kLarge, kHuge };

inline constexpr uintptr_t kSlowFreeBit = 1;
inline constexpr uintptr_t kNoOwnerKey = 1;
inline constexpr uintptr_t kNotifyBit = 1;

// Checked builds' copy of a size-class page's fixed shape, on a line of its own that nobody
// writes after page_init. Their malloc validates each free-list link against start, span and
// magic (on line 1 below), and their free measures the block by block_size (on line 2): each
// side would read the line the other side writes, and a producer thread's mallocs and a
// consumer thread's frees of one page would pass both lines back and forth. Secure builds
// also keep the page's free-list key here, computed once instead of on every link.
struct alignas(64) PageShape {
  uint8_t* start;
  uint64_t magic;
  uint64_t block_size;
  uint64_t span;  // reserved * block_size
  uint64_t key;   // secure builds: the free-list key (mem/free_list.h)
  void set(uint8_t* s, uint64_t m, uint64_t bs, uint64_t sp, uint64_t k) {
    start = s;
    magic = m;
    block_size = bs;
    span = sp;
    key = k;
  }
};
// Release builds: no line; code that names the shape still compiles (and never runs there).
struct NoPageShape {
  static inline uint8_t* start = nullptr;
  static inline uint64_t magic = 0, block_size = 0, span = 0, key = 0;
  void set(uint8_t*, uint64_t, uint64_t, uint64_t, uint64_t) {}
};

// 128 bytes in release builds, so a slice index becomes a descriptor with one shift (checked
// builds add the shape's line). Two cache lines split by who writes them on the fast paths:
// free() (the owner's and any other thread's) touches only line 1, malloc only line 2. So a
// producer thread's mallocs and a consumer thread's frees of one page never share a line, and
// a free in random order misses one line, not two.
struct alignas(64) Page {
  // --- line 1: every free ---
  std::atomic<uintptr_t> free_key;
  uint8_t* start;             // first block
  uint64_t magic;             // divisibility_magic(block_size) for small pages
  std::atomic<uintptr_t> thread_free;
  std::atomic<HeapImpl*> heap;
  Block* local_free;          // pushed by the owner's free
  uint32_t local_freed;       // frees on local_free since the last collect (owner only)
  uint32_t slice_offset;      // descriptors back to the span's head; 0 at the head
  uint8_t size_class;         // 0 for large and huge blocks
  SpanKind kind;
  std::atomic<bool> has_aligned;  // some block was handed out at an aligned interior address
  uint32_t frees_uncounted;   // local frees taken back since the last counter fold
  // --- line 2: malloc, and the slow paths (owner only) ---
  alignas(64) Block* free;    // popped by malloc
  size_t block_size;          // 0 in a free span
  Page* next;                 // heap page queue, full list or free-span bin
  Page* prev;
  union {
    uint64_t free_since_ms;     // free span: when it became free
    uint32_t states_forgotten;  // size-class page, checked builds: blocks whose states are
                                // known to be this page's (HeapImpl::extend_page)
  };
  uint32_t used;              // blocks handed out, counting those on local_free (see above)
  uint32_t capacity;          // blocks carved out so far
  uint32_t reserved;          // blocks that fit in the page
  uint32_t slice_count;       // slices in the span (head descriptor only)
  bool in_full;               // on the heap's full list
  bool dirty;                 // free span: may still be resident (not purged)
  bool zeroed;                // large/huge block: its memory is known to be zero
  uint32_t used_counted;      // `used` as of the last counter fold (mem/heap_counters.h)
  // --- line 3, checked builds only: read by both, written by page_init ---
  [[no_unique_address]] std::conditional_t<kCheckedBlocks, PageShape, NoPageShape> shape;

  // Blocks really in use (other threads' frees not yet collected still count).
  uint32_t in_use() const { return used - local_freed; }
  Block* thread_free_list() const {
    return (Block*)(thread_free.load(std::memory_order_relaxed) & ~kNotifyBit);
  }
};

// A doubly-linked list of pages (a size class's queue, the full list, a span bin).
struct PageQueue {
  Page* head = nullptr;
  Page* tail = nullptr;

  bool empty() const { return head == nullptr; }
  void push_front(Page* p) {
    p->prev = nullptr;
    p->next = head;
    if (head) head->prev = p; else tail = p;
    head = p;
  }
  void push_back(Page* p) {
    p->next = nullptr;
    p->prev = tail;
    if (tail) tail->next = p; else head = p;
    tail = p;
  }
  void remove(Page* p) {
    if (p->prev) p->prev->next = p->next; else head = p->next;
    if (p->next) p->next->prev = p->prev; else tail = p->prev;
    p->next = p->prev = nullptr;
  }
};

// Sets a fresh span up as a page of `block_size` blocks owned by `heap` (nothing carved yet).
void page_init(Page* page, HeapImpl* heap, unsigned size_class, size_t block_size, uint8_t* start,
               size_t bytes);
// Carves the next few blocks (about kExtendBytes) onto the free list; capacity < reserved.
void page_extend(Page* page);
// Moves remote frees (thread_free) and local frees onto the free list. Owner only. A page
// found entirely free is reset to nothing carved (capacity 0) if its blocks are smaller than
// kRecarveBelow (config/tuning.h).
void page_collect(Page* page);
// Start of the block containing p, or nullptr when p is not a block start and the page never
// handed out aligned interior pointers (an invalid or interior pointer).
uint8_t* page_block_start(const Page* page, const void* p);

static_assert(sizeof(Page) == (kCheckedBlocks ? 192 : 128));

}  // namespace tessera
