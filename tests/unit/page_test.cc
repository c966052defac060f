// A page's free lists on a private buffer: carving, popping, local and remote frees keep
// in_use + |free| + |local_free| == capacity, and collection loses and duplicates nothing.
#include "mem/page.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "config/size_classes.h"
#include "config/tuning.h"
#include "mem/free_list.h"
#include "mem/secret.h"

namespace tessera {
namespace {

// Links are read and written through mem/free_list.h: secure builds encode them.
Block* next_of(const Page* page, const Block* b) { return block_next(page, b); }

class PageTest : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    buffer_.assign(kSliceSize * kMediumPageSlices, 0);
    page_ = new Page();
    size_t bs = GetParam();
    page_init(page_, nullptr, size_class_of(bs), bs, buffer_.data(),
              page_slices_for(bs) * kSliceSize);
  }
  void TearDown() override { delete page_; }

  size_t list_length(const Block* b) const {
    size_t n = 0;
    for (; b != nullptr; b = next_of(page_, b)) n++;
    return n;
  }
  void expect_invariant() {
    EXPECT_LE(page_->local_freed, list_length(page_->local_free));
    EXPECT_EQ(page_->in_use() + list_length(page_->free) + list_length(page_->local_free),
              page_->capacity);
    EXPECT_LE(page_->capacity, page_->reserved);
  }
  // The owner's free of b, as api/fast_path.h's push_local_free does it.
  void push_local(Block* b) {
    block_set_next(page_, b, page_->local_free);
    page_->local_free = b;
    page_->local_freed++;
  }
  Block* pop() {
    Block* b = page_->free;
    if (b == nullptr) return nullptr;
    page_->free = next_of(page_, b);
    page_->used++;
    return b;
  }
  std::vector<Block*> empty_the_first_carving();

  std::vector<uint8_t> buffer_;
  Page* page_ = nullptr;
};

TEST_P(PageTest, ExtendCarvesDistinctAlignedBlocksInOrder) {
  page_extend(page_);
  ASSERT_GT(page_->capacity, 0u);
  expect_invariant();
  uint8_t* prev = nullptr;
  std::set<Block*> distinct;
  for (Block* b = page_->free; b != nullptr; b = next_of(page_, b)) {
    uint8_t* p = (uint8_t*)b;
    EXPECT_EQ((p - page_->start) % (ptrdiff_t)GetParam(), 0);
    EXPECT_LT(p, page_->start + (size_t)page_->capacity * GetParam());
    EXPECT_TRUE(distinct.insert(b).second);
    if (prev && !kSecure) {  // secure builds carve in random order
      EXPECT_EQ(p, prev + GetParam());
    }
    prev = p;
  }
}

// Secure builds: a batch is every one of its blocks once, in an order that is neither address
// order nor the same from one carving to the next.
TEST_P(PageTest, SecureCarvesEachBatchInANewRandomOrder) {
  if (!kSecure) GTEST_SKIP() << "release builds carve in address order";
  auto carve_order = [&](Page* page) {
    page_extend(page);
    std::vector<size_t> order;
    for (Block* b = page->free; b != nullptr; b = next_of(page, b)) {
      order.push_back((size_t)((uint8_t*)b - page->start) / GetParam());
    }
    return order;
  };
  std::vector<size_t> first = carve_order(page_);
  if (first.size() < 8) GTEST_SKIP() << "batches of " << first.size() << " blocks";
  std::vector<size_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); i++) ASSERT_EQ(sorted[i], i);  // each block once
  EXPECT_NE(first, sorted);  // 1 in count! to fail by chance
  Page other{};
  page_init(&other, nullptr, size_class_of(GetParam()), GetParam(), buffer_.data(),
            page_slices_for(GetParam()) * kSliceSize);
  EXPECT_NE(carve_order(&other), first);
}

// Secure builds: every page_init draws the page a fresh free-list key. It is neither the key
// of another page nor the page's key from an earlier life, and it is not derived from the
// block headers' key (which any header read gives away: secure/block_check.h) the way an
// earlier design derived it (header key ^ page address * constant). A link encoded with one
// page's key does not decode under another's.
TEST_P(PageTest, SecureBuildsDrawEveryPageAFreshKey) {
  if (!kSecure) GTEST_SKIP() << "release builds do not encode links";
  std::set<uint64_t> keys;
  Page other{};
  for (int life = 0; life < 50; life++) {
    page_init(&other, nullptr, size_class_of(GetParam()), GetParam(), buffer_.data(),
              page_slices_for(GetParam()) * kSliceSize);
    EXPECT_TRUE(keys.insert(other.shape.key).second) << "key repeated in life " << life;
    EXPECT_NE(other.shape.key, g_secret.header_key ^ ((uintptr_t)&other * 0x9e3779b97f4a7c15u));
  }
  EXPECT_TRUE(keys.insert(page_->shape.key).second);
  // Both pages hold the same blocks (one buffer); other's link must not decode in page_.
  auto* a = (Block*)page_->start;
  auto* b = (Block*)(page_->start + GetParam());
  block_set_next(&other, a, b);
  Block* next = nullptr;
  EXPECT_FALSE(link_decode(page_, a, &next) && next == b);
  block_set_next(page_, a, b);
  ASSERT_TRUE(link_decode(page_, a, &next));
  EXPECT_EQ(next, b);
}

