// tessera — the C++ API: header only, on top of the C API in tessera.h (C++20).
//
//   tessera::Heap                 a first-class heap (RAII, move-only); its destructor frees
//                                 every block it still holds, at once
//   tessera::Arena                address space reserved up front, optionally on large pages
//   tessera::allocator<T>         a standard allocator on ts_malloc (the thread's default heap)
//   tessera::heap_allocator<T>    a standard allocator on one Heap; equal when the heap is
//   tessera::heap_resource        a std::pmr::memory_resource on one Heap
//   tessera::default_resource()   a std::pmr::memory_resource on ts_malloc
//   tessera::options::…          the runtime options, typed (options::purge_delay.set(10ms))
//   tessera::stats()              the statistics (ts_stats_t); stats_json() as text
//
// Errors are exceptions: out of memory is std::bad_alloc (std::bad_array_new_length when
// n * sizeof(T) overflows); using a heap from a thread that does not own it, or a moved-from
// Heap, is tessera::usage_error; a bad argument (an alignment that is not a power of two) is
// std::invalid_argument. Each message starts with "tessera: error:".
//
// Threads: a heap allocates only in the thread that created it; its blocks can be freed
// (deallocate, ts_free, a container's destructor) from any thread. A thread that exits deletes
// the heaps it still owns, keeping their blocks (ts_heap_delete), so a Heap object must not
// outlive the thread that created it.
//
//   tessera::Heap heap;                                   // owned by this thread
//   std::vector<int, tessera::heap_allocator<int>> v(heap.allocator<int>());
//   v.assign(1000, 7);
//   heap.reset();      // frees every block of the heap at once: v must not be used again
#ifndef TESSERA_TESSERA_HPP
#define TESSERA_TESSERA_HPP

#include <tessera/tessera.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory_resource>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace tessera {

// Misuse the API detects: a heap used from a thread that does not own it, a moved-from Heap.
class usage_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {

// ts_malloc's alignment; larger ones go through the _aligned functions.
inline constexpr size_t kMallocAlignment = alignof(std::max_align_t);

inline std::string error_text(const char* who, const std::string& what) {
  return std::string("tessera: error: ") + who + ": " + what;
}

// Turns the errno of a failed C call into the exception the C++ API promises.
[[noreturn]] inline void throw_errno(int err, const char* who) {
  switch (err) {
    case EPERM:
      throw usage_error(error_text(who, "the heap is used from a thread that does not own it"));
    case EINVAL:
      throw std::invalid_argument(error_text(who, "invalid argument (alignment not a power of two?)"));
    case ENOMEM:
      throw std::bad_alloc();
    default:
      throw std::system_error(err, std::generic_category(), error_text(who, "failed"));
  }
}

[[noreturn]] inline void throw_moved_from(const char* who) {
  throw usage_error(error_text(who, "no heap (the tessera::Heap was moved from or released)"));
}

// size bytes from `heap`, or from the thread's default heap when heap is null.
inline void* allocate_bytes(ts_heap_t* heap, size_t size, size_t alignment, const char* who) {
  void* p;
  if (alignment <= kMallocAlignment && std::has_single_bit(alignment)) {
    p = heap != nullptr ? ts_heap_malloc(heap, size) : ts_malloc(size);
  } else {
    p = heap != nullptr ? ts_heap_malloc_aligned(heap, size, alignment)
                        : ts_malloc_aligned(size, alignment);
  }
  if (p == nullptr) throw_errno(errno, who);
  return p;
}

inline void deallocate_bytes(void* p, size_t size, size_t alignment) noexcept {
  if (alignment <= kMallocAlignment) {
    ts_free_sized(p, size);
  } else {
    ts_free_aligned_sized(p, alignment, size);
  }
}

// n * sizeof(T) bytes, or std::bad_array_new_length when that does not fit in size_t.
template <class T>
size_t array_bytes(size_t n) {
  if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
  return n * sizeof(T);
}

template <class T>
T* allocate_array(ts_heap_t* heap, size_t n, const char* who) {
  return static_cast<T*>(allocate_bytes(heap, array_bytes<T>(n), alignof(T), who));
}

template <class T>
void deallocate_array(T* p, size_t n) noexcept {
  deallocate_bytes(p, n * sizeof(T), alignof(T));
}

}  // namespace detail

class Heap;
class Arena;

