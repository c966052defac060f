// The re-entry guard: in debug builds a nested entry into the allocator aborts with a message
// instead of corrupting a heap mid-update; release builds compile it away.
#include "debug/guard.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ReentryGuard, NestedEntryAbortsInDebugBuilds) {
  if (!kDebug) GTEST_SKIP() << "the guard exists only in TESSERA_DEBUG builds";
  EXPECT_DEATH(
      {
        ReentryGuard outer;
        ReentryGuard inner;
      },
      "tessera: error: the allocator re-entered itself");
}

TEST(ReentryGuard, SequentialEntriesAreFine) {
  { ReentryGuard first; }
  { ReentryGuard second; }
  EXPECT_FALSE(t_inside_allocator);
}

}  // namespace
}  // namespace tessera
