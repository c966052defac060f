// secure/held_block.h — what the program holds in a block in use, for ts_heap_visit_blocks in
// checked builds (config/build_mode.h). The heap walk (mem/heap_visit.cc) finds raw blocks;
// the program was handed an address past the block's header (further for aligned blocks),
// whose usable size is what it asked for. The block bits say exactly which address that is;
// the header says the size. Layer secure/: uses mem/.
#pragma once
#include <cstddef>
#include <cstdint>

#include "mem/page.h"

namespace tessera {

struct HeldBlock {
  void* user;     // the address the program holds; nullptr: nothing in the block is live
  size_t usable;  // its usable size, as ts_usable_size says (0: header overwritten)
};

// The live address inside `block`, a block of `page` not on any free list (owner thread, after
// page_collect), and its usable size. A block another thread is freeing right now holds
// nothing live; one leaked after a reported error (TESSERA_ABORT_ON_ERROR=0) still counts.
HeldBlock held_block(Page* page, uint8_t* block);

}  // namespace tessera