// A standard allocator on the thread's default heap (ts_malloc); over-aligned T is honoured.
// Stateless: every tessera::allocator is equal to every other.
template <class T>
class allocator {
 public:
  using value_type = T;
  using is_always_equal = std::true_type;

  allocator() noexcept = default;
  template <class U>
  allocator(const allocator<U>&) noexcept {}

  [[nodiscard]] T* allocate(size_t n) {
    return detail::allocate_array<T>(nullptr, n, "tessera::allocator::allocate");
  }
  void deallocate(T* p, size_t n) noexcept { detail::deallocate_array(p, n); }

  template <class U>
  bool operator==(const allocator<U>&) const noexcept {
    return true;
  }
};

// A standard allocator on one heap. Copies share the heap; two heap_allocators are equal when
// their heap is the same, so blocks of one can be freed by the other. Containers that are
// copied, moved or swapped take the other container's heap along (propagate_* are true).
// The heap must outlive every container that uses it, and allocation happens only in the
// heap's thread (tessera::usage_error elsewhere); deallocation works from any thread.
template <class T>
class heap_allocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  using is_always_equal = std::false_type;

  explicit heap_allocator(const Heap& heap) noexcept;
  explicit heap_allocator(ts_heap_t* heap) noexcept : heap_(heap) {}
  template <class U>
  heap_allocator(const heap_allocator<U>& other) noexcept : heap_(other.heap()) {}

  [[nodiscard]] T* allocate(size_t n) {
    if (heap_ == nullptr) detail::throw_moved_from("tessera::heap_allocator::allocate");
    return detail::allocate_array<T>(heap_, n, "tessera::heap_allocator::allocate");
  }
  void deallocate(T* p, size_t n) noexcept { detail::deallocate_array(p, n); }

  ts_heap_t* heap() const noexcept { return heap_; }

  template <class U>
  bool operator==(const heap_allocator<U>& other) const noexcept {
    return heap_ == other.heap();
  }

 private:
  ts_heap_t* heap_;
};

// A first-class heap, owned by the thread that creates it.
//
// Destruction frees every block the heap still holds at once (ts_heap_destroy: time
// proportional to its pages, not its blocks); pointers into it dangle afterwards. To keep the
// blocks instead, build it with Policy::keep_blocks, or call release_to_default() before it
// goes: the blocks then move to the thread's default heap and stay valid until ts_free.
//
// Move-only. A moved-from Heap holds no heap: using it throws tessera::usage_error, and
// destroying it does nothing. Allocating, resetting, collecting or visiting from a thread other
// than the owner throws tessera::usage_error; freeing a block (deallocate) works anywhere.
class Heap {
 public:
  enum class Policy {
    free_blocks,  // the destructor frees all remaining blocks (ts_heap_destroy)
    keep_blocks   // the destructor hands remaining blocks to the default heap (ts_heap_delete)
  };

  explicit Heap(Policy policy = Policy::free_blocks) : Heap(ts_heap_new(), policy, "tessera::Heap") {}
  // A heap whose blocks all come from `arena`; when the arena is full, allocate throws
  // std::bad_alloc instead of taking memory elsewhere.
  static Heap in(const Arena& arena, Policy policy = Policy::free_blocks);

  Heap(Heap&& other) noexcept
      : heap_(std::exchange(other.heap_, nullptr)), policy_(other.policy_), owner_(other.owner_) {}
  Heap& operator=(Heap&& other) noexcept {
    if (this != &other) {
      close();
      heap_ = std::exchange(other.heap_, nullptr);
      policy_ = other.policy_;
      owner_ = other.owner_;
    }
    return *this;
  }
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  ~Heap() { close(); }

  // size bytes aligned to `alignment` (a power of two; any up to 1 GiB).
  [[nodiscard]] void* allocate(size_t size, size_t alignment = alignof(std::max_align_t)) {
    return detail::allocate_bytes(checked("tessera::Heap::allocate"), size, alignment,
                                  "tessera::Heap::allocate");
  }
  // Frees a block (of this heap or any other) from any thread.
  void deallocate(void* p) noexcept { ts_free(p); }

  // Frees every block at once; the heap stays ready for new allocations.
  void reset() { ts_heap_reset(owned("tessera::Heap::reset")); }
  // Gives memory the heap holds empty back (with force: all of it, now).
  void collect(bool force = false) { ts_heap_collect(owned("tessera::Heap::collect"), force); }
  // Whether p points into this heap's memory (a page of its blocks, a large or huge block of
  // it): cheap, from any thread. It does not tell whether a small block there is in use
  // (visit does).
  bool contains(const void* p) const noexcept {
    return heap_ != nullptr && ts_heap_contains(heap_, p);
  }

