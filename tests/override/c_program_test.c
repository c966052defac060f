/* c_program_test — a program written in C, linked as C: no libstdc++ in the process (tessera's
 * operator new refers to libstdc++ only weakly, so this must load and link without it).
 * Every allocation function of the C library, and libc functions that allocate internally
 * (strdup, asprintf, open_memstream, getline, getdelim), must hand out tessera blocks, and
 * malloc must resolve into libtessera.so (preload) or the executable (static). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tessera/tessera.h"

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "FAIL %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

typedef size_t (*usable_size_fn)(const void*);
static usable_size_fn usable_size;

static int g_anchor; /* lives in the executable */

static const void* object_base(const void* addr, const char** name) {
  Dl_info info;
  memset(&info, 0, sizeof info);
  if (dladdr(addr, &info) == 0) return NULL;
  *name = info.dli_fname != NULL ? info.dli_fname : "(unknown)";
  return info.dli_fbase;
}

static void expect_tessera_symbol(const char* symbol) {
  const char* where = "(unknown)";
  const char* exe = "(unknown)";
  void* addr = dlsym(RTLD_DEFAULT, symbol);
  CHECK(addr != NULL);
  const void* base = object_base(addr, &where);
#if defined(TESSERA_OVERRIDE_STATIC)
  if (base != object_base(&g_anchor, &exe)) {
    fprintf(stderr, "FAIL: %s resolves into %s, not the executable %s\n", symbol, where, exe);
    exit(1);
  }
#else
  (void)base;
  (void)exe;
  (void)g_anchor;
  const char* slash = strrchr(where, '/');
  if (strncmp(slash != NULL ? slash + 1 : where, "libtessera", 10) != 0) {
    fprintf(stderr, "FAIL: %s resolves into %s, not libtessera.so\n", symbol, where);
    exit(1);
  }
#endif
}

static void expect_block(const void* p, size_t size) {
  CHECK(p != NULL);
  if (usable_size(p) < size) {
    fprintf(stderr, "FAIL: %p (%zu bytes) is not a tessera block\n", p, size);
    exit(1);
  }
}

int main(void) {
#if defined(TESSERA_OVERRIDE_STATIC)
  usable_size = ts_usable_size;
#else
  void* sym = dlsym(RTLD_DEFAULT, "ts_usable_size");
  CHECK(sym != NULL); /* libtessera.so is preloaded */
  memcpy(&usable_size, &sym, sizeof usable_size);
#endif
  static const char* const symbols[] = {"malloc", "free", "calloc", "realloc", "reallocarray",
                                        "posix_memalign", "aligned_alloc", "memalign", "valloc",
                                        "pvalloc", "malloc_usable_size"};
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) expect_tessera_symbol(symbols[i]);

  char* p = malloc(100);
  expect_block(p, 100);
  memset(p, 'x', 100);
  p = realloc(p, 100000);
  expect_block(p, 100000);
  CHECK(p[0] == 'x' && p[99] == 'x');
  free(p);
  int* z = calloc(1000, sizeof(int));
  expect_block(z, 1000 * sizeof(int));
  for (int i = 0; i < 1000; i++) CHECK(z[i] == 0);
  z = reallocarray(z, 2000, sizeof(int));
  expect_block(z, 2000 * sizeof(int));
  free(z);
  /* volatile: a compiler may drop an allocation whose result is only compared with NULL. */
  volatile size_t half = SIZE_MAX / 2; /* overflows when multiplied by 4 */
  void* volatile failed;
  errno = 0;
  failed = reallocarray(NULL, half, 4);
  CHECK(failed == NULL && errno == ENOMEM);
  errno = 0;
  failed = calloc(half, 4);
  CHECK(failed == NULL && errno == ENOMEM);
  void* a = NULL;
  CHECK(posix_memalign(&a, 4096, 5000) == 0 && ((uintptr_t)a & 4095) == 0);
  expect_block(a, 5000);
  free(a);
  a = aligned_alloc(256, 512);
  expect_block(a, 512);
  CHECK(((uintptr_t)a & 255) == 0);
  free(a);
  CHECK(malloc_usable_size(NULL) == 0);

  /* Allocated inside libc. */
  char* s = strdup("tessera");
  expect_block(s, 8);
  free(s);
  char* f = NULL;
  CHECK(asprintf(&f, "%0*d", 3000, 7) == 3000);
  expect_block(f, 3001);
  free(f);
  char* buf = NULL;
  size_t len = 0;
  FILE* mem = open_memstream(&buf, &len);
  CHECK(mem != NULL);
  for (int i = 0; i < 10000; i++) fprintf(mem, "line %d\n", i);
  CHECK(fclose(mem) == 0);
  expect_block(buf, len + 1);
  FILE* in = fmemopen(buf, len, "r");
  CHECK(in != NULL);
  char* line = NULL;
  size_t cap = 0;
  int lines = 0;
  while (getline(&line, &cap, in) > 0) lines++;
  CHECK(lines == 10000);
  expect_block(line, cap);
  free(line);
  fclose(in);
  free(buf);
  printf("c_program: malloc family and libc's own allocations are tessera's\n");
  fflush(stdout);

  /* Last, so that the checks above report first: tessera brought no C++ runtime along. */
  void* cxx = dlsym(RTLD_DEFAULT, "_ZSt15get_new_handlerv");
  if (cxx != NULL) {
    const char* where = "(unknown)";
    object_base(cxx, &where);
    fprintf(stderr, "FAIL: libstdc++ (%s) is loaded into a C program: tessera %s depends on it\n",
            where,
#if defined(TESSERA_OVERRIDE_STATIC)
            "(libtessera-override.a)"
#else
            "(libtessera.so)"
#endif
    );
    return 1;
  }
  return 0;
}
