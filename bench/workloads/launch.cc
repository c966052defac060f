// launch — starts one benchmark run and reports its resources: forks, sets LD_PRELOAD in the
// child only, execs the command, and writes "<status> <wall s> <cpu s> <peak RSS KiB>" from
// wait4's rusage to RESULT_FILE.
//
//   bench_launch RESULT_FILE PRELOAD|- CMD ARGS...
//
// Why a separate program: a child keeps its parent's peak RSS across exec (Linux records the
// old memory's high-water mark), so a command started by Python directly would report at
// least Python's RSS. Forked from this small program it starts from almost nothing.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s RESULT_FILE PRELOAD|- CMD ARGS...\n", argv[0]);
    return 2;
  }
  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("bench_launch: fork");
    return 2;
  }
  if (pid == 0) {
    if (std::strcmp(argv[2], "-") == 0) {
      unsetenv("LD_PRELOAD");
    } else {
      setenv("LD_PRELOAD", argv[2], 1);
    }
    execvp(argv[3], argv + 3);
    std::fprintf(stderr, "bench_launch: cannot run %s: %s\n", argv[3], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      std::perror("bench_launch: wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double wall = static_cast<double>(end.tv_sec - start.tv_sec) +
                static_cast<double>(end.tv_nsec - start.tv_nsec) * 1e-9;
  double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE* f = std::fopen(argv[1], "w");
  if (f == nullptr) {
    std::perror("bench_launch: result file");
    return 2;
  }
  std::fprintf(f, "%d %.6f %.6f %ld\n", code, wall, cpu, usage.ru_maxrss);
  std::fclose(f);
  return 0;
}
