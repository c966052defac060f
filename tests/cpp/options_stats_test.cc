// tessera::options (typed get/set of the runtime options) and tessera::stats()/stats_json().
#include <gtest/gtest.h>
#include <tessera/tessera.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(Options, TypedGetAndSetGoThroughTheCApi) {
  const auto delay = tessera::options::purge_delay.get();
  tessera::options::purge_delay.set(40ms);
  EXPECT_EQ(tessera::options::purge_delay.get(), 40ms);
  EXPECT_EQ(ts_option_get(ts_option_purge_delay), 40);
  tessera::options::purge_delay.set(delay);

  const bool verbose = tessera::options::verbose.get();
  tessera::options::verbose.set(!verbose);
  EXPECT_EQ(ts_option_is_enabled(ts_option_verbose), !verbose);
  tessera::options::verbose.set(verbose);

  const std::size_t limit = tessera::options::limit_os_memory.get();
  tessera::options::limit_os_memory.set(std::size_t{64} << 30);
  EXPECT_EQ(ts_option_get(ts_option_limit_os_memory), 64L << 30);
  tessera::options::limit_os_memory.set(limit);
}

TEST(Options, ValuesTheCApiCannotTakeThrowAndChangeNothing) {
  const auto delay = tessera::options::purge_delay.get();
  EXPECT_THROW(tessera::options::purge_delay.set(-5ms), std::invalid_argument);
  EXPECT_EQ(tessera::options::purge_delay.get(), delay);
  EXPECT_THROW(tessera::options::arena_reserve.set(~std::size_t{0}), std::invalid_argument);
}

TEST(Options, SetDefaultYieldsToAnExplicitSet) {
  tessera::options::max_errors.set(20);
  tessera::options::max_errors.set_default(3);
  EXPECT_EQ(tessera::options::max_errors.get(), 20u);
  tessera::options::max_errors.set(32);
}

TEST(Stats, SeeBlocksComeAndGo) {
  const ts_stats_t before = tessera::stats();
  EXPECT_EQ(before.version, unsigned{TESSERA_STATS_VERSION});
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; i++) blocks.push_back(ts_malloc(48));
  const ts_stats_t during = tessera::stats();
  EXPECT_GE(during.total.blocks_in_use, before.total.blocks_in_use + 1000);
  EXPECT_GE(during.total.allocations, before.total.allocations + 1000);
  for (void* p : blocks) ts_free(p);
  const ts_stats_t after = tessera::stats();
  EXPECT_LE(after.total.blocks_in_use + 1000, during.total.blocks_in_use);
  const std::string json = tessera::stats_json();
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"reserved\""), std::string::npos) << json.substr(0, 200);
}

}  // namespace
