// base/bits.h — alignment and bit arithmetic on sizes and addresses. Freestanding.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

constexpr bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }
// align must be a power of two.
constexpr size_t align_up(size_t x, size_t align) { return (x + align - 1) & ~(align - 1); }
constexpr uintptr_t align_down(uintptr_t x, size_t align) { return x & ~(uintptr_t)(align - 1); }
// Index of the highest set bit; x must be non-zero.
constexpr unsigned floor_log2(size_t x) { return 63u - (unsigned)__builtin_clzll(x); }
constexpr size_t div_ceil(size_t x, size_t d) { return (x + d - 1) / d; }

// Divisibility by a fixed d without a division (Lemire et al., "Faster remainder by direct
// computation"): for 32-bit n, n % d == 0 exactly when n * M < M (mod 2^64), M = 2^64 / d + 1.
constexpr uint64_t divisibility_magic(uint32_t d) { return UINT64_MAX / d + 1; }
constexpr bool is_divisible(uint32_t n, uint64_t magic) { return (uint64_t)n * magic < magic; }

}  // namespace tessera
