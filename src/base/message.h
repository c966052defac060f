// base/message.h — formats text into a caller's buffer or a stack buffer, so that reporting an
// error or printing statistics never allocates. Output goes through config/output.h (a
// registered function or write(2)); this file only formats.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tessera {

// Appends text to buf[0, capacity) and keeps it NUL-terminated; what does not fit is dropped
// but still counted, so needed() tells the length a complete text would have (as snprintf).
class TextWriter {
 public:
  TextWriter(char* buf, size_t capacity) : buf_(buf), capacity_(capacity) {
    if (capacity_ > 0) buf_[0] = '\0';
  }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;

  TextWriter& text(const char* s) {
    while (*s) put(*s++);
    return *this;
  }
  TextWriter& num(uint64_t v) { return num(v, 0); }
  // v right-aligned in at least `width` characters.
  TextWriter& num(uint64_t v, int width) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v != 0);
    for (int i = n; i < width; i++) put(' ');
    while (n > 0) put(digits[--n]);
    return *this;
  }
  TextWriter& signed_num(int64_t v) {
    if (v < 0) put('-');
    return num(v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
  }
  TextWriter& hex(uintptr_t v) {
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
  TextWriter& ptr(const void* p) { return hex((uintptr_t)p); }
  // Bytes in the largest unit that keeps one decimal ("512 B", "1.5 KiB", "3.0 GiB"),
  // right-aligned in `width` characters.
  TextWriter& bytes(uint64_t v, int width = 0) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned unit = 0;
    uint64_t tenths = v * 10;
    if (v >= ((uint64_t)1 << 60)) {  // tenths would overflow
      tenths = (v >> 40) * 10;
      unit = 4;
    }
    while (unit < 4 && tenths >= 10240) {
      tenths /= 1024;
      unit++;
    }
    char tmp[32];
    TextWriter t(tmp, sizeof tmp);
    t.num(tenths / 10);
    if (unit > 0) t.text(".").num(tenths % 10);
    t.text(" ").text(kUnits[unit]);
    for (int i = (int)t.size(); i < width; i++) put(' ');
    return text(tmp);
  }
  TextWriter& pad_to(size_t column) {
    while (needed_ < column) put(' ');
    return *this;
  }

  const char* data() const { return buf_; }
  // Bytes stored (at most capacity - 1).
  size_t size() const { return needed_ < capacity_ ? needed_ : (capacity_ > 0 ? capacity_ - 1 : 0); }
  // Bytes the whole text needs, without the terminating NUL.
  size_t needed() const { return needed_; }

 private:
  void put(char c) {
    if (needed_ + 1 < capacity_) {
      buf_[needed_] = c;
      buf_[needed_ + 1] = '\0';
    }
    needed_++;
  }
  char* buf_;
  size_t capacity_;
  size_t needed_ = 0;
};

// One diagnostic line in a stack buffer.
class Message : public TextWriter {
 public:
  Message() : TextWriter(storage_, sizeof storage_) {}

 private:
  char storage_[257];
};

}  // namespace tessera
