// debug/report.h — the one line that names a detected memory error, and what happens next.
//
//   tessera: error: <kind> of block 0x… (size N)[: detail]
//
// Then the process aborts, unless TESSERA_ABORT_ON_ERROR=0 asks to continue (the caller then
// leaks the block: it is never handed out again). Release builds continue by default (they only
// detect what never corrupts their state); checked builds abort by default. Never allocates.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

inline constexpr uint64_t kSizeUnknown = UINT64_MAX;

// Prints the error line (subject to TESSERA_SHOW_ERRORS / TESSERA_MAX_ERRORS) and aborts when
// errors are fatal. `size` is the block's requested size, or kSizeUnknown. `detail` may be null.
void report_block_error(const char* kind, const void* block, uint64_t size,
                        const char* detail = nullptr, uint64_t detail_num = 0,
                        const char* detail_tail = nullptr);

}  // namespace tessera
