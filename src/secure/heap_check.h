// secure/heap_check.h — the heap's invariants, checked on every operation in
// TESSERA_DEBUG_FULL builds (expensive: it walks every page and free list). Layer secure/.
#pragma once
#include "mem/heap.h"

namespace tessera {

// Checks, for every page of heap: it sits on the list its state says (size-class queue or
// full list), the direct table points at queue heads, the free-list counting equation
// in_use + |free| + |local_free| == capacity <= reserved holds (remote frees still count as in
// use), every listed block is a block of the page, and no block is on two lists. Reports
// "tessera: error: corrupted heap …" and aborts on the first broken invariant.
void heap_check(const HeapImpl* heap);

}  // namespace tessera
