// ts_option_*: defaults, changes in code, set_default, invalid values, and the TESSERA_*
// environment variables read at start-up (checked in a child process started with them).
#include <gtest/gtest.h>
#include <tessera/tessera.h>

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <string>

#include "config/build_mode.h"  // the default of abort_on_error

namespace {

struct Expected {
  ts_option_t option;
  const char* name;
  long value;
  bool boolean;  // stores 0 or 1
};

const Expected kDefaults[] = {
    {ts_option_show_errors, "show_errors", 1, true},
    {ts_option_show_stats, "show_stats", 0, true},
    {ts_option_verbose, "verbose", 0, true},
    {ts_option_max_errors, "max_errors", 32, false},
    {ts_option_purge_delay, "purge_delay", 250, false},
    {ts_option_purge_decommits, "purge_decommits", 1, true},
    {ts_option_arena_reserve, "arena_reserve", 1L << 30, false},
    {ts_option_eager_commit, "eager_commit", 0, true},
    {ts_option_large_os_pages, "large_os_pages", 0, true},
    {ts_option_reserve_huge_os_pages, "reserve_huge_os_pages", 0, false},
    {ts_option_reserve_os_memory, "reserve_os_memory", 0, false},
    {ts_option_limit_os_memory, "limit_os_memory", 0, false},
    {ts_option_destroy_on_exit, "destroy_on_exit", 0, true},
    {ts_option_abort_on_error, "abort_on_error", tessera::kAbortOnErrorDefault ? 1 : 0, true},
};
static_assert(sizeof kDefaults / sizeof kDefaults[0] == ts_option_count_);

bool under_test_environment() {
  for (const Expected& e : kDefaults) {
    std::string var = "TESSERA_";
    for (const char* c = e.name; *c; c++) var += (char)toupper(*c);
    if (getenv(var.c_str()) != nullptr) return true;
  }
  return false;
}

TEST(ApiOptions, Defaults) {
  if (under_test_environment()) GTEST_SKIP() << "a TESSERA_* variable is set";
  for (const Expected& e : kDefaults) EXPECT_EQ(ts_option_get(e.option), e.value) << e.name;
}

TEST(ApiOptions, SetEnableDisable) {
  ts_option_set(ts_option_max_errors, 7);
  EXPECT_EQ(ts_option_get(ts_option_max_errors), 7);
  ts_option_enable(ts_option_eager_commit);
  EXPECT_TRUE(ts_option_is_enabled(ts_option_eager_commit));
  EXPECT_EQ(ts_option_get(ts_option_eager_commit), 1);
  ts_option_disable(ts_option_eager_commit);
  EXPECT_FALSE(ts_option_is_enabled(ts_option_eager_commit));
  ts_option_set(ts_option_verbose, 42);  // a boolean stores 0 or 1
  EXPECT_EQ(ts_option_get(ts_option_verbose), 1);
  ts_option_set(ts_option_verbose, 0);
  ts_option_set(ts_option_limit_os_memory, LONG_MAX);
  EXPECT_EQ(ts_option_get(ts_option_limit_os_memory), LONG_MAX);
  ts_option_set(ts_option_limit_os_memory, 0);
}

TEST(ApiOptions, SetDefaultYieldsToAnExplicitValue) {
  ts_option_set_default(ts_option_arena_reserve, 64L << 20);
  EXPECT_EQ(ts_option_get(ts_option_arena_reserve), 64L << 20);
  ts_option_set(ts_option_arena_reserve, 128L << 20);
  ts_option_set_default(ts_option_arena_reserve, 32L << 20);
  EXPECT_EQ(ts_option_get(ts_option_arena_reserve), 128L << 20);
}

TEST(ApiOptions, InvalidValuesAreRefusedWithAnError) {
  testing::internal::CaptureStderr();
  ts_option_set(ts_option_purge_delay, -5);
  ts_option_set_default(ts_option_max_errors, -1);
  // ts_option_count_ is past the last option but still a value of the enum (in C++ a cast of
  // a number outside its range would be undefined, and UBSan says so).
  ts_option_set(ts_option_count_, 1);
  EXPECT_EQ(ts_option_get(ts_option_count_), -1);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("tessera: error: ts_option_set: invalid value -5 for purge_delay"),
            std::string::npos) << err;
  EXPECT_NE(err.find("tessera: error: ts_option_set_default: invalid value -1 for max_errors"),
            std::string::npos) << err;
  const std::string unknown = "unknown option " + std::to_string((int)ts_option_count_);
  EXPECT_NE(err.find("tessera: error: ts_option_set: " + unknown), std::string::npos) << err;
  EXPECT_NE(err.find("tessera: error: ts_option_get: " + unknown), std::string::npos) << err;
  EXPECT_EQ(ts_option_get(ts_option_purge_delay), 250);
  EXPECT_EQ(ts_option_get(ts_option_max_errors), 32);
}

