#!/usr/bin/env bash
# track_test.sh CHECKER PROGRAM LIBRARY FAMILY CASE — runs checked_program.c's CASE under an
# outside checker and asserts what that checker reports about tessera's blocks:
#
#   memcheck          valgrind with tessera serving everything, malloc included
#                     (--soname-synonyms=somalloc=nouse: memcheck must not replace it)
#   memcheck-synonym  valgrind with --soname-synonyms=somalloc=libtessera*: memcheck serves
#                     the malloc family itself, tessera the ts_ API
#   asan              PROGRAM built with clang's -fsanitize=address, tessera poisoning
#
# An error case must give exactly one error, of its kind; `clean` must give none (and, under
# memcheck, no leak), with every block's contents checked by the program itself.
set -uo pipefail
checker=$1 program=$2 library=$3 family=$4 case=$5
out=$(mktemp)
trap 'rm -f "$out"' EXIT

fail() {
  echo "FAIL ($checker $family $case): $*"
  echo "---- output ----"
  cat "$out"
  exit 1
}
expect() { grep -qF -- "$1" "$out" || fail "expected: $1"; }

case $checker in
  memcheck | memcheck-synonym)
    synonym=nouse
    [ "$checker" = memcheck-synonym ] && synonym='libtessera*'
    LD_PRELOAD=$library valgrind --leak-check=full --errors-for-leak-kinds=definite \
      --soname-synonyms=somalloc="$synonym" "$program" "$family" "$case" >"$out" 2>&1
    rc=$?
    [ $rc -eq 0 ] || fail "exit code $rc"
    served=yes
    [ "$checker" = memcheck-synonym ] && [ "$family" = malloc ] && served=no
    expect "served by tessera: $served"
    errors=1
    case $case in
      overflow) expect "0 bytes after a block of size 40 alloc'd" ;;
      underflow) expect "1 bytes before a block of size 40 alloc'd" ;;
      use-after-free) expect "3 bytes inside a block of size 40 free'd" ;;
      large-use-after-free) expect "100,000 bytes inside a block of size 1,048,576 free'd" ;;
      heap-after-destroy) expect "8 bytes inside a block of size 64 free'd" ;;
      uninitialised) expect "Conditional jump or move depends on uninitialised value" ;;
      leak) expect "definitely lost: 100 bytes in 1 blocks" ;;
      clean)
        errors=0
        if grep -q "definitely lost" "$out"; then fail "a leak was reported"; fi
        ;;
      *) fail "unknown case" ;;
    esac
    expect "ERROR SUMMARY: $errors errors"
    ;;
  asan)
    ASAN_OPTIONS=${ASAN_OPTIONS:-}:halt_on_error=1 "$program" "$family" "$case" >"$out" 2>&1
    rc=$?
    expect "served by tessera: yes"
    if [ "$case" = clean ]; then
      [ $rc -eq 0 ] || fail "exit code $rc"
      if grep -q AddressSanitizer "$out"; then fail "ASan reported an error"; fi
    else
      [ $rc -ne 0 ] || fail "the program exited normally"
      expect "ERROR: AddressSanitizer: use-after-poison"
      expect "READ of size 1"
    fi
    ;;
  *) fail "unknown checker" ;;
esac
echo "PASS ($checker $family $case)"