  // Calls visitor(void* block, size_t block_size) for every block in use; a visitor that
  // returns bool stops the walk by returning false. Returns whether the walk went to the end.
  // An exception from the visitor stops the walk and is rethrown here.
  template <class Visitor>
  bool visit(Visitor&& visitor) const {
    return walk(true, [&](const ts_heap_area_t*, void* block, size_t size) {
      return block == nullptr || keep_going(visitor, block, size);
    });
  }
  // Calls visitor(const ts_heap_area_t& area) for every area (page, large or huge block).
  template <class Visitor>
  bool visit_areas(Visitor&& visitor) const {
    return walk(false, [&](const ts_heap_area_t* area, void*, size_t) {
      return keep_going(visitor, *area);
    });
  }

  // A standard allocator on this heap (see heap_allocator).
  template <class T>
  heap_allocator<T> allocator() const noexcept {
    return heap_allocator<T>(heap_);
  }

  // Deletes the heap now keeping its blocks, which move to the thread's default heap; this
  // Heap is left empty, as if moved from.
  void release_to_default() {
    ts_heap_delete(owned("tessera::Heap::release_to_default"));
    heap_ = nullptr;
  }

  // The C handle, for the ts_heap_* functions (null when moved from).
  ts_heap_t* get() const noexcept { return heap_; }
  Policy policy() const noexcept { return policy_; }
  explicit operator bool() const noexcept { return heap_ != nullptr; }

 private:
  Heap(ts_heap_t* heap, Policy policy, const char* who)
      : heap_(heap), policy_(policy), owner_(std::this_thread::get_id()) {
    if (heap_ == nullptr) detail::throw_errno(errno, who);
  }

  ts_heap_t* checked(const char* who) const {
    if (heap_ == nullptr) detail::throw_moved_from(who);
    return heap_;
  }
  // For the calls the C API only accepts from the owner thread and reports no error from.
  ts_heap_t* owned(const char* who) const {
    checked(who);
    if (owner_ != std::this_thread::get_id()) detail::throw_errno(EPERM, who);
    return heap_;
  }

  void close() noexcept {
    if (heap_ == nullptr) return;
    if (owner_ != std::this_thread::get_id()) {
      // Destroying it here would race with its owner: report it and leave it to its thread.
      std::fputs("tessera: error: tessera::Heap destroyed in a thread that does not own it; "
                 "the heap is left to its owner thread\n", stderr);
    } else if (policy_ == Policy::keep_blocks) {
      ts_heap_delete(heap_);
    } else {
      ts_heap_destroy(heap_);
    }
    heap_ = nullptr;
  }

  template <class Visitor, class... Args>
  static bool keep_going(Visitor& visitor, Args&&... args) {
    if constexpr (std::is_convertible_v<std::invoke_result_t<Visitor&, Args...>, bool>) {
      return static_cast<bool>(visitor(std::forward<Args>(args)...));
    } else {
      visitor(std::forward<Args>(args)...);
      return true;
    }
  }

  // Runs ts_heap_visit_blocks with `step` behind a C callback; an exception must not unwind
  // through the C library, so it is caught there and rethrown after the walk.
  template <class Step>
  bool walk(bool all_blocks, Step&& step) const {
    struct Context {
      Step* step;
      std::exception_ptr error;
    } context{&step, nullptr};
    const auto trampoline = [](const ts_heap_t*, const ts_heap_area_t* area, void* block,
                               size_t block_size, void* arg) noexcept -> bool {
      auto* c = static_cast<Context*>(arg);
      try {
        return (*c->step)(area, block, block_size);
      } catch (...) {
        c->error = std::current_exception();
        return false;
      }
    };
    const bool done =
        ts_heap_visit_blocks(owned("tessera::Heap::visit"), all_blocks, trampoline, &context);
    if (context.error) std::rethrow_exception(context.error);
    return done;
  }

  ts_heap_t* heap_;
  Policy policy_;
  std::thread::id owner_;
};

template <class T>
heap_allocator<T>::heap_allocator(const Heap& heap) noexcept : heap_(heap.get()) {}