// Checked builds: the page's shape (what their malloc and free both read) is a copy of its
// fields on a cache line of its own, which carving, popping, freeing and collecting never write.
TEST_P(PageTest, CheckedBuildsKeepTheShapeOnALineNothingElseWrites) {
  if (!kCheckedBlocks) GTEST_SKIP() << "release pages have no shape line";
  const auto* line = reinterpret_cast<const uint8_t*>(&page_->shape);
  EXPECT_EQ(line - reinterpret_cast<const uint8_t*>(page_), 128);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(line) % 64, 0u);
  EXPECT_EQ(page_->shape.start, page_->start);
  EXPECT_EQ(page_->shape.magic, page_->magic);
  EXPECT_EQ(page_->shape.block_size, page_->block_size);
  EXPECT_EQ(page_->shape.span, (uint64_t)page_->reserved * page_->block_size);
  uint8_t before[64];
  memcpy(before, line, sizeof before);
  std::vector<Block*> taken;
  for (int round = 0; round < 3; round++) {
    while (page_->capacity < page_->reserved && taken.size() < 100) {
      if (page_->free == nullptr) page_extend(page_);
      if (Block* b = pop()) taken.push_back(b);
    }
    for (Block* b : taken) push_local(b);
    taken.clear();
    page_collect(page_);
  }
  EXPECT_EQ(memcmp(before, line, sizeof before), 0);
}

TEST_P(PageTest, FillingThePageHandsOutEveryBlockOnce) {
  std::set<Block*> seen;
  while (page_->capacity < page_->reserved || page_->free != nullptr) {
    if (page_->free == nullptr) page_extend(page_);
    Block* b = pop();
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(seen.insert(b).second) << "block handed out twice";
    expect_invariant();
  }
  EXPECT_EQ(seen.size(), page_->reserved);
  EXPECT_EQ(page_->used, page_->reserved);
  EXPECT_EQ(page_->reserved, page_slices_for(GetParam()) * kSliceSize / GetParam());
}

TEST_P(PageTest, CollectMergesLocalAndRemoteFreesWithoutLoss) {
  // Checked builds' collection reads each remote block's state in its segment, which this
  // private buffer has not (security/RacingDoubleFree and the api and stress suites cover it).
  if (kCheckedBlocks) GTEST_SKIP() << "checked builds collect against a segment's block states";
  std::vector<Block*> out;
  while (page_->capacity < page_->reserved || page_->free != nullptr) {
    if (page_->free == nullptr) page_extend(page_);
    out.push_back(pop());
  }
  ASSERT_GE(out.size(), 4u);
  // Keep the last block live; of the rest, even ones are freed locally and odd ones pushed as
  // another thread would.
  for (size_t i = 0; i + 1 < out.size(); i++) {
    if (i % 2 == 0) {
      push_local(out[i]);
    } else {
      uintptr_t old = page_->thread_free.load();
      block_set_next(page_, out[i], (Block*)(old & ~kNotifyBit));
      page_->thread_free.store((uintptr_t)out[i]);
    }
  }
  page_collect(page_);
  EXPECT_EQ(page_->in_use(), 1u);
  EXPECT_EQ(page_->local_free, nullptr);
  EXPECT_EQ(page_->thread_free_list(), nullptr);
  std::set<Block*> back;
  for (Block* b = page_->free; b != nullptr; b = next_of(page_, b))
    EXPECT_TRUE(back.insert(b).second);
  EXPECT_EQ(back, std::set<Block*>(out.begin(), out.end() - 1));
  expect_invariant();
}

