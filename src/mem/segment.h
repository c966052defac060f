// mem/segment.h — segments: 32 MiB of address space aligned to their size, cut into 64 KiB
// slices, owned by one heap. Spans of slices are pages, large blocks, or free. Layer mem/.
//
// Every slice has a descriptor (a Page) in the segment's first slices. A span's first
// descriptor is its head; every other descriptor of a span in use, and the last descriptor
// of a free span, store slice_offset = distance back to the head. So free() finds a block's
// page with one subtraction, and freeing a span finds both neighbours to coalesce with.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "base/bits.h"
#include "base/spinlock.h"
#include "config/tuning.h"
#include "mem/block_bits.h"
#include "mem/page.h"

namespace tessera {

struct Segment {
  Segment* next;               // owner heap's segment list, or the abandoned list
  Segment* prev;
  std::atomic<HeapImpl*> heap;     // owner; nullptr while abandoned or huge
  size_t size;                 // bytes mapped
  uint32_t used_spans;         // pages and large blocks in use
  uint32_t meta_slices;        // slices taken by this header
  int arena;                   // the arena it came from, or 0 for its own mapping
  bool pinned;                 // on hugetlb pages: never purged
  bool huge;
  uint64_t empty_since_ms;     // when used_spans last dropped to 0
  Page slices[kSlicesPerSegment];
  [[no_unique_address]] BlockBits block_bits;  // checked builds only (mem/block_bits.h)
};

// Secure builds keep one OS page after the header for a guard page, and give the segment's
// last slice to a guard too (mem/metadata_guard.h): spans lie in [meta, kSegmentSpanEnd). The
// guard slice's descriptor says "free, one slice" so that walks over every slice skip it, but
// it is in no bin: it is never allocated, merged, purged or counted as committed.
inline constexpr size_t kSegmentMetaSlices =
    div_ceil(sizeof(Segment) + (kSecure ? 4096 : 0), kSliceSize);
inline constexpr size_t kSegmentGuardSlices = kSecure ? 1 : 0;
inline constexpr size_t kSegmentSpanEnd = kSlicesPerSegment - kSegmentGuardSlices;
inline constexpr size_t kSegmentUsableSlices = kSegmentSpanEnd - kSegmentMetaSlices;

TESSERA_FAST_PATH Segment* segment_of(uintptr_t a) {
  return (Segment*)align_down(a, kSegmentSize);
}
// The page holding address a inside a normal segment (or the first chunk of a huge one).
TESSERA_FAST_PATH Page* segment_page_of(Segment* seg, uintptr_t a) {
  Page* slice = &seg->slices[(a - (uintptr_t)seg) >> kSliceShift];
  return slice - slice->slice_offset;
}
inline uint8_t* slice_address(Segment* seg, const Page* slice) {
  return (uint8_t*)seg + ((size_t)(slice - seg->slices) << kSliceShift);
}
inline Segment* segment_of_page(const Page* page) { return segment_of((uintptr_t)page); }

inline constexpr size_t kSpanBins = 16;

// The segments one heap owns and the free spans in them, binned by slice count.
struct SegmentSpace {
  PageQueue bins[kSpanBins];
  Segment* segments = nullptr;

  // A span of `slices` slices out of a free span, or nullptr when none fits. *clean tells
  // whether its memory is known to be zero (never used, or purged).
  Page* alloc_span(size_t slices, bool* clean);
  // Gives a span back; it coalesces with free neighbours. Returns true when its segment is
  // now entirely free.
  bool free_span(Page* span, uint64_t now_ms);
  // Grows the span in use `span` to `slices` slices out of the free span right after it.
  // False (nothing changed) when that span is not free or too small.
  bool grow_span(Page* span, size_t slices);
  // Takes a new segment for `owner` and adds its free span: from arena `arena_id`, or (0) from
  // a shared arena or a fresh mapping. False when the arena is full or the OS refuses.
  bool add_segment(HeapImpl* owner, int arena_id);
  // Takes over an abandoned segment's free spans; the caller adopts its pages in use.
  void adopt_segment(Segment* seg, HeapImpl* owner);
  // Purges free spans unused since `delay_ms` (all with force) and unmaps entirely free
  // segments past the delay. Returns bytes returned to the OS.
  size_t purge(uint64_t now_ms, uint64_t delay_ms, bool force);
  // Returns the segments as a list (through `next`) for the caller to abandon or hand to
  // another heap; entirely free ones are released first unless keep_empty. The space is
  // empty afterwards.
  Segment* take_segments(bool keep_empty);
  // Releases every segment, blocks in use included. The space is empty afterwards.
  void release_all();

 private:
  void insert_free(Page* span, uint64_t now_ms);
  void remove_free(Page* span);
  // Takes the first `slices` slices of free span `span` out of the bins; the rest stays free.
  void take_free(Page* span, size_t slices);
  void release_segment(Segment* seg);
  size_t purge_segment(Segment* seg, uint64_t now_ms, uint64_t delay_ms, bool force);
};

// Puts a segment whose owner is gone on the abandoned list. Thread-safe.
void abandon_segment(Segment* seg);
// How many segments wait on the abandoned list.
size_t abandoned_count();
// Pops a segment whose owner thread exited that a heap of arena `arena_id` (0: none) may
// adopt, or nullptr. Thread-safe.
Segment* take_abandoned_segment(int arena_id);
// For the fork handlers: the abandoned list's lock, and forgetting the list (leaking its
// segments) in a child forked while this thread was updating it.
SpinLock& abandoned_lock();
void abandoned_forget();

// Marks a span's descriptors [head+1, head+count) as belonging to head.
void span_set_offsets(Page* head, size_t count);

}  // namespace tessera
