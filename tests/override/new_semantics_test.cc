// new_semantics_test — operator new as the C++ standard defines it, with tessera's new:
//   - a size that cannot be allocated throws std::bad_alloc (plain, array, aligned forms);
//   - the nothrow forms return nullptr instead;
//   - an installed new_handler is called on each failure until it uninstalls itself (then new
//     throws, or nothrow new returns nullptr): the calls are counted;
//   - a new_handler that frees memory makes the retry succeed (under RLIMIT_AS, a real
//     out-of-memory, not just an impossible size);
//   - an exception the handler throws (a class derived from bad_alloc) leaves new;
//   - nothrow new returns nullptr when the handler throws std::bad_alloc, as the standard's
//     "calls operator new(size) and returns nullptr if it throws" requires;
//   - new of 0 bytes returns distinct pointers.
#include <sys/resource.h>

#include <new>
#include <typeinfo>

#include "override_check.h"

namespace {

// Sizes no allocation can satisfy: beyond any request limit, and beyond the address space.
const size_t kImpossible[] = {SIZE_MAX, SIZE_MAX / 2, (size_t)1 << 62, (size_t)1 << 48};

template <class F>
void expect_bad_alloc(const char* what, size_t size, F allocate) {
  try {
    void* p = allocate(ovr::opaque(size));
    ovr::fail(__FILE__, __LINE__, "%s(%zu) returned %p instead of throwing", what, size, p);
  } catch (const std::bad_alloc& e) {
    OVR_CHECKF(typeid(e) == typeid(std::bad_alloc), "%s(%zu) threw %s, not std::bad_alloc",
               what, size, typeid(e).name());
  }
}

constexpr std::align_val_t a64{64};

void impossible_sizes() {
  for (size_t size : kImpossible) {
    expect_bad_alloc("operator new", size, [](size_t n) { return ::operator new(n); });
    expect_bad_alloc("operator new[]", size, [](size_t n) { return ::operator new[](n); });
    expect_bad_alloc("operator new(align 64)", size,
                     [](size_t n) { return ::operator new(n, a64); });
    expect_bad_alloc("operator new[](align 64)", size,
                     [](size_t n) { return ::operator new[](n, a64); });
    // opaque(): a compiler may drop an allocation whose result is only compared with null.
    OVR_CHECK(ovr::opaque(::operator new(ovr::opaque(size), std::nothrow)) == nullptr);
    OVR_CHECK(ovr::opaque(::operator new[](ovr::opaque(size), std::nothrow)) == nullptr);
    OVR_CHECK(ovr::opaque(::operator new(ovr::opaque(size), a64, std::nothrow)) == nullptr);
    OVR_CHECK(ovr::opaque(::operator new[](ovr::opaque(size), a64, std::nothrow)) == nullptr);
  }
  // A new-expression: bad_alloc or its child bad_array_new_length.
  bool threw = false;
  try {
    char* p = new char[ovr::opaque((size_t)1 << 62)];
    ovr::fail(__FILE__, __LINE__, "new char[1 << 62] returned %p", (void*)p);
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  OVR_CHECK(threw);
  char* p = ovr::opaque(new (std::nothrow) char[ovr::opaque((size_t)1 << 62)]);
  OVR_CHECK(p == nullptr);
  // The allocator is still usable.
  ovr::expect_tessera();
}

int g_calls = 0;
int g_calls_allowed = 0;

// Counts its calls; uninstalls itself on the g_calls_allowed-th.
void counting_handler() {
  if (++g_calls == g_calls_allowed) std::set_new_handler(nullptr);
}

void new_handler_calls() {
  const std::align_val_t a256{256};
  const size_t huge = ovr::opaque((size_t)1 << 62);
  struct Case {
    const char* what;
    bool nothrow;
    void* (*allocate)(size_t, std::align_val_t);
  };
  const Case cases[] = {
      {"operator new", false, [](size_t n, std::align_val_t) { return ::operator new(n); }},
      {"operator new[]", false, [](size_t n, std::align_val_t) { return ::operator new[](n); }},
      {"operator new(align)", false,
       [](size_t n, std::align_val_t a) { return ::operator new(n, a); }},
      {"operator new(nothrow)", true,
       [](size_t n, std::align_val_t) { return ::operator new(n, std::nothrow); }},
      {"operator new[](nothrow)", true,
       [](size_t n, std::align_val_t) { return ::operator new[](n, std::nothrow); }},
      {"operator new(align, nothrow)", true,
       [](size_t n, std::align_val_t a) { return ::operator new(n, a, std::nothrow); }},
  };
  for (const Case& c : cases) {
    g_calls = 0;
    g_calls_allowed = 3;
    std::set_new_handler(counting_handler);
    void* p = nullptr;
    bool threw = false;
    try {
      p = ovr::opaque(c.allocate(huge, a256));
    } catch (const std::bad_alloc&) {
      threw = true;
    }
    OVR_CHECKF(g_calls == 3, "%s: the new_handler was called %d times, expected 3", c.what,
               g_calls);
    OVR_CHECKF(std::get_new_handler() == nullptr, "%s: the handler is still installed", c.what);
    if (c.nothrow) {
      OVR_CHECKF(!threw && p == nullptr, "%s: %s", c.what,
                 threw ? "threw" : "did not return nullptr");
    } else {
      OVR_CHECKF(threw, "%s: did not throw std::bad_alloc", c.what);
    }
  }
}

// A real out-of-memory: a reserve of kBlock bytes is allocated, then RLIMIT_AS leaves room
// for only half as much again, so new(kBlock) fails. The handler frees the reserve; new's
// retry must then succeed.
constexpr size_t kBlock = (size_t)160 << 20;
void* g_reserve = nullptr;

void freeing_handler() {
  g_calls++;
  free(g_reserve);
  g_reserve = nullptr;
  std::set_new_handler(nullptr);
}

size_t address_space_in_use() {
  FILE* f = fopen("/proc/self/statm", "r");
  OVR_CHECK(f != nullptr);
  unsigned long pages = 0;
  OVR_CHECK(fscanf(f, "%lu", &pages) == 1);
  fclose(f);
  return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

void new_handler_frees_memory() {
  g_reserve = malloc(kBlock);
  OVR_CHECK(g_reserve != nullptr);
  ovr::fill(g_reserve, kBlock);
  rlimit saved{};
  OVR_CHECK(getrlimit(RLIMIT_AS, &saved) == 0);
  rlimit limited = saved;
  limited.rlim_cur = address_space_in_use() + kBlock / 2;
  if (saved.rlim_cur != RLIM_INFINITY && saved.rlim_cur < limited.rlim_cur) {
    ovr::note("new_semantics: RLIMIT_AS already low; skipping the freeing-handler case");
    free(g_reserve);
    return;
  }
  OVR_CHECK(setrlimit(RLIMIT_AS, &limited) == 0);
  g_calls = 0;
  std::set_new_handler(freeing_handler);
  void* p = nullptr;
  try {
    p = ::operator new(ovr::opaque(kBlock));
  } catch (const std::bad_alloc&) {
    p = nullptr;
  }
  std::set_new_handler(nullptr);
  OVR_CHECK(setrlimit(RLIMIT_AS, &saved) == 0);
  OVR_CHECKF(g_calls == 1, "the new_handler ran %d times, expected 1 (the first try must fail "
             "under the limit)", g_calls);
  OVR_CHECKF(p != nullptr, "operator new threw although the handler freed %zu MiB",
             kBlock >> 20);
  ovr::fill(p, kBlock);
  OVR_CHECK_BLOCK(p, kBlock);
  ::operator delete(p);
}

struct OutOfMemory : std::bad_alloc {
  const char* what() const noexcept override { return "OutOfMemory"; }
};
void throwing_handler() { throw OutOfMemory(); }
void throwing_bad_alloc_handler() { throw std::bad_alloc(); }

void handler_exceptions() {
  std::set_new_handler(throwing_handler);
  bool caught = false;
  try {
    void* p = ::operator new(ovr::opaque((size_t)1 << 62));
    ovr::fail(__FILE__, __LINE__, "operator new returned %p", p);
  } catch (const OutOfMemory&) {
    caught = true;
  }
  OVR_CHECKF(caught, "the handler's exception did not leave operator new");
  std::set_new_handler(nullptr);

  // [new.delete.single]: nothrow new "calls operator new(size) … returns a null pointer" if
  // that throws; a handler may throw bad_alloc. In a child, so a std::terminate is reported.
  ovr::note("new_semantics: nothrow new with a handler that throws std::bad_alloc");
  const pid_t pid = fork();
  OVR_CHECK(pid >= 0);
  if (pid == 0) {
    std::set_new_handler(throwing_bad_alloc_handler);
    void* p = ovr::opaque(::operator new(ovr::opaque((size_t)1 << 62), std::nothrow));
    void* q = ovr::opaque(
        ::operator new[](ovr::opaque((size_t)1 << 62), std::align_val_t{64}, std::nothrow));
    _exit(p == nullptr && q == nullptr ? 0 : 1);
  }
  int status = 0;
  OVR_CHECKF(ovr::wait_child(pid, 10000, &status), "the child hung");
  OVR_CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
             "nothrow operator new with a new_handler that throws std::bad_alloc did not return "
             "nullptr: the child ended with %s %d%s",
             WIFEXITED(status) ? "exit status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
             WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT
                 ? " (std::terminate: the exception hit a noexcept frame)"
                 : "");
}

void zero_size() {
  void* a = ::operator new(0);
  void* b = ::operator new(0);
  char* c = new char[ovr::opaque((size_t)0)];
  OVR_CHECK(a != nullptr && b != nullptr && c != nullptr && a != b && (void*)c != a);
  OVR_CHECK(ovr::usable_size(a) > 0 && ovr::usable_size(c) > 0);
  ::operator delete(a);
  ::operator delete(b);
  delete[] c;
}

}  // namespace

int main() {
  ovr::expect_tessera();
  impossible_sizes();
  new_handler_calls();
  new_handler_frees_memory();
  zero_size();
  handler_exceptions();
  ovr::note("new_semantics: bad_alloc, nothrow, new_handler calls and retries ok");
  return 0;
}
