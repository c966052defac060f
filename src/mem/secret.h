// mem/secret.h — the process's random secret: keys the free-list encoding and the block
// headers' check words, so that a forged pointer or header cannot be made to verify. Drawn
// once, on the first slow-path use (before any block exists), and never changed; a fork child
// keeps its parent's, which its inherited free lists need. Layer mem/.
#pragma once
#include <atomic>
#include <cstdint>

namespace tessera {

struct Secret {
  uint64_t key;    // xor'ed into encoded values
  uint64_t shift;  // rotation
};

extern Secret g_secret;

// Draws the secret if this is the first use; thread-safe. Called from page_init.
void secret_init();

// A 64-bit mix (splitmix64's finalizer): distinct inputs give unrelated outputs.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9u;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

}  // namespace tessera
