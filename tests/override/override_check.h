// tests/override/override_check.h — what the whole-program tests in tests/override share:
// failing loudly with output that is safe in a signal handler and a forked child, proof that
// tessera (and not libc) serves this process's malloc, byte patterns that show whether a block
// kept its contents, and bounded waits for child processes.
//
// Every program is built twice (see CMakeLists.txt):
//   preload  linked with nothing from tessera; ctest runs it with LD_PRELOAD=libtessera.so,
//            so the tessera functions it needs are looked up with dlsym at run time;
//   static   linked whole with libtessera-override.a and built with TESSERA_OVERRIDE_STATIC=1:
//            malloc, free and operator new are defined in the executable itself.
// No GoogleTest here: these programs fork, run code in signal handlers, before main and after
// exit has begun, where a test framework cannot follow.
#pragma once

#include "../support/common.h"
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "tessera/tessera.h"

namespace ovr {

#if defined(TESSERA_OVERRIDE_STATIC)
inline constexpr bool kStatic = true;
inline constexpr const char* kMode = "static";
#else
inline constexpr bool kStatic = false;
inline constexpr const char* kMode = "preload";
#endif

// ---- Reporting ------------------------------------------------------------------------------
// vsnprintf into a stack buffer and write(2): no stdio buffers, no malloc for these formats,
// so a forked child or a signal handler can report too.

inline void vwrite_fd(int fd, const char* prefix, const char* fmt, va_list ap) {
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "%s", prefix);
  if (n < 0) n = 0;
  int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len >= sizeof buf - 1) len = sizeof buf - 2;
  buf[len++] = '\n';
  for (size_t done = 0; done < len;) {
    ssize_t w = write(fd, buf + done, len - done);
    if (w <= 0) break;
    done += (size_t)w;
  }
}

// A progress line on stdout (ctest shows it with --output-on-failure or -V).
__attribute__((format(printf, 1, 2))) inline void note(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vwrite_fd(STDOUT_FILENO, "", fmt, ap);
  va_end(ap);
}

// Ends the process (or the forked child) with status 1 and says where and why.
[[noreturn]] __attribute__((format(printf, 3, 4))) inline void fail(const char* file, int line,
                                                                    const char* fmt, ...) {
  char prefix[256];
  snprintf(prefix, sizeof prefix, "FAIL %s:%d [%s, pid %d]: ", file, line, kMode, (int)getpid());
  va_list ap;
  va_start(ap, fmt);
  vwrite_fd(STDERR_FILENO, prefix, fmt, ap);
  va_end(ap);
  _exit(1);
}

}  // namespace ovr

