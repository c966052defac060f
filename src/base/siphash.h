// base/siphash.h — SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudorandom function.
// Its outputs tell nothing about its key or about each other, which the secure build's key
// derivation relies on (mem/secret.h); a plain mixing function could be run backwards from one
// output. Written from the paper's specification; tests/unit/siphash_test.cc checks the
// paper's test vectors. Layer base/.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

struct SipKey {
  uint64_t k0, k1;  // the key's bytes 0-7 and 8-15, little-endian
};

namespace siphash_detail {

constexpr uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

struct State {
  uint64_t v0, v1, v2, v3;
  constexpr void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  constexpr void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

constexpr State start(SipKey key) {
  return {key.k0 ^ 0x736f6d6570736575u, key.k1 ^ 0x646f72616e646f6du,
          key.k0 ^ 0x6c7967656e657261u, key.k1 ^ 0x7465646279746573u};
}

// last: the message's final bytes (fewer than 8) below its length's low byte, in the top one.
constexpr uint64_t finish(State s, uint64_t last) {
  s.absorb(last);
  s.v2 ^= 0xff;
  for (int r = 0; r < 4; r++) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace siphash_detail

// SipHash-2-4 of the len bytes at data.
constexpr uint64_t siphash24(SipKey key, const uint8_t* data, size_t len) {
  siphash_detail::State s = siphash_detail::start(key);
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = 0;
    for (int b = 0; b < 8; b++) m |= (uint64_t)data[i + b] << (8 * b);
    s.absorb(m);
  }
  uint64_t last = (uint64_t)len << 56;
  for (size_t b = 0; whole + b < len; b++) last |= (uint64_t)data[whole + b] << (8 * b);
  return siphash_detail::finish(s, last);
}

// SipHash-2-4 of two 64-bit words, as 16 little-endian bytes.
constexpr uint64_t siphash24(SipKey key, uint64_t a, uint64_t b) {
  siphash_detail::State s = siphash_detail::start(key);
  s.absorb(a);
  s.absorb(b);
  return siphash_detail::finish(s, (uint64_t)16 << 56);
}

}  // namespace tessera
