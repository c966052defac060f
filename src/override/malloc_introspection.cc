// override/malloc_introspection.cc — glibc's introspection calls under their own names:
// forwards to the API layer (api/introspection.h, include/tessera/tessera.h). malloc_info is
// the one place stdio is used: the caller hands over the FILE.
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

#include "api/introspection.h"
#include "tessera/tessera.h"

#define TESSERA_OVERRIDE extern "C" __attribute__((visibility("default"), used))

TESSERA_OVERRIDE int malloc_trim(size_t pad) noexcept { return ts_malloc_trim(pad); }
TESSERA_OVERRIDE struct mallinfo2 mallinfo2() noexcept { return tessera::api::mallinfo2_now(); }
TESSERA_OVERRIDE struct mallinfo mallinfo() noexcept { return tessera::api::mallinfo_now(); }
TESSERA_OVERRIDE int mallopt(int param, int value) noexcept { return ts_mallopt(param, value); }
TESSERA_OVERRIDE void malloc_stats() noexcept { ts_stats_print_out(nullptr, nullptr); }

// The document is at most a line per bin plus a few: 32 KiB holds it (tests check the size).
TESSERA_OVERRIDE int malloc_info(int options, FILE* fp) noexcept {
  if (options != 0) {
    errno = EINVAL;
    return -1;
  }
  char buf[32 * 1024];
  ts_stats_xml(buf, sizeof buf);
  return fputs(buf, fp) < 0 ? -1 : 0;
}
