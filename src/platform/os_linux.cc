// platform/os_linux.cc — Linux implementation of platform/os.h (mmap, madvise, clocks).
#include "platform/os.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mman.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/random.h>
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

namespace {

constexpr int kProt = PROT_READ | PROT_WRITE;
constexpr size_t k2M = (size_t)2 << 20;
constexpr size_t k1G = (size_t)1 << 30;

// Replaces [p, p + size) with hugetlb pages of `page` bytes; false (range unchanged in
// content: still a normal mapping) when the OS has not enough of them.
bool map_hugetlb(void* p, size_t size, size_t page, bool commit) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_HUGETLB |
              (page == k1G ? MAP_HUGE_1GB : MAP_HUGE_2MB) | (commit ? MAP_POPULATE : 0);
  if (::mmap(p, size, kProt, flags, -1, 0) != MAP_FAILED) return true;
  // A failed MAP_FIXED may have dropped the old mapping: put normal pages back.
  ::mmap(p, size, kProt, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  return false;
}

// 1 GiB pages one at a time, so the deadline can stop a slow kernel compaction; all or none.
bool map_huge_1g(uint8_t* p, size_t size, bool commit, uint64_t deadline_ms) {
  for (size_t done = 0; done < size; done += k1G) {
    if ((deadline_ms != 0 && now_ms() > deadline_ms) || !map_hugetlb(p + done, k1G, k1G, commit)) {
      if (done > 0)  // give back the 1 GiB pages taken so far
        ::mmap(p, done, kProt, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
      return false;
    }
  }
  return true;
}

bool transparent_huge_pages_available() {
  int fd = ::open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  for (char* c = buf; *c; c++)  // "always [madvise] never": the bracketed one is in force
    if (c[0] == '[' && c[1] == 'n') return false;
  return true;
}

void populate(void* p, size_t size) {
  if (::madvise(p, size, MADV_POPULATE_WRITE) == 0) return;
  for (size_t off = 0; off < size; off += page_size()) ((volatile char*)p)[off] = 0;
}

}  // namespace

void* map_reserve(size_t size, size_t alignment, PageSize want, bool commit, uint64_t deadline_ms,
                  PageSize* got) {
  if (want == PageSize::kHuge1G && alignment < k1G) alignment = k1G;
  int saved_errno = errno;
  void* p = map_aligned(size, alignment);
  if (p == nullptr) return nullptr;
  *got = PageSize::kNormal;
  if (want == PageSize::kHuge1G && size % k1G == 0 &&
      map_huge_1g((uint8_t*)p, size, commit, deadline_ms)) {
    *got = PageSize::kHuge1G;
  } else if (want >= PageSize::kLarge2M && size % k2M == 0 && map_hugetlb(p, size, k2M, commit)) {
    *got = PageSize::kLarge2M;
  } else {
    if (want >= PageSize::kTransparent && transparent_huge_pages_available() &&
        ::madvise(p, size, MADV_HUGEPAGE) == 0) {
      *got = PageSize::kTransparent;
    }
    if (commit) populate(p, size);
  }
  errno = saved_errno;
  return p;
}

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

bool protect_none(void* p, size_t size) {
  int saved_errno = errno;
  bool ok = ::mprotect(p, size, PROT_NONE) == 0;
  errno = saved_errno;
  return ok;
}

bool protect_read_write(void* p, size_t size) {
  int saved_errno = errno;
  bool ok = ::mprotect(p, size, PROT_READ | PROT_WRITE) == 0;
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
