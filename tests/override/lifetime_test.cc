// lifetime_test — allocation outside main: in constructors that run before it, and in every
// kind of code that runs after it (thread_local destructors, pthread key destructors,
// atexit handlers, static destructors, destructor functions).
//
// Code that runs while the process exits cannot report through main's exit status, and a
// stage that silently does not run would pass. So the program runs twice: the test process
// (no argument) runs itself again with OVR_LIFETIME_STAGES=1, reads the child's stdout and
// requires the exact list of stages below, in order, and exit status 0. Each stage allocates,
// checks and frees, and prints its line only once its checks passed; a failed check ends the
// child with status 1 and a message. The test process runs the same stages silently.
#include <pthread.h>
#include <sys/wait.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "override_check.h"

namespace {

constexpr const char* kExpected[] = {
    "constructor(101): 64 blocks",
    "static object constructed: 2000 strings",
    "main: blocks from before main intact",
    "thread: thread_local destructor",
    "thread: key destructor",
    "main: returns",
    "main thread: thread_local destructor",
    "atexit handler",
    "static object destroyed",
    "destructor(101): every stage ran",
};
constexpr int kStages = sizeof kExpected / sizeof kExpected[0];

bool g_report = false;  // the child of the test process prints its stages
int g_stages_done = 0;

void stage(int index, const char* text) {
  OVR_CHECKF(g_stages_done == index, "stage \"%s\" ran as number %d, expected %d", text,
             g_stages_done, index);
  OVR_CHECKF(strcmp(text, kExpected[index]) == 0, "stage %d: \"%s\" != \"%s\"", index, text,
             kExpected[index]);
  g_stages_done++;
  if (g_report) ovr::note("%s", text);
}

// Allocates blocks of sizes from 8 B to 24 MiB, checks them, frees them, and checks that
// tessera served them.
void churn(int rounds) {
  for (int r = 0; r < rounds; r++) {
    void* blocks[12];
    size_t sizes[12];
    for (int i = 0; i < 12; i++) {
      sizes[i] = i == 11 ? (size_t)24 << 20 : (size_t)8 << (i * 2);
      blocks[i] = malloc(sizes[i]);
      OVR_CHECKF(blocks[i] != nullptr, "malloc(%zu) failed", sizes[i]);
      OVR_CHECKF(ovr::usable_size(blocks[i]) >= sizes[i], "block %p is not tessera's",
                 blocks[i]);
      ovr::fill(blocks[i], sizes[i]);
    }
    for (int i = 0; i < 12; i++) {
      OVR_CHECK_BLOCK(blocks[i], sizes[i]);
      free(blocks[i]);
    }
  }
  std::string s;
  for (int i = 0; i < 1000; i++) s += std::to_string(i);
  OVR_CHECK(s.size() == 2890);
}

// ---- Before main ----------------------------------------------------------------------------

void* g_early[64];

__attribute__((constructor(101))) void early_constructor() {
  g_report = getenv("OVR_LIFETIME_STAGES") != nullptr;
  for (size_t i = 0; i < 64; i++) {
    g_early[i] = malloc(i * 100 + 1);
    OVR_CHECK(g_early[i] != nullptr);
    ovr::fill(g_early[i], i * 100 + 1);
  }
  churn(1);
  stage(0, "constructor(101): 64 blocks");
}

struct StaticObject {
  std::vector<std::string> strings;
  std::map<int, std::string> map;
  StaticObject() {
    for (int i = 0; i < 2000; i++) {
      strings.push_back(std::string(20 + (size_t)i % 100, (char)('a' + i % 26)));
      map[i] = strings.back();
    }
    OVR_CHECK(ovr::usable_size(strings.data()) > 0);
    stage(1, "static object constructed: 2000 strings");
  }
  ~StaticObject() {
    for (int i = 0; i < 2000; i++) {
      OVR_CHECK(strings[(size_t)i] == std::string(20 + (size_t)i % 100, (char)('a' + i % 26)));
      OVR_CHECK(map.at(i) == strings[(size_t)i]);
    }
    strings.clear();
    strings.shrink_to_fit();
    map.clear();
    churn(2);
    stage(8, "static object destroyed");
  }
};
StaticObject g_static_object;

// ---- Threads --------------------------------------------------------------------------------

// Held by each thread that uses it; its destructor frees what it held and allocates more.
struct ThreadLocal {
  std::vector<std::string> held;
  void* block;
  bool main_thread = false;
  ThreadLocal() : block(malloc(5000)) {
    ovr::fill(block, 5000);
    for (int i = 0; i < 100; i++) held.push_back(std::string(100, 'x'));
  }
  ~ThreadLocal() {
    OVR_CHECK_BLOCK(block, 5000);
    free(block);
    for (const std::string& s : held) OVR_CHECK(s == std::string(100, 'x'));
    churn(1);
    if (main_thread) {
      stage(6, "main thread: thread_local destructor");
    } else {
      stage(3, "thread: thread_local destructor");
    }
  }
};
thread_local ThreadLocal t_local;

pthread_key_t g_key;

// Runs after tessera's own thread-exit hook (its key was created first, at the first malloc):
// allocation here must still work.
void key_destructor(void* value) {
  OVR_CHECK_BLOCK(value, 3000);
  free(value);
  churn(1);
  stage(4, "thread: key destructor");
}

void thread_body() {
  t_local.held.push_back("used by the thread");
  t_local.held.pop_back();
  void* value = malloc(3000);
  OVR_CHECK(value != nullptr);
  ovr::fill(value, 3000);
  OVR_CHECK(pthread_setspecific(g_key, value) == 0);
  churn(1);
}

// ---- After main -----------------------------------------------------------------------------

void* g_for_atexit;

void atexit_handler() {
  OVR_CHECK_BLOCK(g_for_atexit, 70000);
  free(g_for_atexit);
  churn(2);
  stage(7, "atexit handler");
}

__attribute__((destructor(101))) void late_destructor() {
  churn(1);
  OVR_CHECKF(g_stages_done == kStages - 1, "only %d of %d stages ran before the last one",
             g_stages_done, kStages - 1);
  stage(9, "destructor(101): every stage ran");
}

// ---- The test process -----------------------------------------------------------------------

// Runs this program again as OVR_LIFETIME_STAGES=1 and checks its output and status.
int run_child(const char* self) {
  int fds[2];
  OVR_CHECK(pipe(fds) == 0);
  const pid_t pid = fork();
  OVR_CHECK(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    setenv("OVR_LIFETIME_STAGES", "1", 1);
    execl("/proc/self/exe", self, "--child", (char*)nullptr);
    ovr::fail(__FILE__, __LINE__, "exec %s: %s", self, strerror(errno));
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, (size_t)n);
  }
  close(fds[0]);
  int status = 0;
  OVR_CHECKF(ovr::wait_child(pid, 20000, &status), "the child hung");
  fputs(out.c_str(), stdout);
  fflush(stdout);
  OVR_CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child ended with %s %d",
             WIFEXITED(status) ? "exit status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  std::string expected;
  for (const char* line : kExpected) expected.append(line).append("\n");
  OVR_CHECKF(out == expected, "the child's stages differ from the expected ones");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ovr::expect_tessera();
  for (size_t i = 0; i < 64; i++) {
    OVR_CHECK(ovr::usable_size(g_early[i]) >= i * 100 + 1);
    OVR_CHECK_BLOCK(g_early[i], i * 100 + 1);
    free(g_early[i]);
  }
  stage(2, "main: blocks from before main intact");

  OVR_CHECK(pthread_key_create(&g_key, key_destructor) == 0);
  std::thread(thread_body).join();

  t_local.main_thread = true;
  g_for_atexit = malloc(70000);
  OVR_CHECK(g_for_atexit != nullptr);
  ovr::fill(g_for_atexit, 70000);
  OVR_CHECK(atexit(atexit_handler) == 0);
  stage(5, "main: returns");

  if (argc == 1) return run_child(argv[0]);
  return 0;
}
