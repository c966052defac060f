// Deliberate memory errors, one test each, run against whichever mode the library was built in
// (config/build_mode.h):
//   checked builds (secure, debug): a death test asserting the exact error line
//   release: errors release detects (invalid and interior frees) must be reported and leave the
//            heap intact; errors it cannot see cheaply are skipped, saying so.
#include <errno.h>
#include <gtest/gtest.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "config/build_mode.h"
#include "config/options.h"
#include "config/size_classes.h"
#include "support/block_pattern.h"
#include "support/common.h"
#include "tessera/tessera.h"

namespace {

using tessera::kCheckedBlocks;
using tessera::kPadding;

constexpr size_t kSize = 100;

std::string address_of(const void* p) {
  char address[32];
  snprintf(address, sizeof address, "%p", p);
  return address;
}

// A whole line as a regular expression matching exactly it.
std::string exact_line(const std::string& line) {
  std::string regex;
  for (char c : line + "\n") {
    if (strchr("()[]{}.*+?^$|\\", c) != nullptr) regex += '\\';
    regex += c;
  }
  return regex;
}

// The exact error line as a regular expression.
std::string error_line(const std::string& kind, const void* block, const std::string& rest) {
  return exact_line("tessera: error: " + kind + " of block " + address_of(block) + rest);
}

std::string sized(size_t n) { return " (size " + std::to_string(n) + ")"; }
// A freed block's requested size is known only where a header keeps it (padding builds).
std::string sized_if_kept(size_t n) { return kPadding ? sized(n) : ""; }

// After an error release detected: many blocks of many sizes still come back whole.
void expect_heap_intact() {
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t i = 0; i < 2000; i++) {
    size_t n = 1 + (tessera_test::mix64(i) % 4096);
    void* p = ts_malloc(n);
    ASSERT_NE(p, nullptr);
    tessera_test::fill_block(p, n);
    blocks.emplace_back(p, n);
  }
  for (auto& [p, n] : blocks) {
    EXPECT_TRUE(tessera_test::BlockIntact(p, n));
    ts_free(p);
  }
}

// Runs `error` in a child: in checked builds it must die printing `line`; in release it must
// print `release_line` (empty: nothing) and exit 0 with the heap intact afterwards.
template <typename Error>
void expect_error(Error error, const std::string& line, bool release_detects,
                  const std::string& release_line = "") {
  if constexpr (kCheckedBlocks) {
    EXPECT_DEATH(error(), line);
  } else {
    if (!release_detects) GTEST_SKIP() << "release builds do not detect this error";
    EXPECT_EXIT(
        {
          error();
          expect_heap_intact();
          fflush(stdout);
          _exit(::testing::Test::HasFailure() ? 1 : 0);
        },
        ::testing::ExitedWithCode(0), release_line);
  }
}

char* fresh_block() {
  auto* p = static_cast<char*>(ts_malloc(kSize));
  memset(p, 'a', kSize);
  return p;
}

TEST(Security, DoubleFree) {
  char* p = fresh_block();
  expect_error([p] { ts_free(p); ts_free(tessera_test::opaque(p)); },
               error_line("double free", p, sized_if_kept(kSize)), false);
  ts_free(p);
}

// The first free of a full page's block also takes the page off its heap's full list (checked
// builds do it inline, not by checking the block again from scratch): the block must be marked
// freed there too, so that freeing it again is still a double free.
TEST(Security, DoubleFreeOfABlockFreedFromAFullPage) {
  // Enough blocks for several pages of the thread's own heap (whose frees are the owner's):
  // the first block's page filled up and went on the full list.
  std::vector<char*> blocks;
  for (int i = 0; i < 3000; i++) blocks.push_back(static_cast<char*>(ts_malloc(kSize)));
  char* p = blocks.front();
  expect_error([p] { ts_free(p); ts_free(tessera_test::opaque(p)); },
               error_line("double free", p, sized_if_kept(kSize)), false);
  for (char* b : blocks) ts_free(b);
}

