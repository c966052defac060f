// base/macros.h — compiler hints shared by every layer. Freestanding: no includes of our own.
#pragma once

#define TESSERA_FAST_PATH inline __attribute__((always_inline))
#define TESSERA_SLOW_PATH __attribute__((noinline, cold))
#define TESSERA_NOINLINE __attribute__((noinline))
#define TESSERA_LIKELY(x) __builtin_expect(!!(x), 1)
#define TESSERA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TESSERA_API extern "C" __attribute__((visibility("default")))

namespace tessera {
// True in builds configured with -DTESSERA_DEBUG=ON: assertions and the re-entry guard.
#if defined(TESSERA_DEBUG) && TESSERA_DEBUG
inline constexpr bool kDebug = true;
#else
inline constexpr bool kDebug = false;
#endif
}  // namespace tessera
