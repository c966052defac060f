// platform/os_linux.cc — Linux implementation of platform/os.h (mmap, madvise, clocks).
#include "platform/os.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/bits.h"

namespace tessera::os {

void* map_aligned(size_t size, size_t alignment) {
  if (size == 0 || size > ((size_t)1 << 47) || alignment > ((size_t)1 << 40)) return nullptr;
  const int prot = PROT_READ | PROT_WRITE;
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  int saved_errno = errno;  // a refused mmap must not leak its errno into a successful call
  // Over-map by the alignment, then trim both ends: two munmaps, no retry loop.
  size_t span = size + (alignment > page_size() ? alignment : 0);
  if (span < size) return nullptr;
  void* raw = ::mmap(nullptr, span, prot, flags, -1, 0);
  errno = saved_errno;
  if (raw == MAP_FAILED) return nullptr;
  uintptr_t start = (uintptr_t)raw;
  uintptr_t aligned = align_up(start, alignment);
  if (aligned > start) ::munmap(raw, aligned - start);
  uintptr_t end = start + span;
  if (end > aligned + size) ::munmap((void*)(aligned + size), end - (aligned + size));
  return (void*)aligned;
}

void unmap(void* p, size_t size) { ::munmap(p, size); }

void purge(void* p, size_t size) {
  int saved_errno = errno;
  ::madvise(p, size, MADV_DONTNEED);
  errno = saved_errno;
}

bool protect_none(void* p, size_t size) {
  int saved_errno = errno;
  bool ok = ::mprotect(p, size, PROT_NONE) == 0;
  errno = saved_errno;
  return ok;
}

uint64_t random_u64() {
  uint64_t v = 0;
  int saved_errno = errno;
  ssize_t n = ::getrandom(&v, sizeof v, GRND_NONBLOCK);
  errno = saved_errno;
  if (n != (ssize_t)sizeof v) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    v ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)&v;
  }
  return v;
}

size_t page_size() { return 4096; }

uint64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void write_stderr(const char* buf, size_t len) {
  int saved_errno = errno;
  while (len > 0) {
    ssize_t n = ::write(2, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    buf += n;
    len -= (size_t)n;
  }
  errno = saved_errno;
}

const char* getenv(const char* name) { return ::getenv(name); }  // glibc's getenv only reads

void abort() { ::abort(); }

namespace {
pthread_key_t g_exit_key;
}

bool thread_exit_hook_init(void (*on_exit)(void*)) {
  return pthread_key_create(&g_exit_key, on_exit) == 0;
}

void thread_exit_hook_arm(void* arg) { pthread_setspecific(g_exit_key, arg); }

void at_fork(void (*prepare)(), void (*parent)(), void (*child)()) {
  pthread_atfork(prepare, parent, child);
}

}  // namespace tessera::os