// What an arena's memory is backed by (TS_PAGES_*).
enum class PageKind {
  normal = TS_PAGES_NORMAL,
  transparent = TS_PAGES_TRANSPARENT,
  large = TS_PAGES_LARGE,
  huge = TS_PAGES_HUGE
};

inline const char* to_string(PageKind kind) noexcept {
  switch (kind) {
    case PageKind::normal: return "normal pages";
    case PageKind::transparent: return "transparent huge pages";
    case PageKind::large: return "2 MiB pages";
    case PageKind::huge: return "1 GiB pages";
  }
  return "unknown pages";
}

struct ArenaOptions {
  bool commit = false;       // touch all of it now
  bool large_pages = false;  // ask for 2 MiB pages (falls back to smaller ones)
  bool exclusive = false;    // only heaps created in it allocate there
};

struct ArenaInfo {
  void* start;
  size_t size;    // bytes reserved
  size_t in_use;  // bytes handed out to heaps
  PageKind pages;
  bool exclusive;
};

// Address space reserved up front. Arenas live as long as the process (the C API has no call
// to release one), so an Arena is a small copyable handle.
class Arena {
 public:
  // At least `size` bytes (rounded up to 32 MiB segments). std::invalid_argument for a bad
  // size, std::bad_alloc when the OS refuses.
  static Arena reserve(size_t size, ArenaOptions options = {}) {
    const int flags = (options.commit ? TS_ARENA_COMMIT : 0) |
                      (options.large_pages ? TS_ARENA_LARGE_PAGES : 0) |
                      (options.exclusive ? TS_ARENA_EXCLUSIVE : 0);
    ts_arena_id_t id = 0;
    const int got = ts_arena_reserve(size, flags, &id);
    return Arena(id, got, options.large_pages ? PageKind::large : PageKind::normal,
                 "tessera::Arena::reserve");
  }
  // `count` 1 GiB pages as an exclusive arena, trying for at most `timeout`.
  static Arena reserve_huge(size_t count,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
    ts_arena_id_t id = 0;
    const int got =
        ts_arena_reserve_huge_pages(count, static_cast<size_t>(timeout.count()), &id);
    return Arena(id, got, PageKind::huge, "tessera::Arena::reserve_huge");
  }

  ts_arena_id_t id() const noexcept { return id_; }
  // The pages it got, the pages it asked for, and whether it had to settle for smaller ones.
  PageKind pages() const noexcept { return pages_; }
  PageKind requested() const noexcept { return requested_; }
  bool fell_back() const noexcept { return pages_ < requested_; }

  ArenaInfo info() const {
    ts_arena_info_t raw;
    if (!ts_arena_info(id_, &raw)) detail::throw_errno(errno, "tessera::Arena::info");
    return ArenaInfo{raw.start, raw.size, raw.in_use, static_cast<PageKind>(raw.pages),
                     raw.exclusive};
  }
  // Whether p lies in the arena's address range.
  bool contains(const void* p) const {
    const ArenaInfo i = info();
    const auto* start = static_cast<const char*>(i.start);
    const auto* q = static_cast<const char*>(p);
    return q >= start && q < start + i.size;
  }

  Heap new_heap(Heap::Policy policy = Heap::Policy::free_blocks) const {
    return Heap::in(*this, policy);
  }

 private:
  Arena(ts_arena_id_t id, int status, PageKind requested, const char* who)
      : id_(id), pages_(static_cast<PageKind>(status)), requested_(requested) {
    if (status < 0) detail::throw_errno(-status, who);
  }

  ts_arena_id_t id_;
  PageKind pages_;
  PageKind requested_;
};

inline Heap Heap::in(const Arena& arena, Policy policy) {
  return Heap(ts_heap_new_in_arena(arena.id()), policy, "tessera::Heap::in");
}

// A std::pmr::memory_resource on one heap; two are equal when their heap is the same. The
// heap must outlive the resource's blocks; allocation happens only in the heap's thread.
class heap_resource : public std::pmr::memory_resource {
 public:
  explicit heap_resource(const Heap& heap) noexcept : heap_(heap.get()) {}
  explicit heap_resource(ts_heap_t* heap) noexcept : heap_(heap) {}
  ts_heap_t* heap() const noexcept { return heap_; }

 private:
  void* do_allocate(size_t bytes, size_t alignment) override {
    if (heap_ == nullptr) detail::throw_moved_from("tessera::heap_resource::allocate");
    return detail::allocate_bytes(heap_, bytes, alignment, "tessera::heap_resource::allocate");
  }
  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    detail::deallocate_bytes(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    const auto* same_kind = dynamic_cast<const heap_resource*>(&other);
    return same_kind != nullptr && same_kind->heap_ == heap_;
  }

