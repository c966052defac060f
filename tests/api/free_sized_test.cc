// ts_free_sized and ts_free_aligned_sized really free: given the right size, memory is reused
// without overlapping live blocks, and repeating the cycle does not grow the process.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <vector>

#include "support/block_pattern.h"
#include "support/process_memory.h"

namespace {

using namespace tessera_test;

struct Shape {
  size_t size;
  size_t alignment;  // 0: plain ts_malloc
};

std::vector<Shape> shapes(bool aligned) {
  std::vector<Shape> result;
  const size_t alignments[] = {16, 64, 4096, 64 * kKiB};
  size_t i = 0;
  const auto add = [&](size_t size) {
    result.push_back({size, aligned ? alignments[i++ % 4] : 0});
  };
  for (size_t n = 1; n <= 1024; n += 3) add(n);
  for (size_t n = 1025; n <= 8 * kMiB; n += n / 4) add(n);
  return result;
}

void* alloc_filled(const Shape& s) {
  void* p = s.alignment ? ts_malloc_aligned(s.size, s.alignment) : ts_malloc(s.size);
  if (p != nullptr) fill_block(p, s.size);
  return p;
}
void free_sized(void* p, const Shape& s) {
  s.alignment ? ts_free_aligned_sized(p, s.alignment, s.size) : ts_free_sized(p, s.size);
}

// Each round: allocate every shape, free half with the sized call, allocate that half again (it
// may land on the freed memory), check that nothing overlaps, then free all with the sized call.
// A sized free that freed nothing would grow committed memory by a whole batch per round.
void exercise_sized_free(bool aligned) {
  const std::vector<Shape> all = shapes(aligned);
  size_t batch_bytes = 0;
  for (const Shape& s : all) batch_bytes += s.size;
  std::vector<void*> blocks(all.size());
  size_t committed_after_warmup = 0;
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < all.size(); ++i) {
      blocks[i] = alloc_filled(all[i]);
      ASSERT_NE(blocks[i], nullptr) << "size " << all[i].size;
    }
    for (size_t i = 1; i < all.size(); i += 2) {
      free_sized(blocks[i], all[i]);
      blocks[i] = alloc_filled(all[i]);
      ASSERT_NE(blocks[i], nullptr) << "size " << all[i].size;
    }
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].alignment) {
        ASSERT_TRUE(is_aligned(blocks[i], all[i].alignment));
      }
      ASSERT_TRUE(BlockIntact(blocks[i], all[i].size))
          << "round " << round << ", size " << all[i].size;
      free_sized(blocks[i], all[i]);
    }
    // Purge what is free now, so the comparison sees only memory still held, not how much
    // of the freed memory the purge delay happened to keep resident at that instant.
    ts_collect(true);
    if (round == 1) committed_after_warmup = process_info().committed;
  }
  EXPECT_LE(process_info().committed, committed_after_warmup + batch_bytes / 2)
      << "committed memory grew over " << kRounds - 2 << " rounds of " << batch_bytes << " bytes";
}

TEST(ApiFreeSized, ReleasesBlocks) { exercise_sized_free(false); }
TEST(ApiFreeAlignedSized, ReleasesBlocks) { exercise_sized_free(true); }

}  // namespace