// A span that held small blocks, emptied, given back and purged, then carved again for large
// ones: the old blocks' freed states are forgotten as the new blocks are carved (extend after
// extend), so an old block's address inside a new block is an interior pointer, not a double
// free, and in debug builds no new block is taken for one written after it was freed (its
// purged memory no longer holds the freed-block pattern).
TEST(Security, ASpanCarvedAgainForgetsItsOldBlocks) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  // A live block elsewhere keeps the segment, and so its block states, from going back whole.
  void* keeper = ts_heap_malloc(heap, 5000);
  ASSERT_NE(keeper, nullptr);
  std::vector<char*> old_blocks;
  for (int i = 0; i < 2000; i++) old_blocks.push_back(static_cast<char*>(ts_heap_malloc(heap, 32)));
  for (char* p : old_blocks) ts_free(p);
  ts_heap_collect(heap, true);
  std::vector<char*> large;
  for (int i = 0; i < 300; i++) {
    auto* q = static_cast<char*>(ts_heap_malloc(heap, 1000));
    ASSERT_NE(q, nullptr);
    memset(q, 'b', 1000);
    large.push_back(q);
  }
  // The last large block carved over an old block's start (the latest extend's blocks).
  char* inside = nullptr;
  for (size_t i = large.size(); i-- > 0 && inside == nullptr;) {
    for (char* s : old_blocks) {
      if (s > large[i] && s < large[i] + 1000) {
        inside = s;
        break;
      }
    }
  }
  if (inside == nullptr) GTEST_SKIP() << "the large blocks did not reuse the small blocks' span";
  std::string line = error_line("invalid free (interior pointer)", inside, "");
  expect_error([inside] { ts_free(inside); }, line, true, line);
  ts_heap_destroy(heap);
}

TEST(Security, FreeOfNeverAllocatedPointer) {
  void* p = reinterpret_cast<void*>(uintptr_t{0x12345670});
  std::string line = error_line("invalid free (not allocated by tessera)", p, "");
  expect_error([p] { ts_free(p); }, line, true, line);
}

TEST(Security, FreeOfStackAddress) {
  char on_stack[32];
  void* p = tessera_test::opaque(on_stack);
  std::string line = error_line("invalid free (not allocated by tessera)", p, "");
  expect_error([p] { ts_free(p); }, line, true, line);
}

TEST(Security, InteriorPointerFree) {
  char* p = fresh_block();
  std::string line = error_line("invalid free (interior pointer)", p + 16, "");
  expect_error([p] { ts_free(p + 16); }, line, true, line);
  ts_free(p);
}

TEST(Security, OverflowByOneByte) {
  if (kCheckedBlocks && !kPadding) GTEST_SKIP() << "only builds with padding have canaries";
  char* p = fresh_block();
  expect_error([p] { tessera_test::opaque(p)[kSize] = 'x'; ts_free(p); },
               error_line("buffer overflow", p, sized(kSize) + ": written 1 byte past its end"),
               false);
  ts_free(p);
}

TEST(Security, OverflowBy64Bytes) {
  if (kCheckedBlocks && !kPadding) GTEST_SKIP() << "only builds with padding have canaries";
  char* p = fresh_block();
  // The canary runs to the end of the block (header 16 bytes, at least one canary byte).
  size_t block = tessera::kSizeClasses.block_size[tessera::size_class_of(kSize + 17)];
  size_t canary = block - 16 - kSize;
  expect_error([p] { memset(tessera_test::opaque(p) + kSize, 'x', 64); ts_free(p); },
               error_line("buffer overflow", p,
                          sized(kSize) + ": written at least " + std::to_string(canary) +
                              " bytes past its end (to the end of its block)"),
               false);
  ts_free(p);
}

TEST(Security, Underflow) {
  if (kCheckedBlocks && !kPadding) GTEST_SKIP() << "only builds with padding have canaries";
  char* p = fresh_block();
  // The byte's complement, not a fixed value: the header's check word is keyed by a random
  // secret, so a fixed byte would match what was there once in 256 runs.
  expect_error([p] {
                 char* q = tessera_test::opaque(p);
                 q[-1] = (char)~q[-1];
                 ts_free(p);
               },
               error_line("buffer underflow", p,
                          sized(kSize) + ": the bytes before it were overwritten"),
               false);
  ts_free(p);
}

TEST(Security, WriteAfterFree) {
  if (!tessera::kFill) GTEST_SKIP() << "only debug builds fill freed blocks";
  char* p = fresh_block();
  EXPECT_DEATH(
      {
        ts_free(p);
        tessera_test::opaque(p)[3] = 'x';
        // Allocate until the freed block comes back (it is checked then).
        for (int i = 0; i < 100000; i++)
          if (ts_malloc(kSize) == nullptr) break;
      },
      error_line("write after free", p,
                 sized(kSize) + ": byte 3 was written after the block was freed"));
  ts_free(p);
}

