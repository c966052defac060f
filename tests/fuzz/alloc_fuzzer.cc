// libFuzzer target: random sequences of ts_malloc, ts_free, ts_realloc, aligned allocation,
// first-class heaps (allocation, realloc, create, destroy, reset, delete, visiting) and frees
// by a second thread racing with this one, against a shadow model that knows every live block,
// its size, its heap and its contents. Blocks of a destroyed or reset heap leave the model;
// those of a deleted heap move to the default heap. Any difference (a block that lost its
// contents, a bad alignment or usable size, a heap walk that misses a block or sees a freed
// one) or a crash fails.
//
// Input: a stream of operations, each an opcode byte (mod 10) followed by its operands (missing
// bytes read as zero). Opcodes 0-5 kept their meaning when heaps were added, so older seeds
// still drive what they were written for. Run bounded in CI by ctest (`fuzz` label); longer by
// hand:
//   build/asan/tests/fuzz/alloc_fuzzer -max_total_time=3600 CORPUS_DIR tests/fuzz/corpus
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <condition_variable>
#include <map>
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
  int heap;      // Model::kDefault or a first-class heap's slot
  bool aligned;  // allocated with an alignment above 16
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

// A second thread that frees the blocks it is handed, in the order given, while this one goes
// on (cross-thread frees racing with the owner's allocations and collections). drain() waits
// until it has freed all of them: needed before anything that must see those frees done
// (visiting a heap) or that frees the blocks itself (destroying or resetting their heap).
class RemoteFreer {
 public:
  RemoteFreer() : thread_([this] { run(); }) {}
  ~RemoteFreer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  void free_there(void* p) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(p);
    }
    changed_.notify_all();
  }
  void drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queue_.empty() && !busy_; });
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      std::vector<void*> batch;
      batch.swap(queue_);
      busy_ = true;
      lock.unlock();
      for (void* p : batch) ts_free(p);
      lock.lock();
      busy_ = false;
      changed_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<void*> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

RemoteFreer& remote() {
  static RemoteFreer* freer = new RemoteFreer();  // lives for the whole run
  return *freer;
}

// The shadow model: every live block, its contents, and the heap it belongs to.
class Model {
 public:
  static constexpr int kDefault = -1;  // the thread's own heap
  static constexpr int kSlots = 3;     // first-class heaps alive at once, at most

  explicit Model(uint64_t seed) : next_seed_(seed) {}
  ~Model() {
    remote().drain();
    for (const Live& b : live_) check(b, b.size);
    for (const Live& b : live_)
      if (b.heap == kDefault) ts_free(b.p);
    for (ts_heap_t*& h : heaps_)
      if (h != nullptr) ts_heap_destroy(h);
  }
  bool full() const { return live_.size() >= 4096; }
  bool empty() const { return live_.empty(); }

  // A block the program was just given: its usable size covers n, its contents are set.
  void add(void* p, size_t n, int heap, bool aligned) {
    if (p == nullptr) return;
    if (ts_usable_size(p) < n) __builtin_trap();
    if (heap != kDefault && ts_heap_of(p) != heaps_[heap]) __builtin_trap();
    Live b{(unsigned char*)p, n, next_seed_++, heap, aligned};
    fill(b);
    live_.push_back(b);
  }
  // Removes a block chosen by the input, its contents checked.
  Live take(Reader& in) {
    size_t i = in.u16() % live_.size();
    Live b = live_[i];
    live_[i] = live_.back();
    live_.pop_back();
    check(b, b.size);
    return b;
  }
  void put_back(const Live& b) { live_.push_back(b); }

  // The heap in slot i, made now if the slot is empty (nullptr when out of memory).
  ts_heap_t* heap(int i) {
    if (heaps_[i] == nullptr) heaps_[i] = ts_heap_new();
    return heaps_[i];
  }
  ts_heap_t* heap_if_any(int i) const { return heaps_[i]; }

  // ts_heap_destroy (its blocks leave the model), ts_heap_reset (likewise, the heap stays) or
  // ts_heap_delete (its blocks move to the default heap and stay valid).
  void destroy(int i, bool keep_heap) {
    if (heaps_[i] == nullptr) return;
    remote().drain();  // blocks handed over must be freed before the heap frees them all
    for (size_t k = 0; k < live_.size();) {
      if (live_[k].heap != i) {
        k++;
        continue;
      }
      check(live_[k], live_[k].size);
      live_[k] = live_.back();
      live_.pop_back();
    }
    if (keep_heap) {
      ts_heap_reset(heaps_[i]);
    } else {
      ts_heap_destroy(heaps_[i]);
      heaps_[i] = nullptr;
    }
  }
  void remove(int i) {
    if (heaps_[i] == nullptr) return;
    ts_heap_delete(heaps_[i]);
    heaps_[i] = nullptr;
    for (Live& b : live_) {
      if (b.heap != i) continue;
      b.heap = kDefault;
      check(b, b.size);
      if (ts_heap_of(b.p) != ts_heap_get_default()) __builtin_trap();
    }
  }

