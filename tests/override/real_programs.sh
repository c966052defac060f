#!/usr/bin/env bash
# real_programs.sh — runs one real program's workload twice, on the system malloc and with
# tessera preloaded, and requires the same output. ctest registers one test per program
# (override/real/<program>, CMakeLists.txt).
#
#   real_programs.sh PROGRAM LIBTESSERA WORKDIR
#
# PROGRAM is one of: python3 sqlite3 g++ perl lua xz zstd git. WORKDIR is emptied first, and
# removed after a pass (it keeps the outputs and the dynamic linker's logs of a failure).
# Exit status: 0 passed, 1 failed, 77 skipped (the program is not installed).
#
# Each run on tessera is checked three ways: its exit status and output match the run without
# it; the dynamic linker's log (LD_DEBUG=libs) shows libtessera.so initialised in every process
# the workload started (g++'s cc1plus, as and ld, Python's test workers, git's children …);
# and its stderr has no "tessera: error" or "tessera: warning" (something the library caught).
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 PROGRAM LIBTESSERA WORKDIR" >&2; exit 2; }
program=$1
lib=$(readlink -f "$2")
work=$3
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "FAIL [$program]: $*" >&2; exit 1; }
skip() { echo "SKIP [$program]: $*"; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

[ -f "$lib" ] || fail "no library at $2"
rm -rf "$work"
mkdir -p "$work/ld"
cd "$work"
work=$(pwd)

# Programs must not read the user's configuration or vary by locale and hash seed.
export HOME=$work LC_ALL=C PYTHONHASHSEED=0 GIT_CONFIG_NOSYSTEM=1
unset LD_PRELOAD

runs=0
# compare NAME CMD... : runs CMD on the system malloc (stdout in NAME.ref) and on tessera
# (NAME.out), with REAL_RUN=system or REAL_RUN=tessera in its environment so that it can keep
# the files it makes apart; fails unless both exit 0 with the same stdout (compared byte for
# byte) and tessera was in every process of the second run.
compare() {
  local name=$1; shift
  runs=$((runs + 1))
  local t0=$SECONDS
  if ! REAL_RUN=system "$@" >"$name.ref" 2>"$name.ref.err"; then
    tail -n 30 "$name.ref.err" >&2
    fail "$name: the run without tessera failed (so the workload itself is broken): $*"
  fi
  local t1=$SECONDS status=0
  REAL_RUN=tessera LD_PRELOAD=$lib LD_DEBUG=libs LD_DEBUG_OUTPUT=$work/ld/$name "$@" \
    >"$name.out" 2>"$name.err" || status=$?
  if grep -a -q -E "tessera: (error|warning)" "$name.err"; then
    grep -a -h -E "tessera: (error|warning)" "$name.err" | head -20 >&2
    fail "$name: tessera reported an error"
  fi
  if [ $status -ne 0 ]; then
    tail -n 30 "$name.err" >&2
    fail "$name: exited with status $status on tessera (0 without it): $*"
  fi
  if ! cmp -s "$name.ref" "$name.out"; then
    if grep -q -I . "$name.ref"; then diff "$name.ref" "$name.out" | head -30 >&2; fi
    fail "$name: the output on tessera differs from the output without it"
  fi
  local total=0 with=0 f
  for f in "$work/ld/$name".*; do
    [ -e "$f" ] || continue
    total=$((total + 1))
    if grep -qF "calling init: $lib" "$f"; then with=$((with + 1)); fi
  done
  [ "$total" -gt 0 ] || fail "$name: no dynamic linker log: did anything run?"
  [ "$with" -eq "$total" ] ||
    fail "$name: libtessera.so was initialised in $with of $total processes"
  echo "ok   $name: same output ($(wc -c <"$name.out") bytes), tessera in $total" \
    "process(es), $((t1 - t0)) s without / $((SECONDS - t1)) s with"
}

# same_files A B : two files that the two runs made must be identical.
same_files() {
  cmp -s "$1" "$2" || fail "$2 (made on tessera) differs from $1 (made without it)"
  echo "ok   $2 is identical to $1 ($(wc -c <"$1") bytes)"
}

# shellcheck source=real_workloads.sh
source "$here/real_workloads.sh"
run_step() { compare "$@"; }
real_workload "$program"
echo "$program: $runs workload(s) ran the same on tessera"
cd / && rm -rf "$work"  # kept only when a check failed
