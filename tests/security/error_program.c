/* error_program.c — one deliberate memory error per run, through the plain C allocator
 * interface, so that any malloc (glibc, mimalloc, jemalloc, tessera preloaded) can be
 * compared on it (compare_peers.sh). After the error the program keeps allocating, so an
 * allocator that checks lazily (on reuse) gets its chance, then exits 0.
 *
 *   error_program KIND     KIND: double_free never_allocated stack_free interior_free
 *                          overflow_1 overflow_64 underflow write_after_free realloc_freed
 *                          sized_free_wrong
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* C23; tessera and glibc >= 2.39 export it. Weak: where no library has it, the program says
 * so with exit status 3. */
void free_sized(void* p, size_t size) __attribute__((weak));

/* Keeps the compiler from reasoning about (and removing) the deliberate errors. */
static void* volatile sink;
static char* opaque(void* p) {
  sink = p;
  return (char*)sink;
}

static void churn(void) {
  for (int round = 0; round < 4; round++) {
    void* blocks[256];
    for (int i = 0; i < 256; i++) {
      blocks[i] = malloc(100);
      if (blocks[i] != NULL) memset(blocks[i], i, 100);
    }
    for (int i = 0; i < 256; i++) free(blocks[i]);
  }
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s KIND\n", argv[0]);
    return 2;
  }
  const char* kind = argv[1];
  char* p = opaque(malloc(100));
  char* neighbour = opaque(malloc(100));
  memset(p, 'a', 100);
  memset(neighbour, 'b', 100);
  if (!strcmp(kind, "double_free")) {
    free(p);
    free(opaque(p));
  } else if (!strcmp(kind, "never_allocated")) {
    free(opaque((void*)(uintptr_t)0x12345670));
  } else if (!strcmp(kind, "stack_free")) {
    char on_stack[32];
    free(opaque(on_stack));
  } else if (!strcmp(kind, "interior_free")) {
    free(opaque(p + 16));
  } else if (!strcmp(kind, "overflow_1")) {
    opaque(p)[100] = 'x';
    free(p);
  } else if (!strcmp(kind, "overflow_64")) {
    memset(opaque(p) + 100, 'x', 64);
    free(p);
  } else if (!strcmp(kind, "underflow")) {
    opaque(p)[-1] = (char)~opaque(p)[-1];  /* always a change (a fixed byte could match) */
    free(p);
  } else if (!strcmp(kind, "write_after_free")) {
    free(p);
    opaque(p)[3] = 'x';
  } else if (!strcmp(kind, "realloc_freed")) {
    free(p);
    sink = realloc(opaque(p), 200);
  } else if (!strcmp(kind, "sized_free_wrong")) {
    if (free_sized == NULL) return 3;
    free_sized(p, 64);
  } else {
    fprintf(stderr, "unknown kind %s\n", kind);
    return 2;
  }
  churn();
  return 0;
}