// With free blocks still on the free list, a collect counts the owner's frees but leaves them
// on local_free (appending would walk the list): nothing is lost, and in_use stays exact.
TEST_P(PageTest, CollectLeavesLocalFreesBesideAFreeList) {
  while (page_->capacity < 5 && page_->capacity < page_->reserved) page_extend(page_);
  std::vector<Block*> out;
  while (out.size() < 4 && page_->free != nullptr) out.push_back(pop());
  if (out.size() < 4 || page_->free == nullptr) GTEST_SKIP() << "needs 5 blocks in a page";
  Block* first_free = page_->free;
  push_local(out[0]);
  push_local(out[2]);
  page_collect(page_);
  EXPECT_EQ(page_->free, first_free);
  EXPECT_EQ(page_->local_freed, 0u);
  EXPECT_EQ(page_->in_use(), 2u);
  EXPECT_EQ(list_length(page_->local_free), 2u);
  expect_invariant();
  // Further frees count on top of the collected ones; a second collect keeps all of them.
  push_local(out[1]);
  page_collect(page_);
  EXPECT_EQ(page_->in_use(), 1u);
  EXPECT_EQ(list_length(page_->local_free), 3u);
  expect_invariant();
  // Once the free list runs out, a collect makes local_free the free list.
  while (page_->free != nullptr) pop();
  page_collect(page_);
  EXPECT_EQ(page_->local_free, nullptr);
  std::set<Block*> back;
  for (Block* b = page_->free; b != nullptr; b = next_of(page_, b)) back.insert(b);
  EXPECT_EQ(back, (std::set<Block*>{out[0], out[1], out[2]}));
  expect_invariant();
}

// Frees every block the first carving made, in reverse (a backwards local list), and collects.
std::vector<Block*> PageTest::empty_the_first_carving() {
  std::vector<Block*> out;
  page_extend(page_);
  while (page_->free != nullptr) out.push_back(pop());
  for (size_t i = out.size(); i-- > 0;) push_local(out[i]);
  page_collect(page_);
  expect_invariant();
  return out;
}

// An emptied page of small blocks is carved again: the same blocks, in address order in
// release builds.
TEST_P(PageTest, CollectOfAnEmptyPageOfSmallBlocksCarvesItAgain) {
  if (GetParam() >= kRecarveBelow) GTEST_SKIP() << "large blocks keep their lists: below";
  std::vector<Block*> out = empty_the_first_carving();
  EXPECT_EQ(page_->capacity, 0u);
  EXPECT_EQ(page_->free, nullptr);
  page_extend(page_);
  std::vector<Block*> again;
  for (Block* b = page_->free; b != nullptr; b = next_of(page_, b)) again.push_back(b);
  if (!kSecure) {  // the first block again, then in order (secure builds shuffle)
    ASSERT_FALSE(again.empty());
    for (size_t i = 0; i < again.size(); i++) {
      EXPECT_EQ((uint8_t*)again[i], page_->start + i * GetParam());
    }
  }
  std::sort(out.begin(), out.end());
  std::sort(again.begin(), again.end());
  EXPECT_EQ(again, out);
}

// An emptied page of large blocks keeps its lists: the frees' list hands the same blocks out
// again, without carving anything.
TEST_P(PageTest, CollectOfAnEmptyPageOfLargeBlocksKeepsItsFreeList) {
  if (GetParam() < kRecarveBelow) GTEST_SKIP() << "small blocks are carved again: above";
  std::vector<Block*> out = empty_the_first_carving();
  uint32_t carved = page_->capacity;
  EXPECT_EQ(carved, out.size());
  std::vector<Block*> again;
  while (page_->free != nullptr) again.push_back(pop());
  EXPECT_EQ(page_->capacity, carved);
  EXPECT_EQ(again, out);  // (freed in reverse: the list pops them in their first order)
}

TEST_P(PageTest, BlockStartRejectsInteriorAndOutOfPagePointers) {
  page_extend(page_);
  size_t bs = GetParam();
  EXPECT_EQ(page_block_start(page_, page_->start), page_->start);
  EXPECT_EQ(page_block_start(page_, page_->start + bs), page_->start + bs);
  EXPECT_EQ(page_block_start(page_, page_->start + 16), bs == 16 ? page_->start + 16 : nullptr);
  EXPECT_EQ(page_block_start(page_, page_->start + (size_t)page_->reserved * bs), nullptr);
  EXPECT_EQ(page_block_start(page_, page_->start - 16), nullptr);
  page_->has_aligned = true;  // aligned interior pointers map back to their block
  if (bs > 16) {
    EXPECT_EQ(page_block_start(page_, page_->start + bs + 16), page_->start + bs);
  }
}

INSTANTIATE_TEST_SUITE_P(BlockSizes, PageTest,
                         ::testing::Values(16, 48, 112, 1024, 7680, 8192, 36864, 131072));

}  // namespace
}  // namespace tessera
