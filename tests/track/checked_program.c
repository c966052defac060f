/* checked_program.c — one memory error (or none) per run, for the outside checkers that
 * tessera's Valgrind and ASan builds talk to (debug/track.h). track_test.sh runs it under
 * memcheck or as an ASan-instrumented program and checks what the checker reports.
 *
 *   checked_program FAMILY CASE
 *   FAMILY  malloc   malloc/free/realloc (tessera's when it replaces malloc)
 *           ts       ts_malloc/ts_free/ts_realloc, always tessera's
 *   CASE    overflow underflow use-after-free large-use-after-free uninitialised leak
 *           heap-after-destroy clean
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/tessera.h>

static int use_ts;

static void* alloc(size_t n) { return use_ts ? ts_malloc(n) : malloc(n); }
static void* alloc_zero(size_t n) { return use_ts ? ts_calloc(1, n) : calloc(1, n); }
static void* resize(void* p, size_t n) { return use_ts ? ts_realloc(p, n) : realloc(p, n); }
static void release(void* p) {
  if (use_ts) ts_free(p); else free(p);
}

/* Reads through a volatile pointer so that the compiler keeps every deliberate bad read. */
static int peek(const char* p) { return *(const volatile char*)p; }

static void fail(const char* what) {
  fprintf(stderr, "checked_program: %s\n", what);
  exit(2);
}

/* --- the clean workload: every block written whole and checked before it is freed --- */

static void fill(unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7);
}
static void check(const unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != (unsigned char)(seed + i * 7)) fail("a block lost its contents");
  }
}

enum { kSlots = 600 };
struct handoff {
  unsigned char* blocks[kSlots];
  size_t sizes[kSlots];
};

/* Frees, from another thread, blocks the main thread allocated (remote frees). */
static void* free_elsewhere(void* arg) {
  struct handoff* h = arg;
  for (int i = 0; i < kSlots; i++) {
    check(h->blocks[i], h->sizes[i], (unsigned)i);
    release(h->blocks[i]);
  }
  return NULL;
}

static void clean(void) {
  struct handoff h;
  for (int round = 0; round < 4; round++) {
    for (int i = 0; i < kSlots; i++) {
      size_t n = (size_t)(i * 97 % 5000) + 1 + (i % 50 == 0 ? 300000 : 0);
      h.blocks[i] = alloc(n);
      if (h.blocks[i] == NULL) fail("out of memory");
      fill(h.blocks[i], n, (unsigned)i);
      h.sizes[i] = n;
    }
    for (int i = 0; i < kSlots; i += 3) {  /* grow and shrink a third of them */
      size_t n = h.sizes[i] / 2 + 40;
      unsigned char* q = resize(h.blocks[i], n);
      if (q == NULL) fail("out of memory");
      size_t kept = n < h.sizes[i] ? n : h.sizes[i];
      check(q, kept, (unsigned)i);
      fill(q, n, (unsigned)i);
      h.blocks[i] = q;
      h.sizes[i] = n;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, free_elsewhere, &h) != 0) fail("pthread_create");
    pthread_join(t, NULL);
  }
  /* A huge block (its own mapping), grown by realloc. */
  size_t huge = (size_t)20 << 20;
  unsigned char* h1 = alloc(huge);
  if (h1 == NULL) fail("out of memory");
  fill(h1, huge, 9);
  h1 = resize(h1, huge + (4 << 20));
  if (h1 == NULL) fail("out of memory");
  check(h1, huge, 9);
  release(h1);
  unsigned char* z = alloc_zero(1 << 20);
  for (size_t i = 0; i < (1 << 20); i += 4096) {
    if (z[i] != 0) fail("calloc memory is not zero");
  }
  release(z);
  void* aligned = ts_malloc_aligned(1000, 4096);
  if (aligned == NULL || (uintptr_t)aligned % 4096 != 0) fail("ts_malloc_aligned");
  fill(aligned, 1000, 3);
  check(aligned, 1000, 3);
  ts_free(aligned);
  /* A first-class heap: blocks freed one by one, then the rest all at once. */
  ts_heap_t* heap = ts_heap_new();
  for (int i = 0; i < 1000; i++) {
    unsigned char* p = ts_heap_malloc(heap, (size_t)(i % 300) + 1);
    if (p == NULL) fail("ts_heap_malloc");
    fill(p, (size_t)(i % 300) + 1, (unsigned)i);
    if (i % 2) ts_free(p);
  }
  ts_heap_destroy(heap);
}

int main(int argc, char** argv) {
  if (argc != 3) fail("usage: checked_program malloc|ts CASE");
  use_ts = strcmp(argv[1], "ts") == 0;
  const char* c = argv[2];
  int sink = 0;
  void* probe = alloc(8);
  printf("served by tessera: %s\n", ts_heap_of(probe) != NULL ? "yes" : "no");
  fflush(stdout);  /* an ASan report ends the process */
  release(probe);
  if (strcmp(c, "overflow") == 0) {
    char* p = alloc(40);
    memset(p, 1, 40);
    sink += peek(p + 40);
    release(p);
  } else if (strcmp(c, "underflow") == 0) {
    char* p = alloc(40);
    memset(p, 1, 40);
    sink += peek(p - 1);
    release(p);
  } else if (strcmp(c, "use-after-free") == 0) {
    char* p = alloc(40);
    memset(p, 1, 40);
    release(p);
    sink += peek(p + 3);
  } else if (strcmp(c, "large-use-after-free") == 0) {
    char* p = alloc(1 << 20);
    memset(p, 1, 1 << 20);
    release(p);
    sink += peek(p + 100000);
  } else if (strcmp(c, "uninitialised") == 0) {
    char* p = alloc(24);
    if (peek(p + 5) == 7) puts("seven");
    release(p);
  } else if (strcmp(c, "leak") == 0) {
    char* p = alloc(100);
    memset(p, 1, 100);
    p = NULL;
  } else if (strcmp(c, "heap-after-destroy") == 0) {
    ts_heap_t* heap = ts_heap_new();
    char* p = ts_heap_malloc(heap, 64);
    memset(p, 1, 64);
    ts_heap_destroy(heap);
    sink += peek(p + 8);
  } else if (strcmp(c, "clean") == 0) {
    clean();
  } else {
    fail("unknown case");
  }
  printf("done (read %d)\n", sink);
  return 0;
}
