// libFuzzer target: random sequences of ts_malloc, ts_free, ts_realloc, aligned allocation and
// frees from another thread, against a shadow model that knows every live block, its size and
// its contents. Any difference (a block that lost its contents, a bad alignment or usable size)
// or a crash fails. Heap create/destroy is not driven yet: first-class heaps do not exist.
//
// Input: a stream of operations, each an opcode byte followed by its operands (missing bytes
// read as zero). Run bounded in CI by ctest (`fuzz` label); longer by hand:
//   build/asan/tests/fuzz/alloc_fuzzer -max_total_time=3600 CORPUS_DIR tests/fuzz/corpus
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "support/common.h"
#include "tessera/tessera.h"

namespace {

// Reads operands from the input, zero once it runs out.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t u16() { return (uint32_t)byte() | (uint32_t)byte() << 8; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

struct Live {
  unsigned char* p;
  size_t size;
  uint64_t seed;
};

// Contents: word i of a block is mix64(seed + i); checked word by word, the tail byte by byte.
uint64_t pattern_word(uint64_t seed, size_t i) { return tessera_test::mix64(seed + i); }
void fill(const Live& b) {
  size_t words = b.size / 8;
  for (size_t i = 0; i < words; i++) {
    uint64_t w = pattern_word(b.seed, i);
    memcpy(b.p + 8 * i, &w, 8);
  }
  uint64_t tail = pattern_word(b.seed, words);
  memcpy(b.p + 8 * words, &tail, b.size % 8);
}
void check(const Live& b, size_t n) {
  size_t words = n / 8;
  for (size_t i = 0; i < words; i++) {
    uint64_t w;
    memcpy(&w, b.p + 8 * i, 8);
    if (w != pattern_word(b.seed, i)) __builtin_trap();  // a block lost its contents
  }
  uint64_t tail = pattern_word(b.seed, words), have = 0;
  memcpy(&have, b.p + 8 * words, n % 8);
  if (n % 8 != 0 && (have ^ tail) << (8 * (8 - n % 8)) != 0) __builtin_trap();
}

// Sizes up to a few MiB: mostly small, sometimes medium, large or huge.
size_t size_from(Reader& in) {
  uint32_t v = in.u16();
  switch (in.byte() & 7) {
    case 0: return v % 64 == 0 ? v % 4097 * 1024 : v % 65536;  // rarely up to 4 MiB
    case 1: return v % 300000;                // medium and large
    default: return v % 1100;                 // the direct table
  }
}

// A thread that frees what it is handed, one block at a time (cross-thread frees).
class RemoteFreer {
 public:
  RemoteFreer() : thread_([this] { run(); }) {}
  ~RemoteFreer() {
    free_there(nullptr);  // nullptr: stop
    thread_.join();
  }
  void free_there(void* p) {
    std::unique_lock<std::mutex> lock(mutex_);
    block_ = p;
    pending_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !pending_; });
  }

 private:
  void run() {
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return pending_; });
      void* p = block_;
      if (p != nullptr) ts_free(p);
      pending_ = false;
      changed_.notify_all();
      if (p == nullptr) return;
    }
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  void* block_ = nullptr;
  bool pending_ = false;
  std::thread thread_;
};

RemoteFreer& remote() {
  static RemoteFreer* freer = new RemoteFreer();  // lives for the whole run
  return *freer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  std::vector<Live> live;
  uint64_t next_seed = size;
  auto add = [&](void* p, size_t n) {
    if (p == nullptr) return;
    if (ts_usable_size(p) < n) __builtin_trap();
    Live b{(unsigned char*)p, n, next_seed++};
    fill(b);
    live.push_back(b);
  };
  auto take = [&](Reader& r) {
    size_t i = r.u16() % live.size();
    Live b = live[i];
    live[i] = live.back();
    live.pop_back();
    check(b, b.size);
    return b;
  };
  while (!in.done() && live.size() < 4096) {
    switch (in.byte() % 6) {
      case 0:
      case 1: {
        size_t n = size_from(in);
        add(ts_malloc(n), n);
        break;
      }
      case 2:
        if (!live.empty()) ts_free(take(in).p);
        break;
      case 3:
        if (!live.empty()) {
          Live b = take(in);
          size_t n = size_from(in);
          auto* q = (unsigned char*)ts_realloc(b.p, n);
          if (q == nullptr && n != 0) {
            live.push_back(b);  // failed: the old block is untouched
            break;
          }
          if (q == nullptr) break;  // realloc to 0 freed it
          check(Live{q, n < b.size ? n : b.size, b.seed}, n < b.size ? n : b.size);
          add(q, n);  // kept, with fresh contents
        }
        break;
      case 4: {
        size_t alignment = (size_t)1 << (4 + in.byte() % 13);  // 16 B .. 64 KiB
        size_t n = size_from(in);
        void* p = ts_malloc_aligned(n, alignment);
        if (p != nullptr && ((uintptr_t)p & (alignment - 1)) != 0) __builtin_trap();
        add(p, n);
        break;
      }
      case 5:
        if (!live.empty()) remote().free_there(take(in).p);
        break;
    }
  }
  for (const Live& b : live) {
    check(b, b.size);
    ts_free(b.p);
  }
  return 0;
}
