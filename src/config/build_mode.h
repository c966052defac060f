// config/build_mode.h — the checking modes of this build, resolved once into constexpr so that
// code asks `if constexpr (kSecure)` instead of nesting #if in the fast paths. CMake's options
// (TESSERA_SECURE, TESSERA_PADDING, TESSERA_DEBUG_FULL, TESSERA_NO_DEBUG, the Debug build type)
// define the TESSERA_MODE_* macros read here; see the top CMakeLists.txt.
#pragma once
#include <cstddef>

namespace tessera {

#if defined(TESSERA_MODE_SECURE) && TESSERA_MODE_SECURE
// Free lists encoded with per-page keys, randomized carving, a guard page after the metadata.
inline constexpr bool kSecure = true;
#else
inline constexpr bool kSecure = false;
#endif

#if defined(TESSERA_MODE_PADDING) && TESSERA_MODE_PADDING
// A header and a canary around every block: overflows, underflows, the requested size.
inline constexpr bool kPadding = true;
#else
inline constexpr bool kPadding = false;
#endif

#if defined(TESSERA_MODE_FILL) && TESSERA_MODE_FILL
// Fresh and freed blocks filled with patterns; a freed block is checked on reuse.
inline constexpr bool kFill = true;
#else
inline constexpr bool kFill = false;
#endif

#if defined(TESSERA_MODE_DEBUG_FULL) && TESSERA_MODE_DEBUG_FULL
// The heap's invariants checked on every operation.
inline constexpr bool kDebugFull = true;
#else
inline constexpr bool kDebugFull = false;
#endif

#if defined(TESSERA_MODE_VALGRIND) && TESSERA_MODE_VALGRIND
// Valgrind client requests: memcheck sees tessera's blocks as heap blocks (debug/track.h).
inline constexpr bool kValgrind = true;
#else
inline constexpr bool kValgrind = false;
#endif

#if defined(TESSERA_MODE_ASAN) && TESSERA_MODE_ASAN
// ASan poisoning of free and unused memory for instrumented programs (debug/track.h).
inline constexpr bool kAsanPoison = true;
#else
inline constexpr bool kAsanPoison = false;
#endif

// An outside checker is told about every block: it must see each malloc and free exactly,
// which the checked paths do (they know every block's requested size and user address).
inline constexpr bool kTrack = kValgrind || kAsanPoison;

// Every block goes through secure/checked.cc, which knows which blocks are live: double and
// invalid frees are certain, not guessed. Release builds keep the bare fast paths.
inline constexpr bool kCheckedBlocks = kSecure || kPadding || kFill || kDebugFull || kTrack;

// The header before every block's user bytes in padding builds: requested size, check word.
inline constexpr size_t kHeaderBytes = kPadding ? 16 : 0;

// Checked builds whose common malloc and free are inlined (secure/block_check.h): all but the
// fill patterns and invariant checks of debug builds, which check every block out of line.
// There the page's owner thread frees a block with a plain store of its state (no locked
// instruction), and other threads link their frees past the header (mem/free_list.h), so
// that a double free racing between the owner and another thread is still found
// (mem/page.cc, page_collect).
inline constexpr bool kInlineBlockChecks = kCheckedBlocks && !kFill && !kDebugFull;

// Checked builds abort on a detected error by default; release builds report and go on.
inline constexpr bool kAbortOnErrorDefault = kCheckedBlocks;

}  // namespace tessera