// The child process of the environment tests (TESSERA_TEST_OPTIONS_CHILD=1), before any test
// runs: tries to set every option's default to 7, prints every value as name=value, and exits
// normally (so that show_stats prints its table).
const bool g_child_done = [] {
  if (getenv("TESSERA_TEST_OPTIONS_CHILD") == nullptr) return false;
  for (const Expected& e : kDefaults) ts_option_set_default(e.option, 7);
  for (const Expected& e : kDefaults) printf("%s=%ld\n", e.name, ts_option_get(e.option));
  fflush(stdout);
  exit(0);
}();

struct ChildRun {
  std::map<std::string, long> values;
  std::string output;  // stdout and stderr
};

ChildRun run_child(const std::string& env) {
  // (Without the suite's own TESSERA_ABORT_ON_ERROR: the child sees only what a test sets.)
  std::string cmd = "env -u TESSERA_ABORT_ON_ERROR TESSERA_TEST_OPTIONS_CHILD=1 " + env + " /proc/" +
                    std::to_string(getpid()) + "/exe 2>&1";
  ChildRun run;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return run;
  char line[512];
  while (fgets(line, sizeof line, p) != nullptr) {
    run.output += line;
    char name[64];
    long value;
    if (sscanf(line, "%63[a-z_]=%ld", name, &value) == 2) run.values[name] = value;
  }
  EXPECT_EQ(pclose(p), 0) << run.output;
  return run;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

TEST(ApiOptionsEnvironment, EveryOptionIsRead) {
  const ChildRun run = run_child(
      "TESSERA_SHOW_ERRORS=off TESSERA_SHOW_STATS=yes TESSERA_VERBOSE=No "
      "TESSERA_MAX_ERRORS=5 TESSERA_PURGE_DELAY=10 TESSERA_PURGE_DECOMMITS=FALSE "
      "TESSERA_ARENA_RESERVE=256M TESSERA_EAGER_COMMIT=on TESSERA_LARGE_OS_PAGES=true "
      "TESSERA_RESERVE_HUGE_OS_PAGES=2 TESSERA_RESERVE_OS_MEMORY=64KiB "
      "TESSERA_LIMIT_OS_MEMORY=2G TESSERA_DESTROY_ON_EXIT=1 TESSERA_ABORT_ON_ERROR=no");
  const std::map<std::string, long> want = {
      {"show_errors", 0}, {"show_stats", 1}, {"verbose", 0}, {"max_errors", 5},
      {"purge_delay", 10}, {"purge_decommits", 0}, {"arena_reserve", 256L << 20},
      {"eager_commit", 1}, {"large_os_pages", 1}, {"reserve_huge_os_pages", 2},
      {"reserve_os_memory", 64L << 10}, {"limit_os_memory", 2L << 30}, {"destroy_on_exit", 1},
      {"abort_on_error", 0}};
  EXPECT_EQ(run.values, want) << run.output;
  EXPECT_EQ(count(run.output, "tessera: warning"), 0u) << run.output;
  // show_stats: the table at exit.
  EXPECT_EQ(count(run.output, "tessera: statistics"), 1u) << run.output;
}

TEST(ApiOptionsEnvironment, InvalidValuesWarnOnceAndKeepTheDefault) {
  const ChildRun run = run_child(
      "TESSERA_LIMIT_OS_MEMORY=12Q TESSERA_EAGER_COMMIT=maybe TESSERA_PURGE_DELAY=-5 "
      "TESSERA_MAX_ERRORS=1.5 TESSERA_ARENA_RESERVE=99999999999999999999 TESSERA_VERBOSE=");
  for (const char* var : {"TESSERA_LIMIT_OS_MEMORY=12Q", "TESSERA_EAGER_COMMIT=maybe",
                          "TESSERA_PURGE_DELAY=-5", "TESSERA_MAX_ERRORS=1.5",
                          "TESSERA_ARENA_RESERVE=99999999999999999999", "TESSERA_VERBOSE="}) {
    EXPECT_EQ(count(run.output, std::string("tessera: warning: ignoring invalid ") + var +
                                    " (keeping the default)"),
              1u)
        << var << " in:\n" << run.output;
  }
  EXPECT_EQ(count(run.output, "tessera: warning"), 6u) << run.output;
  // Not set (the invalid ones neither): set_default changed every option.
  for (const Expected& e : kDefaults) {
    ASSERT_EQ(run.values.count(e.name), 1u) << e.name << " missing from:\n" << run.output;
    EXPECT_EQ(run.values.at(e.name), e.boolean ? 1 : 7) << e.name;
  }
}

}  // namespace
