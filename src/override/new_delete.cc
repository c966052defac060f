// override/new_delete.cc — every replaceable operator new and delete: plain, array, nothrow,
// sized, aligned and their combinations. new retries through the installed new_handler and
// throws std::bad_alloc as the standard says; nothrow forms return nullptr.
//
// libstdc++ is referenced weakly (std::get_new_handler, std::__throw_bad_alloc), so the
// library links against libc only: a C++ program brings libstdc++, a C program never calls
// operator new.
#include <new>

#include "api/fast_path.h"
#include "base/message.h"
#include "config/output.h"
#include "platform/os.h"
#include "tessera/tessera.h"

namespace std {
__attribute__((weak)) new_handler get_new_handler() noexcept;
__attribute__((weak)) void __throw_bad_alloc();
}  // namespace std

namespace tessera::override_detail {
bool call_new_handler_nothrow(std::new_handler handler) noexcept;  // new_handler_call.cc
}

namespace {

using tessera::api::free_fast;
using tessera::api::malloc_fast;

// Out of memory in new: call the new_handler until it frees enough or gives up.
TESSERA_SLOW_PATH void* new_slow(size_t size, size_t alignment, bool nothrow) {
  for (;;) {
    void* p = alignment > 16 ? ts_malloc_aligned(size, alignment) : ts_malloc(size);
    if (p != nullptr) return p;
    std::new_handler handler = &std::get_new_handler ? std::get_new_handler() : nullptr;
    if (handler == nullptr) {
      if (nothrow) return nullptr;
      if (&std::__throw_bad_alloc) std::__throw_bad_alloc();
      tessera::Message m;
      m.text("tessera: error: out of memory in operator new (").num(size).text(" bytes)\n");
      tessera::output_error(m);
      tessera::os::abort();
    }
    if (!nothrow) {
      handler();
    } else if (!tessera::override_detail::call_new_handler_nothrow(handler)) {
      return nullptr;
    }
  }
}

TESSERA_FAST_PATH void* new_impl(size_t size) {
  void* p = malloc_fast(size);
  return TESSERA_LIKELY(p != nullptr) ? p : new_slow(size, 0, false);
}
TESSERA_FAST_PATH void* new_nothrow(size_t size) noexcept {
  void* p = malloc_fast(size);
  return TESSERA_LIKELY(p != nullptr) ? p : new_slow(size, 0, true);
}
inline void* new_aligned(size_t size, std::align_val_t alignment, bool nothrow) {
  void* p = ts_malloc_aligned(size, (size_t)alignment);
  return TESSERA_LIKELY(p != nullptr) ? p : new_slow(size, (size_t)alignment, nothrow);
}

}  // namespace

#define TESSERA_OVERRIDE __attribute__((visibility("default"), used))

TESSERA_OVERRIDE void* operator new(size_t n) { return new_impl(n); }
TESSERA_OVERRIDE void* operator new[](size_t n) { return new_impl(n); }
TESSERA_OVERRIDE void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return new_nothrow(n);
}
TESSERA_OVERRIDE void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return new_nothrow(n);
}
TESSERA_OVERRIDE void* operator new(size_t n, std::align_val_t a) {
  return new_aligned(n, a, false);
}
TESSERA_OVERRIDE void* operator new[](size_t n, std::align_val_t a) {
  return new_aligned(n, a, false);
}
TESSERA_OVERRIDE void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_aligned(n, a, true);
}
TESSERA_OVERRIDE void* operator new[](size_t n, std::align_val_t a,
                                      const std::nothrow_t&) noexcept {
  return new_aligned(n, a, true);
}

TESSERA_OVERRIDE void operator delete(void* p) noexcept { free_fast(p); }
TESSERA_OVERRIDE void operator delete[](void* p) noexcept { free_fast(p); }
TESSERA_OVERRIDE void operator delete(void* p, const std::nothrow_t&) noexcept { free_fast(p); }
TESSERA_OVERRIDE void operator delete[](void* p, const std::nothrow_t&) noexcept { free_fast(p); }
TESSERA_OVERRIDE void operator delete(void* p, size_t n) noexcept { ts_free_sized(p, n); }
TESSERA_OVERRIDE void operator delete[](void* p, size_t n) noexcept { ts_free_sized(p, n); }
TESSERA_OVERRIDE void operator delete(void* p, std::align_val_t) noexcept { free_fast(p); }
TESSERA_OVERRIDE void operator delete[](void* p, std::align_val_t) noexcept { free_fast(p); }
TESSERA_OVERRIDE void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  free_fast(p);
}
TESSERA_OVERRIDE void operator delete[](void* p, std::align_val_t,
                                        const std::nothrow_t&) noexcept {
  free_fast(p);
}
TESSERA_OVERRIDE void operator delete(void* p, size_t n, std::align_val_t a) noexcept {
  ts_free_aligned_sized(p, (size_t)a, n);
}
TESSERA_OVERRIDE void operator delete[](void* p, size_t n, std::align_val_t a) noexcept {
  ts_free_aligned_sized(p, (size_t)a, n);
}
