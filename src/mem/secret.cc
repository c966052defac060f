// mem/secret.cc — draws the process secrets once (mem/secret.h).
#include "mem/secret.h"

#include "platform/os.h"

namespace tessera {

Secret g_secret;

namespace {
std::atomic<uint64_t> g_draws{0};
}

void secret_init() {
  static std::atomic<bool> drawn{false};
  static std::atomic<bool> drawing{false};
  if (drawn.load(std::memory_order_acquire)) return;
  if (drawing.exchange(true, std::memory_order_acq_rel)) {
    while (!drawn.load(std::memory_order_acquire)) {
    }
    return;
  }
  g_secret.header_key = os::random_u64() | 1;
  g_secret.link_key = os::random_u64();
  // The rotation must not be 0 (a plain xor would leak the key from one known pair).
  g_secret.shift = 1 + os::random_u64() % 63;
  g_secret.draw_key = {os::random_u64(), os::random_u64()};
  drawn.store(true, std::memory_order_release);
}

uint64_t secret_draw(uint64_t tweak) {
  uint64_t n = g_draws.fetch_add(1, std::memory_order_relaxed);
  return siphash24(g_secret.draw_key, tweak, n);
}

void secret_after_fork_child() {
  g_secret.draw_key = {os::random_u64(), os::random_u64()};
}

}  // namespace tessera
