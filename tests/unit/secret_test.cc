// The process secrets (mem/secret.h): one per use, secret_draw's values unrelated to each
// other, and a fork child's new draw key that leaves the secrets of its inherited blocks alone.
#include "mem/secret.h"

#include <gtest/gtest.h>

#include <set>

namespace tessera {
namespace {

TEST(Secret, EachUseHasItsOwnKey) {
  secret_init();
  std::set<uint64_t> keys = {g_secret.header_key, g_secret.link_key, g_secret.draw_key.k0,
                             g_secret.draw_key.k1};
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_GE(g_secret.shift, 1u);
  EXPECT_LE(g_secret.shift, 63u);
}

TEST(Secret, DrawsNeverRepeatForOneTweak) {
  secret_init();
  std::set<uint64_t> drawn;
  for (int i = 0; i < 1000; i++) EXPECT_TRUE(drawn.insert(secret_draw(42)).second) << i;
}

TEST(Secret, TheForkChildDrawsWithANewKeyOnly) {
  secret_init();
  Secret before = g_secret;
  secret_after_fork_child();
  EXPECT_EQ(g_secret.header_key, before.header_key);
  EXPECT_EQ(g_secret.link_key, before.link_key);
  EXPECT_EQ(g_secret.shift, before.shift);
  EXPECT_FALSE(g_secret.draw_key.k0 == before.draw_key.k0 &&
               g_secret.draw_key.k1 == before.draw_key.k1);
}

}  // namespace
}  // namespace tessera
