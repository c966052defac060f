// platform/os_linux.cc — Linux implementation of platform/os.h (mmap, madvise, clocks).
#include "platform/os.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

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

bool purge_lazily(void* p, size_t size) {
  int saved_errno = errno;
  bool ok = ::madvise(p, size, MADV_FREE) == 0;
  errno = saved_errno;
  return ok;
}

size_t resident_bytes() {
  // /proc/self/statm: "size resident shared ..." in pages. read(2), no stdio: no malloc.
  int saved_errno = errno;
  char buf[128];
  ssize_t n = -1;
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
  }
  errno = saved_errno;
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* s = buf;
  while (*s && *s != ' ') s++;  // skip the size field
  size_t pages = 0;
  for (s++; *s >= '0' && *s <= '9'; s++) pages = pages * 10 + (size_t)(*s - '0');
  return pages * page_size();
}

size_t peak_resident_bytes() {
  struct rusage usage;
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return (size_t)usage.ru_maxrss * 1024;  // KiB on Linux
}

size_t page_size() { return 4096; }

uint64_t now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

namespace {
std::atomic<int> g_kept_stderr{-1};
}

void keep_stderr() {
  int saved_errno = errno;
  if (g_kept_stderr.load(std::memory_order_relaxed) < 0)
    g_kept_stderr.store(::fcntl(2, F_DUPFD_CLOEXEC, 100), std::memory_order_relaxed);
  errno = saved_errno;
}

void write_stderr(const char* buf, size_t len) {
  int saved_errno = errno;
  int fd = 2;
  while (len > 0) {
    ssize_t n = ::write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int kept = g_kept_stderr.load(std::memory_order_relaxed);
      if (errno == EBADF && fd == 2 && kept >= 0) {
        fd = kept;
        continue;
      }
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