  ts_heap_t* heap_;
};

namespace detail {
class default_heap_resource final : public std::pmr::memory_resource {
  void* do_allocate(size_t bytes, size_t alignment) override {
    return allocate_bytes(nullptr, bytes, alignment, "tessera::default_resource()->allocate");
  }
  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    deallocate_bytes(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return dynamic_cast<const default_heap_resource*>(&other) != nullptr;
  }
};
}  // namespace detail

// A std::pmr::memory_resource on ts_malloc (each thread's default heap). One per program;
// never destroyed, so it serves static objects' destructors too.
inline std::pmr::memory_resource* default_resource() noexcept {
  static detail::default_heap_resource* const resource = new detail::default_heap_resource;
  return resource;
}

// ---- Options and statistics ------------------------------------------------------------------

// One runtime option with its C++ type: bool for switches, std::size_t for counts and bytes,
// std::chrono::milliseconds for the purge delay. get() reads it; set() changes it (a value the
// C API cannot take — negative, or past LONG_MAX — throws std::invalid_argument, changing
// nothing); set_default() changes it only if neither the environment nor set() did.
template <class T>
class option {
 public:
  constexpr explicit option(ts_option_t id) noexcept : id_(id) {}
  T get() const noexcept { return from_long(ts_option_get(id_)); }
  void set(T value) const { ts_option_set(id_, to_long(value)); }
  void set_default(T value) const { ts_option_set_default(id_, to_long(value)); }
  ts_option_t id() const noexcept { return id_; }

 private:
  static T from_long(long v) noexcept {
    if constexpr (std::is_same_v<T, bool>) return v != 0;
    else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) return T(v);
    else return static_cast<T>(v);
  }
  static long to_long(T value) {
    long v;
    if constexpr (std::is_same_v<T, bool>) {
      v = value ? 1 : 0;
    } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
      if (value.count() < 0 || value.count() > std::numeric_limits<long>::max())
        throw std::invalid_argument(detail::error_text("option::set", "a negative delay"));
      v = static_cast<long>(value.count());
    } else {
      if (value > static_cast<T>(std::numeric_limits<long>::max()))
        throw std::invalid_argument(detail::error_text("option::set", "value too large"));
      v = static_cast<long>(value);
    }
    return v;
  }
  ts_option_t id_;
};

// The options of tessera.h's ts_option_t, by name (README.md says what each does).
namespace options {
inline constexpr option<bool> show_errors{ts_option_show_errors};
inline constexpr option<bool> show_stats{ts_option_show_stats};
inline constexpr option<bool> verbose{ts_option_verbose};
inline constexpr option<std::size_t> max_errors{ts_option_max_errors};
inline constexpr option<std::chrono::milliseconds> purge_delay{ts_option_purge_delay};
inline constexpr option<bool> purge_decommits{ts_option_purge_decommits};
inline constexpr option<std::size_t> arena_reserve{ts_option_arena_reserve};  // bytes
inline constexpr option<bool> eager_commit{ts_option_eager_commit};
inline constexpr option<bool> large_os_pages{ts_option_large_os_pages};
inline constexpr option<std::size_t> reserve_huge_os_pages{ts_option_reserve_huge_os_pages};
inline constexpr option<std::size_t> reserve_os_memory{ts_option_reserve_os_memory};  // bytes
inline constexpr option<std::size_t> limit_os_memory{ts_option_limit_os_memory};  // bytes
inline constexpr option<bool> destroy_on_exit{ts_option_destroy_on_exit};
inline constexpr option<bool> abort_on_error{ts_option_abort_on_error};
}  // namespace options

// The process's statistics now (see ts_stats_t in tessera.h).
inline ts_stats_t stats() noexcept {
  ts_stats_t s{};
  s.size = sizeof s;
  ts_stats_get(&s);
  return s;
}

// The statistics as one JSON object (ts_stats_json).
inline std::string stats_json() {
  std::string text(4096, '\0');
  for (;;) {
    size_t need = ts_stats_json(text.data(), text.size() + 1);
    if (need <= text.size()) {
      text.resize(need);
      return text;
    }
    text.resize(need);
  }
}

}  // namespace tessera

#endif  // TESSERA_TESSERA_HPP
