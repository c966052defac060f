#!/usr/bin/env bash
# tessera_run_test.sh — tools/tessera-run runs a command on tessera (ctest: override/tessera-run).
#
#   tessera_run_test.sh SOURCE_SCRIPT LIBTESSERA BUILD_TREE_SCRIPT
#
# SOURCE_SCRIPT is tools/tessera-run in the source tree (finds no library there: --lib is
# needed); BUILD_TREE_SCRIPT is the copy that cmake/install.cmake puts next to libtessera.so,
# which must find the library by itself. The installed copy (bin/ next to lib/) is tested by
# the consumer test.
# shellcheck disable=SC2016  # the single-quoted $VARIABLES are expanded by the command's shell
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 SOURCE_SCRIPT LIBTESSERA BUILD_TREE_SCRIPT" >&2; exit 2; }
src=$1
lib=$(readlink -f "$2")
built=$3

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

[ -x "$built" ] || fail "no executable $built: the build tree's copy of tools/tessera-run is made" \
  "by cmake/install.cmake (is it included from the top-level CMakeLists.txt?)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset LD_PRELOAD TESSERA_SHOW_STATS TESSERA_VERBOSE

# The library must be mapped into the command (cat reads its own /proc/self/maps).
maps_have_tessera() {
  local how=$1; shift
  "$@" cat /proc/self/maps >"$tmp/maps" || fail "$how: '$* cat /proc/self/maps' failed"
  grep -qF "$lib" "$tmp/maps" || fail "$how: $lib is not mapped into the command"
  ok "$how: the command runs with $lib"
}
maps_have_tessera "build tree" "$built"
maps_have_tessera "--lib" "$src" --lib "$lib"
maps_have_tessera "--lib=" "$src" "--lib=$lib"
ln -s "$(readlink -f "$built")" "$tmp/tessera-run"
maps_have_tessera "through a symlink" "$tmp/tessera-run"

# Options become the environment variables the library reads.
out=$("$built" --stats sh -c 'echo "${TESSERA_SHOW_STATS-unset} ${TESSERA_VERBOSE-unset}"' \
  2>/dev/null)
[ "$out" = "1 unset" ] || fail "--stats: the command saw '$out', expected '1 unset'"
out=$("$built" --verbose --stats -- sh -c 'echo "$TESSERA_SHOW_STATS $TESSERA_VERBOSE"' 2>/dev/null)
[ "$out" = "1 1" ] || fail "--verbose --stats: the command saw '$out', expected '1 1'"
ok "--stats and --verbose set TESSERA_SHOW_STATS=1 and TESSERA_VERBOSE=1"

# --stats: the table at exit, with the memory figures now and at peak, every bin in use, local
# and remote frees and what was purged; also for a command that never allocates.
for cmd in "ls /" "true"; do
  # shellcheck disable=SC2086  # the command's words
  "$built" --stats $cmd >/dev/null 2>"$tmp/stats" || fail "--stats $cmd failed"
  for want in "tessera: statistics" "reserved" "committed" "resident" "now" "peak" \
      "block size" "in use" "bytes in use" "allocations" "local frees" "remote frees" \
      "purged" "total"; do
    grep -qF -- "$want" "$tmp/stats" || { cat "$tmp/stats" >&2; fail "--stats $cmd: no '$want'"; }
  done
  [ "$(grep -c "tessera: statistics" "$tmp/stats")" -eq 1 ] ||
    fail "--stats $cmd: the table is not printed exactly once"
done
"$built" true 2>"$tmp/stats"
[ ! -s "$tmp/stats" ] || fail "without --stats, tessera printed: $(cat "$tmp/stats")"
ok "--stats prints the statistics table at exit"

# An existing preload is kept, after tessera.
out=$(LD_PRELOAD=libm.so.6 "$built" sh -c 'echo "$LD_PRELOAD"')
case "$out" in
  /*/libtessera.so*:libm.so.6) ;;
  *) fail "LD_PRELOAD became '$out', expected '/…/libtessera.so:libm.so.6'" ;;
esac
ok "an existing LD_PRELOAD is kept after tessera"

# The command's exit status is tessera-run's.
expect_status() {
  local want=$1 what=$2; shift 2
  local got=0
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$tmp/err" >&2; fail "$what: status $got, expected $want"; }
  ok "$what: status $want"
}
expect_status 0 "true" "$built" true
expect_status 42 "exit 42" "$built" sh -c 'exit 42'
expect_status 127 "a command that does not exist" "$built" "$tmp/no-such-command"
expect_status 2 "an unknown option" "$built" --no-such-option true
expect_status 2 "no command" "$built"
expect_status 2 "--lib with a missing file" "$built" --lib "$tmp/missing.so" true
expect_status 2 "no library near the script and no --lib" "$src" true
grep -q "use --lib" "$tmp/err" || fail "without a library, tessera-run does not say to use --lib"
expect_status 0 "--help" "$built" --help
grep -q -- "--stats" "$tmp/out" || fail "--help does not describe --stats"
echo "tessera-run: all checks passed"