TEST(Security, CorruptedFreeList) {
  if (!tessera::kSecure) GTEST_SKIP() << "only secure builds encode free lists";
  char* p = fresh_block();
  char* q = fresh_block();
  EXPECT_DEATH(
      {
        ts_free(p);
        ts_free(q);
        // The link of a free block starts its block: the header's place (16 bytes before the
        // address handed out) in padding builds, the address itself without.
        uintptr_t forged = reinterpret_cast<uintptr_t>(q);
        const size_t header = kPadding ? 16 : 0;
        memcpy(tessera_test::opaque(p) - header, &forged, sizeof forged);
        memcpy(tessera_test::opaque(q) - header, &forged, sizeof forged);
        for (int i = 0; i < 100000; i++)
          if (ts_malloc(kSize) == nullptr) break;
      },
      "tessera: error: corrupted free list of block 0x[0-9a-f]+ \\(size [0-9]+\\): its link to "
      "the next free block was overwritten\n");
}

TEST(Security, ReallocOfFreedPointer) {
  char* p = fresh_block();
  expect_error([p] { ts_free(p); ts_realloc(tessera_test::opaque(p), 200); },
               error_line("realloc after free", p, sized_if_kept(kSize)), false);
  ts_free(p);
}

// Padding builds know the requested size; without padding only a size beyond the usable one
// is known to be wrong.
size_t wrong_size_for(void* p) { return kCheckedBlocks && !kPadding ? ts_usable_size(p) + 16 : 64; }
size_t known_size_of(void* p) { return kCheckedBlocks && !kPadding ? ts_usable_size(p) : kSize; }

TEST(Security, SizedDeleteWithWrongSize) {
  char* p = fresh_block();
  const size_t wrong = wrong_size_for(p);
  expect_error([p, wrong] { ts_free_sized(p, wrong); },
               error_line("sized delete with the wrong size", p,
                          sized(known_size_of(p)) + ": freed as size " + std::to_string(wrong)),
               true);
  ts_free(p);
}

// A first-class heap used after ts_heap_destroy: allocating from it is refused (NULL, EPERM)
// and reported in every build, the same line: the call does nothing, so nothing needs to stop.
TEST(Security, AllocationFromAHeapAfterDestroy) {
  ts_heap_t* heap = ts_heap_new();
  ASSERT_NE(heap, nullptr);
  void* p = ts_heap_malloc(heap, kSize);
  ASSERT_NE(p, nullptr);
  EXPECT_EXIT(
      {
        ts_heap_destroy(heap);
        errno = 0;
        void* q = ts_heap_malloc(heap, kSize);
        int error = errno;
        void* r = ts_heap_calloc(heap, 1, kSize);
        expect_heap_intact();
        _exit(q == nullptr && r == nullptr && error == EPERM && !::testing::Test::HasFailure()
                  ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      exact_line("tessera: error: heap used by a thread that does not own it, or after delete: "
                 "heap " + address_of(heap)));
  ts_heap_destroy(heap);
}

// ...and freeing one of its blocks is a double free: destroy freed them all. Small, large and
// huge blocks alike. Release builds see that the block is not live (a free page, or a huge
// block already freed) and report it under one kind or the other, then go on intact.
TEST(Security, FreeOfABlockOfADestroyedHeap) {
  for (size_t n : {kSize, size_t{300000}, size_t{20} << 20}) {
    ts_heap_t* heap = ts_heap_new();
    ASSERT_NE(heap, nullptr);
    void* p = ts_heap_malloc(heap, n);
    ASSERT_NE(p, nullptr);
    SCOPED_TRACE(n);
    expect_error([heap, p] { ts_heap_destroy(heap); ts_free(p); },
                 error_line("double free", p, ""), true,
                 "tessera: error: (invalid free \\(not an allocated block\\)|double free) of block " +
                     address_of(p) + "\n");
    ts_heap_destroy(heap);
  }
}

// TESSERA_ABORT_ON_ERROR=0 continues; the block is leaked, never handed out again. The error
// is an overflow where canaries show it, else a sized free with a wrong size.
TEST(Security, ContinueLeaksTheBlock) {
  if (!kCheckedBlocks) GTEST_SKIP() << "release builds always continue";
  EXPECT_EXIT(
      {
        tessera::g_options.abort_on_error = false;  // as TESSERA_ABORT_ON_ERROR=0 would
        char* p = fresh_block();
        if (kPadding) {
          p[kSize] = 'x';
          ts_free(p);
        } else {
          ts_free_sized(p, wrong_size_for(p));
        }
        for (int i = 0; i < 10000; i++) {
          void* q = ts_malloc(kSize);
          if (q == p) _exit(2);
        }
        _exit(0);
      },
      ::testing::ExitedWithCode(0), kPadding ? "buffer overflow" : "sized delete");
}

}  // namespace
