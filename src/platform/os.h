// platform/os.h — the operating-system contract. Everything above this layer reaches the OS
// only through these functions; os_linux.cc implements them for Linux. None of them calls
// malloc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera::os {

// Maps `size` bytes of zeroed, readable and writable memory whose address is a multiple of
// `alignment` (a power of two, at least the OS page size). Memory is committed lazily by the
// kernel on first touch. Returns nullptr when the OS refuses; never aborts.
void* map_aligned(size_t size, size_t alignment);
// What backs a reservation, from smallest to largest page.
enum class PageSize { kNormal, kTransparent, kLarge2M, kHuge1G };
// Maps `size` bytes aligned to `alignment` like map_aligned, backed by `want` pages or, when
// the OS cannot give those, the next smaller kind that it can; *got says which. With commit
// the memory is populated now. `deadline_ms` (a now_ms() time, 0 for none) bounds how long
// 1 GiB pages are tried. nullptr when the OS refuses even normal pages.
void* map_reserve(size_t size, size_t alignment, PageSize want, bool commit, uint64_t deadline_ms,
                  PageSize* got);
// Unmaps a range previously returned by map_aligned (or a page-aligned part of one).
void unmap(void* p, size_t size);
// Gives the physical pages of [p, p+size) back to the OS; the range stays mapped and reads as
// zero afterwards. p and size must be page-aligned.
void purge(void* p, size_t size);
// Like purge, but the OS may leave the pages resident until it needs memory (MADV_FREE); the
// range then reads as either its old bytes or zero. False when the OS cannot do that.
bool purge_lazily(void* p, size_t size);
// The process's resident set now and at its peak, in bytes (0 when unknown).
size_t resident_bytes();
size_t peak_resident_bytes();
// Makes [p, p+size) inaccessible (a guard page); p and size page-aligned. False if refused.
bool protect_none(void* p, size_t size);
// Makes [p, p+size) readable and writable again (undoes protect_none). False if refused.
bool protect_read_write(void* p, size_t size);
// 64 random bits from the kernel (getrandom), mixed with the clock if that fails.
uint64_t random_u64();
// OS page size (4 KiB on x86-64 Linux).
size_t page_size();
// A monotonic clock in milliseconds, cheap enough for slow paths (vDSO, coarse).
uint64_t now_ms();
// Writes all of buf to stderr, retrying on EINTR; never allocates.
void write_stderr(const char* buf, size_t len);
// Keeps a copy of the stderr descriptor, which write_stderr falls back to once the program has
// closed stderr (coreutils close it in an exit handler, before the statistics at exit).
void keep_stderr();
// Value of an environment variable or nullptr. Safe before main; never allocates.
const char* getenv(const char* name);
[[noreturn]] void abort();

// Registers `on_exit` to run with `arg` when the calling thread exits (pthread key destructor).
// Returns false when no key could be created.
bool thread_exit_hook_init(void (*on_exit)(void*));
void thread_exit_hook_arm(void* arg);
// Installs fork handlers (pthread_atfork).
void at_fork(void (*prepare)(), void (*parent)(), void (*child)());

}  // namespace tessera::os
