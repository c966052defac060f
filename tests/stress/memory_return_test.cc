// A gigabyte of small blocks, freed: after ts_collect(true) the process must give the memory back
// to the OS, also when the blocks were freed by a thread other than the one that allocated them.
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <random>
#include <semaphore>
#include <thread>

#include "support/stress.h"

namespace {

using namespace tessera_test;

// The blocks form a singly linked list through themselves, so that tracking a gigabyte of blocks
// costs no memory besides theirs. Each block: next pointer, size, then its pattern.
struct Header {
  Header* next;
  size_t size;
};

struct Chain {
  Header* head = nullptr;
};

template <class SizeFn>
Chain allocate_chain(size_t total_bytes, SizeFn next_size) {
  Chain chain;
  for (size_t bytes = 0; bytes < total_bytes;) {
    const size_t size = next_size();
    auto* h = static_cast<Header*>(ts_malloc(size));
    if (h == nullptr) {
      ADD_FAILURE() << "ts_malloc(" << size << ") failed after " << bytes << " bytes";
      break;
    }
    *h = {chain.head, size};
    fill_pattern(h + 1, size - sizeof(Header), pattern_seed(h, size));  // touches the whole block
    chain.head = h;
    bytes += size;
  }
  return chain;
}

void free_chain(Chain& chain) {
  for (Header* h = chain.head; h != nullptr;) {
    Header* next = h->next;
    const size_t size = h->size;
    if (auto ok = HasPattern(h + 1, size - sizeof(Header), pattern_seed(h, size)); !ok) {
      report_corruption(ok);
    }
    ts_free(h);
    h = next;
  }
  chain = {};
}

size_t total_bytes() { return scaled(kGiB, 64 * kMiB); }
size_t sixty_four_bytes() { return 64; }
auto mixed_up_to_1KiB() {  // a fresh, seeded size generator
  return [rng = std::mt19937_64(42)]() mutable {
    return sizeof(Header) + rng() % (kKiB - sizeof(Header) + 1);
  };
}

struct Usage {
  size_t committed, resident;
};
Usage usage() { return {process_info().committed, resident_bytes()}; }

// What the test added at its peak must be 90% gone at the end, by both tessera's count and the
// OS's.
void expect_returned(const Usage& base, const Usage& peak, const Usage& end) {
  const auto added = [](size_t from, size_t to) { return to > from ? to - from : 0; };
  const size_t total = total_bytes();
  EXPECT_GE(added(base.committed, peak.committed), total * 3 / 4)
      << "blocks not counted as committed";
  EXPECT_LT(added(base.committed, end.committed), added(base.committed, peak.committed) / 10)
      << "committed: base " << base.committed << ", peak " << peak.committed << ", end "
      << end.committed;
  if (kResidentTracksAllocator) {
    EXPECT_GE(added(base.resident, peak.resident), total * 3 / 4) << "blocks not resident";
    EXPECT_LT(added(base.resident, end.resident), added(base.resident, peak.resident) / 10)
        << "resident: base " << base.resident << ", peak " << peak.resident << ", end "
        << end.resident;
  }
  EXPECT_EQ(corruption_count(), 0u);
}

template <class SizeFn>
void allocate_free_collect_on_one_thread(SizeFn sizes) {
  ts_collect(true);
  const Usage base = usage();
  Chain chain = allocate_chain(total_bytes(), sizes);
  const Usage peak = usage();
  free_chain(chain);
  ts_collect(true);
  expect_returned(base, peak, usage());
}

TEST(StressMemoryReturn, SixtyFourByteBlocks) {
  allocate_free_collect_on_one_thread(sixty_four_bytes);
}

TEST(StressMemoryReturn, MixedBlocksUpTo1KiB) {
  allocate_free_collect_on_one_thread(mixed_up_to_1KiB());
}

// The owner stays alive while another thread frees its blocks, then collects: the remote frees it
// has pending must be taken into account.
TEST(StressMemoryReturn, FreedByAnotherThreadOwnerCollects) {
  ts_collect(true);
  const Usage base = usage();
  Chain chain;
  std::binary_semaphore allocated(0), freed(0), collected(0);
  std::thread owner([&] {
    chain = allocate_chain(total_bytes(), mixed_up_to_1KiB());
    allocated.release();
    freed.acquire();
    ts_collect(true);
    collected.release();
  });
  allocated.acquire();
  const Usage peak = usage();
  free_chain(chain);
  freed.release();
  collected.acquire();
  const Usage end = usage();  // the owner still lives: its heap is not being torn down
  owner.join();
  expect_returned(base, peak, end);
}

// The owner exits with all its blocks live; another thread frees them into the abandoned heap.
TEST(StressMemoryReturn, FreedByAnotherThreadAfterOwnerExited) {
  ts_collect(true);
  const Usage base = usage();
  Chain chain;
  std::thread owner([&] { chain = allocate_chain(total_bytes(), mixed_up_to_1KiB()); });
  owner.join();
  const Usage peak = usage();
  free_chain(chain);
  ts_collect(true);
  expect_returned(base, peak, usage());
}

}  // namespace
