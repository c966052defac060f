// debug/track.h — tells an outside memory checker which bytes the program may touch, so that
// its own reports work on tessera's blocks. Layer debug/.
//
//   TESSERA_VALGRIND  Valgrind client requests: memcheck sees every block as a heap block
//                     (MALLOCLIKE/FREELIKE), so it reports the program's invalid reads and
//                     writes, uses of freed memory, uninitialised reads and leaks. Never-
//                     allocated and freed memory is no-access. tessera's own reads and writes
//                     of that memory (free-list links, headers, canaries) run with memcheck's
//                     reporting switched off for the thread, which changes no state.
//   TESSERA_ASAN      AddressSanitizer poisoning, for an ASan-instrumented program using the
//                     ts_ API: free and unused memory is poisoned, a block's n bytes are not.
//                     The library itself is not instrumented, so its own loads and stores are
//                     never checked; only libc calls that ASan intercepts (memset) are, hence
//                     `fill` unpoisons what tessera is about to write.
//
// The ASan entry points are weak: the library runs (and does nothing here) in a program
// without ASan, as the client requests do nothing outside Valgrind. Release builds compile
// every function here to nothing.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/build_mode.h"

#if TESSERA_MODE_VALGRIND
#include <valgrind/memcheck.h>
#endif

#if TESSERA_MODE_ASAN
extern "C" {
void __asan_poison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));
void __asan_unpoison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));
}
#endif

namespace tessera::track {

inline void asan_poison(const void* p, size_t n) {
#if TESSERA_MODE_ASAN
  if (__asan_poison_memory_region != nullptr && n != 0) __asan_poison_memory_region(p, n);
#else
  (void)p, (void)n;
#endif
}
inline void asan_unpoison(const void* p, size_t n) {
#if TESSERA_MODE_ASAN
  if (__asan_unpoison_memory_region != nullptr && n != 0) __asan_unpoison_memory_region(p, n);
#else
  (void)p, (void)n;
#endif
}

// The program got n bytes at p. Their contents are undefined unless `zeroed`.
inline void block_allocated(void* p, size_t n, bool zeroed) {
#if TESSERA_MODE_VALGRIND
  VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, zeroed);
#endif
  asan_unpoison(p, n);
  (void)p, (void)n, (void)zeroed;
}

// The program gave back the block at p, of n bytes (reported by block_allocated).
inline void block_freed(void* p, size_t n) {
#if TESSERA_MODE_VALGRIND
  VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
  asan_poison(p, n);
  (void)p, (void)n;
}

// Nobody but tessera may touch [p, p + n) (fresh pages, never-carved blocks).
inline void no_access(void* p, size_t n) {
#if TESSERA_MODE_VALGRIND
  VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
  asan_poison(p, n);
  (void)p, (void)n;
}

// The program's bytes at p now hold defined values (written without the program seeing it,
// e.g. memory known to be zero).
inline void defined(void* p, size_t n) {
#if TESSERA_MODE_VALGRIND
  VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
  (void)p, (void)n;
}

// Memory is going back to the OS: a later mapping there must not inherit poison.
inline void unmapped(void* p, size_t n) { asan_unpoison(p, n); }

// Fills [p, p + n) for tessera's own use (canaries, fill patterns): ASan intercepts memset
// even when the library calls it, so those bytes are unpoisoned first; the caller sets their
// final state.
inline void fill(void* p, int byte, size_t n) {
  asan_unpoison(p, n);
  memset(p, byte, n);
}

// While one exists, memcheck reports nothing for this thread: tessera reads and writes bytes
// the program may not touch (free-list links, headers, canaries), and their state stays as
// it is. Nothing at all in other builds.
class Quiet {
 public:
  Quiet() {
#if TESSERA_MODE_VALGRIND
    VALGRIND_DISABLE_ERROR_REPORTING;
#endif
  }
  ~Quiet() {
#if TESSERA_MODE_VALGRIND
    VALGRIND_ENABLE_ERROR_REPORTING;
#endif
  }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;
};

}  // namespace tessera::track
