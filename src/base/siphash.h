// base/siphash.h — SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudorandom function.
// Its outputs tell nothing about its key or about each other, which the secure build's key
// derivation relies on (mem/secret.h); a plain mixing function could be run backwards from one
// output. Written from the paper's specification for the one message length tessera hashes,
// two 64-bit words; tests/unit/siphash_test.cc checks the paper's test vector for it. Layer
// base/.
#pragma once
#include <bit>
#include <cstdint>
#include <initializer_list>

namespace tessera {

struct SipKey {
  uint64_t k0, k1;  // the key's bytes 0-7 and 8-15, little-endian
};

// SipHash-2-4 of the 16-byte message made of a's and then b's little-endian bytes.
constexpr uint64_t siphash24(SipKey key, uint64_t a, uint64_t b) {
  uint64_t v0 = key.k0 ^ 0x736f6d6570736575u, v1 = key.k1 ^ 0x646f72616e646f6du;
  uint64_t v2 = key.k0 ^ 0x6c7967656e657261u, v3 = key.k1 ^ 0x7465646279746573u;
  auto round = [&] {
    v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
    v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
  };
  // The two words, then the last block: no bytes left, the length (16) in its top byte.
  for (uint64_t m : {a, b, (uint64_t)16 << 56}) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xff;
  for (int r = 0; r < 4; r++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace tessera