#define OVR_CHECK(cond)                                                     \
  do {                                                                      \
    if (!(cond)) ::ovr::fail(__FILE__, __LINE__, "check failed: %s", #cond); \
  } while (0)
#define OVR_CHECKF(cond, ...)                                 \
  do {                                                        \
    if (!(cond)) ::ovr::fail(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

namespace ovr {

using tessera_test::is_aligned;
using tessera_test::opaque;

// ---- Is tessera serving this process? -------------------------------------------------------

// The function libtessera.so exports as `name`. Fails when there is none (no preload).
template <class F>
inline F lookup(const char* name) {
  void* sym = dlsym(RTLD_DEFAULT, name);
  OVR_CHECKF(sym != nullptr, "%s is not defined in this process: is libtessera.so preloaded?",
             name);
  F f;
  static_assert(sizeof f == sizeof sym);
  memcpy(&f, &sym, sizeof f);
  return f;
}

}  // namespace ovr

// A ts_ function of the C API: the executable's own in the static build; looked up at run time
// in the preload build, which must not name it at link time.
#if defined(TESSERA_OVERRIDE_STATIC)
#define OVR_TESSERA_FN(name) (&name)
#else
#define OVR_TESSERA_FN(name) (::ovr::lookup<decltype(&name)>(#name))
#endif

namespace ovr {

// ts_usable_size: > 0 exactly for the blocks tessera handed out.
inline size_t usable_size(const void* p) {
  static const auto f = OVR_TESSERA_FN(ts_usable_size);
  return f(p);
}

inline ts_stats_t stats() {
  static const auto f = OVR_TESSERA_FN(ts_stats_get);
  ts_stats_t s{};
  s.size = sizeof s;
  OVR_CHECK(f(&s) == 0);
  return s;
}

inline ts_process_info_t process_info() {
  static const auto f = OVR_TESSERA_FN(ts_process_info);
  ts_process_info_t info{};
  f(&info);
  return info;
}

// The object (executable or shared library) that defines the address.
inline const char* object_of(const void* addr, const void** base = nullptr) {
  Dl_info info{};
  if (dladdr(addr, &info) == 0 || info.dli_fname == nullptr) return "(unknown)";
  if (base != nullptr) *base = info.dli_fbase;
  return info.dli_fname;
}

inline const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

inline int g_anchor;  // lives in the executable: its object is the program itself

// Where the dynamic linker resolves `symbol` for every object in the process (libc's own
// calls, dlopened libraries) must be tessera: libtessera.so when preloaded, the executable
// when linked statically.
inline void expect_symbol_is_tessera(const char* symbol) {
  void* addr = dlsym(RTLD_DEFAULT, symbol);
  OVR_CHECKF(addr != nullptr, "%s is not defined in this process", symbol);
  const void* base = nullptr;
  const char* object = object_of(addr, &base);
  if constexpr (kStatic) {
    const void* exe_base = nullptr;
    const char* exe = object_of(&g_anchor, &exe_base);
    OVR_CHECKF(base == exe_base,
               "%s resolves into %s, not into the executable %s: the static override is not "
               "in effect (link libtessera-override.a with --whole-archive)",
               symbol, object, exe);
  } else {
    OVR_CHECKF(strncmp(base_name(object), "libtessera", 10) == 0,
               "%s resolves into %s, not into libtessera.so", symbol, object);
  }
}

// Fails unless malloc, free and operator new/delete in this process are tessera's and blocks
// from them (and from libc's own internal allocations) are tessera blocks.
inline void expect_tessera() {
  for (const char* symbol : {"malloc", "free", "calloc", "realloc", "posix_memalign",
                             "aligned_alloc", "malloc_usable_size", "_Znwm", "_ZdlPv", "_Znam",
                             "_ZdaPv", "_ZnwmSt11align_val_t"}) {
    expect_symbol_is_tessera(symbol);
  }
  if constexpr (kStatic) {
    // The program's own references bind to its own definition, as the dynamic linker's do.
    void* const own = reinterpret_cast<void*>(&malloc);
    OVR_CHECKF(own == dlsym(RTLD_DEFAULT, "malloc"),
               "&malloc (%p, in %s) is not the malloc the dynamic linker resolves (%p, in %s)",
               own, object_of(own), dlsym(RTLD_DEFAULT, "malloc"),
               object_of(dlsym(RTLD_DEFAULT, "malloc")));
  }
  void* p = opaque(malloc(40));
  OVR_CHECKF(usable_size(p) >= 40, "malloc(40) = %p is not a tessera block (usable size %zu)",
             p, usable_size(p));
  free(p);
  char* s = opaque(new char[40]);
  OVR_CHECKF(usable_size(s) >= 40, "new char[40] = %p is not a tessera block", (void*)s);
  delete[] s;
  char* d = strdup("allocated inside libc");  // libc calls malloc through its PLT
  OVR_CHECKF(d != nullptr && usable_size(d) > 0, "strdup's block %p is not a tessera block",
             (void*)d);
  free(d);
}

// ---- Block contents -------------------------------------------------------------------------
// A block's pattern is derived from its address and size, so two live blocks never carry the
// same bytes, and any thread can check a block it did not fill. Blocks above 256 KiB get one
// word per 4 KiB page (every page touched) instead of every word.

using tessera_test::mix64;

inline constexpr size_t kFullFillLimit = 256 * 1024;

inline size_t pattern_stride(size_t n) { return n <= kFullFillLimit ? 8 : 4096; }

inline uint64_t pattern_word(const void* p, size_t n, size_t offset) {
  return mix64(reinterpret_cast<uintptr_t>(p) ^ (n << 20) ^ offset);
}

inline void fill(void* p, size_t n) {
  if (n == 0) return;
  auto* b = static_cast<unsigned char*>(opaque(p));
  const size_t stride = pattern_stride(n);
  for (size_t off = 0; off + 8 <= n; off += stride) {
    const uint64_t w = pattern_word(p, n, off);
    memcpy(b + off, &w, 8);
  }
  if (n % 8 != 0 || n < 8) b[n - 1] = static_cast<unsigned char>(pattern_word(p, n, n));
}

// The offset of the first word that lost its pattern, or n when the block is intact.
inline size_t mismatch(const void* p, size_t n) {
  if (n == 0) return 0;
  const auto* b = static_cast<const unsigned char*>(opaque(const_cast<void*>(p)));
  const size_t stride = pattern_stride(n);
  for (size_t off = 0; off + 8 <= n; off += stride) {
    uint64_t w;
    memcpy(&w, b + off, 8);
    if (w != pattern_word(p, n, off)) return off;
  }
  if ((n % 8 != 0 || n < 8) && b[n - 1] != static_cast<unsigned char>(pattern_word(p, n, n))) {
    return n - 1;
  }
  return n;
}

#define OVR_CHECK_BLOCK(p, n)                                                                 \
  do {                                                                                        \
    const size_t ovr_bad_ = ::ovr::mismatch((p), (n));                                        \
    OVR_CHECKF(ovr_bad_ == (size_t)(n), "block %p of %zu bytes lost its contents at offset %zu", \
               (const void*)(p), (size_t)(n), ovr_bad_);                                      \
  } while (0)

// xorshift64*: cheap, deterministic per seed.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(mix64(seed) | 1) {}
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
  }
  size_t below(size_t n) { return (size_t)(next() % n); }
  // Mostly small sizes, some medium, a few large: the mix a real program asks for.
  size_t size(size_t large_max = 1 << 20) {
    const uint64_t r = next() % 1000;
    if (r < 800) return 1 + below(512);
    if (r < 980) return 513 + below(64 * 1024);
    return 64 * 1024 + below(large_max - 64 * 1024);
  }
};

// ---- Processes ------------------------------------------------------------------------------

inline uint64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

// Waits up to timeout_ms for the child to end. A child still running then has hung: it is
// killed, reaped, and the wait fails.
inline bool wait_child(pid_t pid, uint64_t timeout_ms, int* status) {
  const uint64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    const pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    OVR_CHECKF(r == 0, "waitpid(%d) failed: %s", (int)pid, strerror(errno));
    if (now_ms() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      return false;
    }
    const timespec pause{0, 200 * 1000};  // polling interval, not a synchronisation
    nanosleep(&pause, nullptr);
  }
}

// Waits for a child that must exit with status 0 within timeout_ms.
inline void expect_child_ok(pid_t pid, uint64_t timeout_ms, const char* what, int iteration) {
  int status = 0;
  OVR_CHECKF(wait_child(pid, timeout_ms, &status),
             "%s (iteration %d): child %d hung for %llu ms and was killed", what, iteration,
             (int)pid, (unsigned long long)timeout_ms);
  OVR_CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
             "%s (iteration %d): child %d ended with %s %d", what, iteration, (int)pid,
             WIFEXITED(status) ? "exit status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

}  // namespace ovr
