// workload.h — what every benchmark workload shares: its command line, a deterministic random
// generator, block stamps written after malloc and checked before free, a barrier, and the
// one way to fail. Workloads use only the standard malloc/free/new: the allocator under test
// comes by LD_PRELOAD (bench/run.py), so these programs link nothing from tessera.
//
// Every workload does a fixed amount of work for its --size (so its time is comparable
// between allocators), checks every block it frees, and prints one JSON line with what it
// did; that line must be the same under every allocator (run.py compares them).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <initializer_list>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bench {

struct Options {
  int threads = 1;
  double size = 1.0;  // scales the amount of work (and, where it says so, the live set)
  bool quick = false; // a few milliseconds of the same code: the ctest smoke test
};

[[noreturn]] inline void fail(const char* workload, const std::string& what) {
  std::fprintf(stderr, "%s: error: %s\n", workload, what.c_str());
  std::exit(1);
}

// --threads N (1..64), --size X (> 0, a factor on the default work), --quick. Anything else is
// a usage error (exit 2): a typo must not silently run the default.
inline Options parse_options(const char* workload, int argc, char** argv) {
  Options o;
  auto usage = [&](const std::string& why) {
    std::fprintf(stderr, "%s: error: %s\nusage: %s [--threads N] [--size FACTOR] [--quick]\n",
                 workload, why.c_str(), argv[0]);
    std::exit(2);
  };
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      o.quick = true;
      continue;
    }
    if (arg != "--threads" && arg != "--size") usage("unknown argument '" + arg + "'");
    if (i + 1 >= argc) usage(arg + " needs a value");
    const char* text = argv[++i];
    char* end = nullptr;
    if (arg == "--threads") {
      long n = std::strtol(text, &end, 10);
      if (*text == '\0' || *end != '\0' || n < 1 || n > 64) usage("--threads must be 1..64");
      o.threads = static_cast<int>(n);
    } else {
      double x = std::strtod(text, &end);
      if (*text == '\0' || *end != '\0' || !(x > 0) || x > 1e6) usage("--size must be > 0");
      o.size = x;
    }
  }
  return o;
}

// The number of iterations for this run: `full` at --size 1, scaled, and `quick` in quick mode.
inline std::size_t scaled(const Options& o, std::size_t full, std::size_t quick) {
  if (o.quick) return quick;
  double n = static_cast<double>(full) * o.size;
  return n < 1 ? 1 : static_cast<std::size_t>(n);
}

// xorshift64*: fast, deterministic for a seed, good enough to pick sizes and slots.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull | 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }

 private:
  std::uint64_t state_;
};

// A block's stamp: a word derived from its tag every 512 bytes and in its last 8 bytes (the
// strided words stop short of the last one, which must not overlap them)
// (every byte when it is smaller than a word). That touches every page of a large block, so
// an allocator that returns memory is paid for refaulting it, and catches two live blocks
// that overlap or a block the allocator handed out twice.
inline std::uint64_t stamp_word(std::uint64_t tag, std::size_t offset) {
  std::uint64_t x = tag * 0xBF58476D1CE4E5B9ull + offset;
  return x ^ (x >> 31);
}
constexpr std::size_t kStampStride = 512;

inline void stamp(void* p, std::size_t n, std::uint64_t tag) {
  auto* b = static_cast<unsigned char*>(p);
  if (n < 8) {
    for (std::size_t i = 0; i < n; i++) b[i] = static_cast<unsigned char>(stamp_word(tag, i));
    return;
  }
  for (std::size_t off = 0; off + 16 <= n; off += kStampStride) {
    std::uint64_t w = stamp_word(tag, off);
    std::memcpy(b + off, &w, 8);
  }
  std::uint64_t last = stamp_word(tag, n - 8);
  std::memcpy(b + n - 8, &last, 8);
}

inline bool stamp_intact(const void* p, std::size_t n, std::uint64_t tag) {
  const auto* b = static_cast<const unsigned char*>(p);
  if (n < 8) {
    for (std::size_t i = 0; i < n; i++)
      if (b[i] != static_cast<unsigned char>(stamp_word(tag, i))) return false;
    return true;
  }
  std::uint64_t w;
  for (std::size_t off = 0; off + 16 <= n; off += kStampStride) {
    std::memcpy(&w, b + off, 8);
    if (w != stamp_word(tag, off)) return false;
  }
  std::memcpy(&w, b + n - 8, 8);
  return w == stamp_word(tag, n - 8);
}

// malloc + stamp, and check + free: the two halves every workload uses for its blocks.
inline void* stamped_malloc(const char* workload, std::size_t n, std::uint64_t tag) {
  void* p = std::malloc(n);
  if (p == nullptr) fail(workload, "malloc(" + std::to_string(n) + ") returned NULL");
  stamp(p, n, tag);
  return p;
}
inline void checked_free(const char* workload, void* p, std::size_t n, std::uint64_t tag) {
  if (!stamp_intact(p, n, tag))
    fail(workload, "a block of " + std::to_string(n) + " bytes was overwritten while live");
  std::free(p);
}

// A reusable barrier for phases that all threads must finish before the next begins.
class Barrier {
 public:
  explicit Barrier(int count) : count_(count) {}
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    unsigned long gen = generation_;
    if (++waiting_ == count_) {
      waiting_ = 0;
      generation_++;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return gen != generation_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int count_;
  int waiting_ = 0;
  unsigned long generation_ = 0;
};

// Runs body(thread_index) on `threads` threads and waits for them.
template <class Body>
void run_threads(int threads, Body body) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) pool.emplace_back(body, t);
  for (auto& t : pool) t.join();
}

// The result line: {"workload": ..., "threads": N, <key>: <value>...}; keys and values come in
// pairs of const char* and unsigned long long. Deterministic for given options.
inline void report(const char* workload, const Options& o,
                   std::initializer_list<std::pair<const char*, unsigned long long>> fields) {
  std::printf("{\"workload\": \"%s\", \"threads\": %d", workload, o.threads);
  for (const auto& [key, value] : fields) std::printf(", \"%s\": %llu", key, value);
  std::printf("}\n");
}

}  // namespace bench
