/* ts_api.c — a C program that uses tessera's own API (ts_malloc and friends), built against an
 * installed tessera: with libtessera.a (the program's malloc stays libc's) or libtessera.so. */
#include "consumer_check.h" /* first: it defines _GNU_SOURCE for dladdr */

#include <stdio.h>
#include <string.h>
#include <tessera/tessera.h>

int main(void) {
  if (ts_version() != TESSERA_VERSION) {
    fprintf(stderr, "FAIL: header version %d, library version %d\n", TESSERA_VERSION,
            ts_version());
    return 1;
  }
  char* s = ts_malloc(64);
  if (s == NULL || ts_usable_size(s) < 64) return 1;
  strcpy(s, "hello from tessera");
  char* t = ts_realloc(s, 100000);
  if (t == NULL || strcmp(t, "hello from tessera") != 0 || ts_usable_size(t) < 100000) return 1;
  void* a = ts_malloc_aligned(1000, 4096);
  if (a == NULL || ((size_t)a & 4095) != 0) return 1;
  ts_process_info_t info;
  ts_process_info(&info);
  if (info.reserved == 0 || info.committed == 0) return 1;
  ts_free(a);
  ts_free(t);
  ts_collect(true);
  if (consumer_check_malloc() != 0) return 1;
  printf("ts_api (malloc from %s): ok\n",
         CONSUMER_MALLOC == 1 ? "libc" : CONSUMER_MALLOC == 2 ? "libtessera.so" : "the program");
  return 0;
}
