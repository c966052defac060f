// introspection_test — glibc's introspection calls answer with tessera's figures in a whole
// program: malloc_trim, mallinfo2, mallinfo, mallopt, malloc_stats and malloc_info resolve to
// tessera's and report what the program did.
#include <malloc.h>

#include <string>
#include <vector>

#include "override_check.h"

namespace {

// Everything written to stderr while fn runs.
template <class F>
std::string capture_stderr(F fn) {
  char path[] = "/tmp/tessera_stderr_XXXXXX";
  int fd = mkstemp(path);
  OVR_CHECK(fd >= 0);
  unlink(path);
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string text(1 << 16, '\0');
  ssize_t n = pread(fd, text.data(), text.size(), 0);
  close(fd);
  text.resize(n > 0 ? (size_t)n : 0);
  return text;
}

void symbols_are_tessera() {
  for (const char* symbol :
       {"malloc_trim", "mallinfo2", "mallinfo", "mallopt", "malloc_stats", "malloc_info"})
    ovr::expect_symbol_is_tessera(symbol);
}

void trim_returns_freed_memory() {
  std::vector<void*> blocks(1 << 16);
  for (void*& p : blocks) {
    p = malloc(512);
    OVR_CHECK(p != nullptr);
    memset(p, 0x5a, 512);
  }
  for (void* p : blocks) free(p);
  const size_t committed = ovr::process_info().committed;
  OVR_CHECKF(malloc_trim(0) == 1, "malloc_trim found nothing to give back after freeing 32 MiB");
  OVR_CHECK(ovr::process_info().committed + (16u << 20) <= committed);
}

void mallinfo2_follows_a_huge_block() {
  const struct mallinfo2 before = mallinfo2();
  void* p = ovr::opaque(malloc(20u << 20));
  OVR_CHECK(p != nullptr);
  const struct mallinfo2 during = mallinfo2();
  OVR_CHECKF(during.hblks == before.hblks + 1 && during.hblkhd >= before.hblkhd + (20u << 20),
             "mallinfo2: hblks %zu -> %zu, hblkhd %zu -> %zu", before.hblks, during.hblks,
             before.hblkhd, during.hblkhd);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const struct mallinfo old = mallinfo();
#pragma GCC diagnostic pop
  OVR_CHECK(old.hblks == (int)during.hblks && old.hblkhd == (int)during.hblkhd);
  free(p);
  OVR_CHECK(mallinfo2().hblks == before.hblks);
}

void mallopt_answers_as_glibc() {
  OVR_CHECK(mallopt(M_MMAP_THRESHOLD, 16 << 20) == 1);
  OVR_CHECK(mallopt(M_TOP_PAD, 0) == 1);
  OVR_CHECK(mallopt(12345, 1) == 0);
}

void malloc_stats_prints_the_table() {
  void* p = malloc(48);
  const std::string text = capture_stderr([] { malloc_stats(); });
  free(p);
  OVR_CHECKF(text.find("tessera: statistics") != std::string::npos &&
                 text.find("block size") != std::string::npos &&
                 text.find("        48") != std::string::npos,
             "malloc_stats wrote:\n%s", text.c_str());
}

void malloc_info_writes_xml() {
  FILE* f = tmpfile();
  OVR_CHECK(f != nullptr);
  OVR_CHECK(malloc_info(0, f) == 0);
  std::string text(1 << 16, '\0');
  rewind(f);
  text.resize(fread(text.data(), 1, text.size(), f));
  OVR_CHECKF(text.rfind("<malloc version=\"1\" allocator=\"tessera\">\n", 0) == 0 &&
                 text.size() > 100 && text.compare(text.size() - 10, 10, "</malloc>\n") == 0,
             "malloc_info wrote:\n%s", text.c_str());
  errno = 0;
  OVR_CHECK(malloc_info(1, f) == -1 && errno == EINVAL);
  fclose(f);
}

}  // namespace

int main() {
  ovr::expect_tessera();
  symbols_are_tessera();
  trim_returns_freed_memory();
  mallinfo2_follows_a_huge_block();
  mallopt_answers_as_glibc();
  malloc_stats_prints_the_table();
  malloc_info_writes_xml();
  ovr::note("introspection: glibc's calls answered by tessera");
  return 0;
}
