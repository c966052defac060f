// base/message.h — formats a diagnostic line into a stack buffer, so that reporting an error
// never allocates. Output goes through platform/ (write(2)); this file only formats.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

class Message {
 public:
  Message& text(const char* s) {
    while (*s) put(*s++);
    return *this;
  }
  Message& num(uint64_t v) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v != 0);
    while (n > 0) put(digits[--n]);
    return *this;
  }
  Message& hex(uintptr_t v) {
    text("0x");
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
      unsigned d = (v >> shift) & 0xf;
      if (d != 0 || started || shift == 0) {
        put("0123456789abcdef"[d]);
        started = true;
      }
    }
    return *this;
  }
  Message& ptr(const void* p) { return hex((uintptr_t)p); }
  const char* data() const { return buf_; }
  size_t size() const { return len_; }

 private:
  void put(char c) {
    if (len_ < sizeof(buf_)) buf_[len_++] = c;
  }
  char buf_[256];
  size_t len_ = 0;
};

}  // namespace tessera
