// mem/secret.cc — draws the process secret once (mem/secret.h).
#include "mem/secret.h"

#include "platform/os.h"

namespace tessera {

Secret g_secret;

void secret_init() {
  static std::atomic<bool> drawn{false};
  static std::atomic<bool> drawing{false};
  if (drawn.load(std::memory_order_acquire)) return;
  if (drawing.exchange(true, std::memory_order_acq_rel)) {
    while (!drawn.load(std::memory_order_acquire)) {
    }
    return;
  }
  // The rotation must not be 0 (a plain xor would leak the key from one known pair).
  g_secret.key = os::random_u64() | 1;
  g_secret.shift = 1 + os::random_u64() % 63;
  drawn.store(true, std::memory_order_release);
}

}  // namespace tessera
