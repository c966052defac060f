/* consumer_check.h — shared by the consumer programs: where does this program's malloc live?
 * CONSUMER_MALLOC (set by the build) names the answer the program must find:
 *   1  libc: the program links only the ts_ API (libtessera.a)
 *   2  libtessera.so, from the install prefix in TESSERA_PREFIX (not a build tree)
 *   3  the executable itself: libtessera-override.a linked whole
 * Plain C, so that both the C and the C++ consumer use it; include it first (_GNU_SOURCE). */
#ifndef CONSUMER_CHECK_H
#define CONSUMER_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int consumer_anchor; /* lives in the executable */

static const char* consumer_object(const void* addr, const void** base) {
  Dl_info info;
  memset(&info, 0, sizeof info);
  if (dladdr(addr, &info) == 0 || info.dli_fname == NULL) return "(unknown)";
  *base = info.dli_fbase;
  return info.dli_fname;
}

/* 0 when malloc comes from where CONSUMER_MALLOC says; otherwise prints why and returns 1. */
static int consumer_check_malloc(void) {
  const void* base = NULL;
  const void* exe_base = NULL;
  const char* where = consumer_object(dlsym(RTLD_DEFAULT, "malloc"), &base);
  const char* exe = consumer_object(&consumer_anchor, &exe_base);
  const char* slash = strrchr(where, '/');
  const char* file = slash != NULL ? slash + 1 : where;
#if CONSUMER_MALLOC == 1
  (void)exe;
  if (strncmp(file, "libc.so", 7) != 0) {
    fprintf(stderr, "FAIL: malloc is in %s; with the ts_ API only it must stay libc's\n", where);
    return 1;
  }
#elif CONSUMER_MALLOC == 2
  const char* prefix = getenv("TESSERA_PREFIX");
  (void)exe;
  if (strncmp(file, "libtessera.so", 13) != 0) {
    fprintf(stderr, "FAIL: malloc is in %s, not libtessera.so\n", where);
    return 1;
  }
  if (prefix == NULL || strncmp(where, prefix, strlen(prefix)) != 0) {
    fprintf(stderr, "FAIL: libtessera.so was loaded from %s, not from the install prefix %s\n",
            where, prefix != NULL ? prefix : "(TESSERA_PREFIX unset)");
    return 1;
  }
#elif CONSUMER_MALLOC == 3
  (void)file;
  if (base != exe_base) {
    fprintf(stderr, "FAIL: malloc is in %s, not in the executable %s\n", where, exe);
    return 1;
  }
#else
#error "CONSUMER_MALLOC must be 1, 2 or 3"
#endif
  return 0;
}

#endif
