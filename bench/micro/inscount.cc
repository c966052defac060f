// bench/micro/inscount.cc — instructions per malloc+free pair, counted by callgrind.
//
//   inscount <tessera|glibc|mimalloc> <tight|window> <size> <pairs>
//   under: valgrind --tool=callgrind --toggle-collect='*measured_pairs*'
//
// tight:  p = malloc(size); write p[0]; free(p); repeated.
// window: 64 live blocks; each step frees one picked at random (xorshift, fixed seed) and
//         allocates its replacement.
// Both first run 10000 pairs unmeasured (first-use set-up, warm free lists), then `pairs` pairs
// inside measured_pairs(), the only function callgrind collects in. The count includes the loop
// itself (a few instructions per pair; for window also the random number) — the same for every
// allocator — and the call: direct for tessera (static link), through the PLT for glibc (one
// more jump per call), through a function pointer for mimalloc. inscount.sh runs this for each
// allocator, mode and size.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "allocators.h"

namespace tessera::bench {
namespace {

constexpr std::size_t kWindow = 64;
constexpr std::size_t kWarmup = 10000;

template <class A>
[[gnu::noinline]] void tight_pairs(std::size_t size, std::size_t pairs) {
  for (std::size_t i = 0; i < pairs; ++i) {
    void* p = A::alloc(size);
    static_cast<volatile char*>(p)[0] = 1;
    A::dealloc(p);
  }
}

template <class A>
[[gnu::noinline]] void window_pairs(std::size_t size, std::size_t pairs, void** slots,
                                    std::uint64_t& rng) {
  std::uint64_t x = rng;
  for (std::size_t i = 0; i < pairs; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    void*& slot = slots[x >> 58];  // top 6 bits: 0..63
    A::dealloc(slot);
    slot = A::alloc(size);
    static_cast<volatile char*>(slot)[0] = 1;
  }
  rng = x;
}

static_assert(kWindow == 64, "window_pairs picks a slot with the top 6 bits");

// The only function callgrind counts in (--toggle-collect).
template <class A>
[[gnu::noinline]] void measured_pairs(bool window, std::size_t size, std::size_t pairs,
                                      void** slots, std::uint64_t& rng) {
  if (window) {
    window_pairs<A>(size, pairs, slots, rng);
  } else {
    tight_pairs<A>(size, pairs);
  }
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  using namespace tessera::bench;
  if (argc != 5 || (std::strcmp(argv[2], "tight") != 0 && std::strcmp(argv[2], "window") != 0)) {
    std::fprintf(stderr, "usage: %s <tessera|glibc|mimalloc> <tight|window> <size> <pairs>\n",
                 argv[0]);
    return 2;
  }
  const bool window = std::strcmp(argv[2], "window") == 0;
  const std::size_t size = std::strtoull(argv[3], nullptr, 10);
  const std::size_t pairs = std::strtoull(argv[4], nullptr, 10);
  int rc = 0;
  const bool known = with_allocator(argv[1], [&]<class A>() {
    if (!A::ready()) {
      std::fprintf(stderr, "inscount: %s is not available in this process\n", A::kName);
      rc = 1;
      return;
    }
    void* slots[kWindow] = {};
    if (window) {
      for (void*& s : slots) s = A::alloc(size);
    }
    std::uint64_t rng = 0x9e3779b97f4a7c15u;
    if (window) {
      window_pairs<A>(size, kWarmup, slots, rng);
    } else {
      tight_pairs<A>(size, kWarmup);
    }
    measured_pairs<A>(window, size, pairs, slots, rng);
    if (window) {
      for (void* s : slots) A::dealloc(s);
    }
    std::printf("%s %s %zu %zu\n", A::kName, argv[2], size, pairs);
  });
  if (!known) {
    std::fprintf(stderr, "inscount: no allocator named '%s' in this build\n", argv[1]);
    return 2;
  }
  return rc;
}
