// malloc_user.cc — a C++ program that never names tessera in its code: malloc, new and the
// standard containers, linked with -ltessera (libtessera.so) or the static override. Every
// block must be a tessera block (ts_usable_size > 0).
#include <tessera/tessera.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "consumer_check.h"

namespace {
bool tessera_block(const void* p, size_t n, const char* what) {
  if (p != nullptr && ts_usable_size(p) >= n) return true;
  std::fprintf(stderr, "FAIL: %s (%p) is not a tessera block\n", what, p);
  return false;
}
}  // namespace

int main() {
  void* p = std::malloc(100);
  if (p != nullptr) std::memset(p, 1, 100);
  if (!tessera_block(p, 100, "malloc(100)")) return 1;
  std::free(p);
  auto* array = new int[1000]();
  if (!tessera_block(array, sizeof(int) * 1000, "new int[1000]")) return 1;
  delete[] array;
  std::vector<std::string> strings;
  std::map<int, std::string> map;
  for (int i = 0; i < 10000; i++) {
    strings.push_back(std::string(100, static_cast<char>('a' + i % 26)));
    map[i] = strings.back();
  }
  if (!tessera_block(strings.data(), strings.size() * sizeof(std::string), "a vector") ||
      !tessera_block(strings.back().data(), 100, "a string")) {
    return 1;
  }
  if (consumer_check_malloc() != 0) return 1;
  std::printf("malloc_user (malloc from %s): ok\n",
              CONSUMER_MALLOC == 2 ? "libtessera.so" : "the program");
  return 0;
}