  // ts_heap_visit_blocks sees exactly the model's blocks of heap i, each inside what it
  // reports (release builds report an over-aligned block's whole block) at its usable size.
  void visit(int i) {
    if (heaps_[i] == nullptr) return;
    remote().drain();  // their frees done: the heap's blocks are exactly the model's
    std::map<uintptr_t, size_t> seen;
    auto record = [](const ts_heap_t*, const ts_heap_area_t*, void* block, size_t size,
                     void* arg) {
      if (block == nullptr) return true;
      if (size != ts_usable_size(block)) __builtin_trap();
      if (!static_cast<std::map<uintptr_t, size_t>*>(arg)->emplace((uintptr_t)block, size).second)
        __builtin_trap();  // visited twice
      return true;
    };
    if (!ts_heap_visit_blocks(heaps_[i], true, record, &seen)) __builtin_trap();
    size_t mine = 0;
    for (const Live& b : live_) {
      if (b.heap != i) continue;
      mine++;
      auto it = seen.upper_bound((uintptr_t)b.p);
      if (it == seen.begin()) __builtin_trap();  // not visited
      --it;
      if (!b.aligned && it->first != (uintptr_t)b.p) __builtin_trap();
      if ((uintptr_t)b.p + b.size > it->first + it->second) __builtin_trap();
    }
    if (mine != seen.size()) __builtin_trap();  // a freed block still visited
  }

 private:
  std::vector<Live> live_;
  ts_heap_t* heaps_[kSlots] = {};
  uint64_t next_seed_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  Model model(size);
  while (!in.done() && !model.full()) {
    const unsigned op = in.byte() % 10;
    switch (op) {
      case 0:
      case 1: {
        size_t n = size_from(in);
        model.add(ts_malloc(n), n, Model::kDefault, false);
        break;
      }
      case 2:
        if (!model.empty()) ts_free(model.take(in).p);
        break;
      case 3:  // ts_realloc: a block that moves comes from the default heap
      case 7:  // ts_heap_realloc: from the heap named
        if (!model.empty()) {
          bool named = op == 7;
          Live b = model.take(in);
          int slot = named ? in.byte() % Model::kSlots : Model::kDefault;
          ts_heap_t* heap = named ? model.heap(slot) : nullptr;
          if (named && heap == nullptr) {
            model.put_back(b);
            break;
          }
          size_t n = size_from(in);
          auto* q = (unsigned char*)(named ? ts_heap_realloc(heap, b.p, n) : ts_realloc(b.p, n));
          if (q == nullptr && n != 0) {
            model.put_back(b);  // failed: the old block is untouched
            break;
          }
          if (q == nullptr) break;  // realloc to 0 freed it
          size_t kept = n < b.size ? n : b.size;
          check(Live{q, kept, b.seed, 0, false}, kept);
          bool moved = q != b.p;
          model.add(q, n, moved ? slot : b.heap, moved ? false : b.aligned);
        }
        break;
      case 4:  // aligned, from the default heap
      case 6: {  // from a first-class heap, aligned or not
        bool named = op == 6;
        int slot = named ? in.byte() % Model::kSlots : Model::kDefault;
        size_t alignment = (size_t)1 << (4 + in.byte() % 13);  // 16 B .. 64 KiB
        if (named && in.byte() % 2 == 0) alignment = 16;
        size_t n = size_from(in);
        void* p;
        if (!named) {
          p = ts_malloc_aligned(n, alignment);
        } else {
          ts_heap_t* heap = model.heap(slot);
          if (heap == nullptr) break;
          p = alignment == 16 ? ts_heap_malloc(heap, n) : ts_heap_malloc_aligned(heap, n, alignment);
        }
        if (p != nullptr && ((uintptr_t)p & (alignment - 1)) != 0) __builtin_trap();
        model.add(p, n, slot, alignment > 16);
        break;
      }
      case 5:  // freed by the other thread, while this one goes on
        if (!model.empty()) remote().free_there(model.take(in).p);
        break;
      case 8: {  // a first-class heap's life: destroy, reset, delete, or a visit of its blocks
        int slot = in.byte() % Model::kSlots;
        switch (in.byte() % 4) {
          case 0: model.destroy(slot, false); break;
          case 1: model.destroy(slot, true); break;
          case 2: model.remove(slot); break;
          case 3: model.visit(slot); break;
        }
        break;
      }
      case 9:  // everything free goes back to the OS now, live blocks stay whole
        remote().drain();
        ts_collect(true);
        break;
    }
  }
  return 0;
}
