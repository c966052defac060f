#!/usr/bin/env bash
# real_program.sh — runs one real program's workload (tests/override/real_workloads.sh, the
# same setups the override suite checks) once, under whatever allocator LD_PRELOAD names, for
# bench/run.py to time. Prints one digest line per output file: the runner requires the same
# lines under every allocator.
#
#   real_program.sh PROGRAM WORKDIR        exit 0 done, 1 failed, 77 program not installed
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 PROGRAM WORKDIR" >&2; exit 2; }
program=$1
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "real_program.sh [$program]: error: $*" >&2; exit 1; }
skip() { echo "real_program.sh [$program]: skipped: $*" >&2; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

rm -rf "$2"
mkdir -p "$2"
cd "$2"
work=$(pwd)
export HOME=$work LC_ALL=C PYTHONHASHSEED=0 GIT_CONFIG_NOSYSTEM=1

run_step() { # NAME CMD...
  local name=$1; shift
  if ! REAL_RUN=bench "$@" >"$name.out" 2>"$name.err"; then
    tail -n 20 "$name.err" >&2
    fail "$name failed: $*"
  fi
}
# One run only: files that the override suite makes twice (system.o, tessera.o) are not here.
same_files() {
  [ -e "$1" ] && [ -e "$2" ] || return 0
  cmp -s "$1" "$2" || fail "$2 differs from $1"
}

# shellcheck source=../tests/override/real_workloads.sh
source "$here/../tests/override/real_workloads.sh"
real_workload "$program"
# Something the allocator caught counts as a failure, as in the override suite.
if grep -a -h -E "tessera: (error|warning)" ./*.err >&2; then
  fail "tessera reported an error"
fi
for f in *.out; do
  echo "$f $(sha256sum <"$f" | cut -c1-16)"
done
