// aligned_new_test — over-aligned allocation as a program asks for it: C++17 aligned new for
// types declared alignas(32 … 65536), single objects and arrays of them (with and without a
// destructor, so with and without an array cookie), std::vector of them, the explicit
// operator new/delete forms with std::align_val_t; and posix_memalign, aligned_alloc,
// memalign and valloc from C. Every pointer must be aligned as asked, writable over its whole
// size, keep its contents, and be a tessera block; the invalid alignments C defines must
// fail with EINVAL.
#include <errno.h>
#include <malloc.h>

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include "override_check.h"

namespace {

template <size_t Align>
struct alignas(Align) Plain {
  unsigned char bytes[Align + 24];
};

int g_live = 0;  // objects of WithDestructor alive

template <size_t Align>
struct alignas(Align) WithDestructor {
  unsigned char bytes[40];
  WithDestructor() { g_live++; }
  ~WithDestructor() { g_live--; }
};

template <class T>
void check_object(T* p, size_t alignment) {
  OVR_CHECKF(ovr::is_aligned(p, alignment), "new of alignas(%zu) gave %p", alignment, (void*)p);
  OVR_CHECKF(ovr::usable_size(p) >= sizeof(T), "%p (alignas(%zu)) is not a tessera block",
             (void*)p, alignment);
}

template <size_t Align>
void aligned_new() {
  for (int i = 0; i < 20; i++) {
    auto* p = ovr::opaque(new Plain<Align>);
    check_object(p, Align);
    ovr::fill(p, sizeof *p);
    OVR_CHECK_BLOCK(p, sizeof *p);
    delete p;
  }
  constexpr size_t kMaxBytes = 8 << 20;  // arrays up to 8 MiB
  for (size_t n : {1, 2, 3, 7, 16, 100, 1000}) {
    if (n * sizeof(Plain<Align>) > kMaxBytes) break;
    auto* a = ovr::opaque(new Plain<Align>[n]);
    for (size_t i = 0; i < n; i++) {
      OVR_CHECKF(ovr::is_aligned(&a[i], Align), "new Plain<%zu>[%zu]: element %zu at %p",
                 Align, n, i, (void*)&a[i]);
    }
    OVR_CHECK(ovr::usable_size(a) >= n * sizeof a[0]);
    ovr::fill(a, n * sizeof a[0]);
    OVR_CHECK_BLOCK(a, n * sizeof a[0]);
    delete[] a;

    // A destructor means an array cookie before the elements: the Itanium C++ ABI pads it to
    // max(sizeof(size_t), Align), so the block operator new[] returned starts that far back.
    auto* d = ovr::opaque(new WithDestructor<Align>[n]);
    OVR_CHECK(g_live == (int)n);
    for (size_t i = 0; i < n; i++) OVR_CHECK(ovr::is_aligned(&d[i], Align));
    const char* block = reinterpret_cast<const char*>(d) - std::max(sizeof(size_t), Align);
    OVR_CHECK(ovr::is_aligned(block, Align));
    OVR_CHECKF(ovr::usable_size(block) >= Align + n * sizeof d[0],
               "new WithDestructor<%zu>[%zu]: block %p is not a tessera block", Align, n,
               (const void*)block);
    delete[] d;
    OVR_CHECK(g_live == 0);
  }
  std::vector<Plain<Align>> v;
  for (size_t i = 0; i < 300 && i * sizeof(Plain<Align>) <= kMaxBytes; i++) {
    v.push_back({});
    OVR_CHECK(ovr::is_aligned(v.data(), Align));
  }
  auto shared = std::make_shared<Plain<Align>>();
  OVR_CHECK(ovr::is_aligned(shared.get(), Align));
  auto unique = std::make_unique<WithDestructor<Align>>();
  OVR_CHECK(ovr::is_aligned(unique.get(), Align));
}

void explicit_operators() {
  for (size_t alignment = 32; alignment <= ((size_t)1 << 21); alignment *= 2) {
    for (size_t size : {(size_t)1, alignment / 2, alignment, alignment * 3 + 5}) {
      const std::align_val_t al{alignment};
      void* p = ::operator new(size, al);
      OVR_CHECKF(ovr::is_aligned(p, alignment), "operator new(%zu, %zu) = %p", size, alignment,
                 p);
      OVR_CHECK(ovr::usable_size(p) >= size);
      ovr::fill(p, size);
      OVR_CHECK_BLOCK(p, size);
#if defined(__cpp_sized_deallocation)
      ::operator delete(p, size, al);
#else
      ::operator delete(p, al);  // clang 14 declares sized delete only with -fsized-deallocation
#endif

      void* q = ovr::opaque(::operator new[](size, al, std::nothrow));
      OVR_CHECK(q != nullptr && ovr::is_aligned(q, alignment));
      ::operator delete[](q, al);
      void* r = ovr::opaque(::operator new(size, al, std::nothrow));
      OVR_CHECK(r != nullptr && ovr::is_aligned(r, alignment));
      ::operator delete(r, al, std::nothrow);
    }
  }
}

void c_functions() {
  for (size_t alignment = sizeof(void*); alignment <= ((size_t)1 << 22); alignment *= 2) {
    for (size_t size : {(size_t)0, (size_t)1, (size_t)24, alignment, alignment * 2 + 1,
                        (size_t)300000}) {
      void* p = nullptr;
      OVR_CHECKF(posix_memalign(&p, alignment, size) == 0, "posix_memalign(%zu, %zu) failed",
                 alignment, size);
      OVR_CHECKF(ovr::is_aligned(p, alignment), "posix_memalign(%zu, %zu) = %p", alignment,
                 size, p);
      OVR_CHECK(ovr::usable_size(p) >= size && ovr::usable_size(p) > 0);
      if (size > 0) ovr::fill(p, size);
      if (size > 0) OVR_CHECK_BLOCK(p, size);
      free(p);

      void* q = ovr::opaque(aligned_alloc(alignment, ovr::opaque(size)));
      OVR_CHECK(q != nullptr && ovr::is_aligned(q, alignment));
      OVR_CHECK(malloc_usable_size(q) >= size && malloc_usable_size(q) == ovr::usable_size(q));
      free(q);

      void* m = ovr::opaque(memalign(alignment, ovr::opaque(size)));
      OVR_CHECK(m != nullptr && ovr::is_aligned(m, alignment));
      free(m);
    }
  }
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  void* v = ovr::opaque(valloc(ovr::opaque((size_t)100)));
  OVR_CHECK(v != nullptr && ovr::is_aligned(v, page));
  free(v);

  // POSIX: not a power of two, or not a multiple of sizeof(void*): EINVAL, *p untouched.
  void* untouched = &untouched;
  OVR_CHECK(posix_memalign(&untouched, ovr::opaque((size_t)24), 64) == EINVAL);
  OVR_CHECK(posix_memalign(&untouched, ovr::opaque((size_t)4), 64) == EINVAL);
  OVR_CHECK(untouched == &untouched);
  errno = 0;
  // opaque(): a compiler may drop an allocation whose result is only compared with null.
  OVR_CHECK(ovr::opaque(aligned_alloc(ovr::opaque((size_t)48), 96)) == nullptr &&
            errno == EINVAL);
}

}  // namespace

int main() {
  ovr::expect_tessera();
  aligned_new<32>();
  aligned_new<64>();
  aligned_new<256>();
  aligned_new<4096>();
  aligned_new<65536>();
  explicit_operators();
  c_functions();
  ovr::note("aligned_new: alignas(32 … 65536) new, new[], align_val_t operators, C functions ok");
  return 0;
}
