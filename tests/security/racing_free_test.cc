// A double free racing between the page's owner thread and another thread. Where the owner's
// inlined free is a plain store of the block's state (kInlineBlockChecks), both frees can see
// the block live; the block then sits on the owner's list and on the page's remote list, and
// the owner's collection must report it (mem/page.cc, take_remote_block). Every double free is
// reported exactly once, whichever free sees the other's.
#include <gtest/gtest.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "api/fast_path.h"
#include "config/build_mode.h"
#include "config/options.h"
#include "mem/block_bits.h"
#include "mem/free_list.h"
#include "mem/heap.h"
#include "mem/page.h"
#include "support/common.h"
#include "tessera/tessera.h"

namespace tessera {
namespace {

constexpr size_t kSize = 100;

std::string address_of(const void* p) {
  char address[32];
  snprintf(address, sizeof address, "%p", p);
  return address;
}

// The lost update, step by step: another thread's free wins the compare-and-swap and pushes
// the block on the remote list, while the owner's free, which read the block live just
// before, overwrites the state and pushes the block on its local list.
TEST(RacingDoubleFree, LostUpdateIsReportedAtCollection) {
  if (!kInlineBlockChecks) GTEST_SKIP() << "every free of this build is a compare-and-swap";
  auto* p = static_cast<uint8_t*>(ts_malloc(kSize));
  ASSERT_NE(p, nullptr);
  EXPECT_DEATH(
      {
        Page* page = api::page_of(p);
        // (opaque: the compiler would see the header as outside the malloc'd bytes.)
        auto* block = reinterpret_cast<Block*>(tessera_test::opaque(p) - kHeaderBytes);
        BlockBits& bits = segment_of_page(page)->block_bits;
        size_t g = granule_index(p);
        if (mark_freed(bits, g, BlockState::kRemoteFreed) != BlockState::kLive) _exit(3);
        free_remote(page, block);
        set_block_state(bits, g, BlockState::kFreed);
        block_set_next(page, block, page->local_free);
        page->local_free = block;
        page->local_freed++;
        page_collect(page);
        _exit(0);  // not reported: the test fails
      },
      "tessera: error: double free of block " + address_of(p) +
          ": freed by two threads at once; the rest of its page's remote frees are leaked\n");
  ts_free(p);
}

// The real race: the owner and another thread free one block at the same moment, many times.
// Each round must print exactly one "double free" line (at the second free, or when the
// owner collects), and the heap must go on handing out intact blocks. (The lost update itself
// is rare here, its window a few instructions: the test above builds it.)
TEST(RacingDoubleFree, EveryRoundIsReportedOnce) {
  if (!kCheckedBlocks) GTEST_SKIP() << "release builds do not detect double frees";
  constexpr int kRounds = 20000;
  EXPECT_EXIT(
      {
        g_options.abort_on_error = false;
        g_options.max_errors = kRounds + 1;
        FILE* log = tmpfile();
        if (log == nullptr || dup2(fileno(log), 2) < 0) _exit(3);
        std::atomic<void*> shared{nullptr};
        std::atomic<int> done{0};
        std::thread other([&] {
          for (int round = 0; round < kRounds; round++) {
            void* q;
            while ((q = shared.load(std::memory_order_acquire)) == nullptr) {
            }
            shared.store(nullptr, std::memory_order_relaxed);
            ts_free(q);
            done.fetch_add(1, std::memory_order_release);
          }
        });
        for (int round = 0; round < kRounds; round++) {
          void* q = ts_malloc(kSize);
          if (q == nullptr) _exit(4);
          memset(q, 'a', kSize);
          shared.store(q, std::memory_order_release);
          ts_free(q);  // at about the same moment as the other thread's
          while (done.load(std::memory_order_acquire) <= round) {
          }
          page_collect(api::page_of(q));  // the owner takes the remote list now
        }
        other.join();
        // Blocks handed out afterwards are distinct and keep their contents.
        constexpr int kBlocks = 1000;
        static char* blocks[kBlocks];
        for (int i = 0; i < kBlocks; i++) {
          blocks[i] = static_cast<char*>(ts_malloc(kSize));
          if (blocks[i] == nullptr) _exit(5);
          memset(blocks[i], i & 0xff, kSize);
        }
        for (int i = 0; i < kBlocks; i++) {
          for (size_t j = 0; j < kSize; j++) {
            if (blocks[i][j] != (char)(i & 0xff)) _exit(6);
          }
        }
        fflush(log);
        rewind(log);
        int reports = 0;
        char line[512];
        while (fgets(line, sizeof line, log) != nullptr) {
          if (strstr(line, "tessera: error: double free of block") != nullptr) reports++;
        }
        _exit(reports == kRounds ? 0 : 7);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace tessera
