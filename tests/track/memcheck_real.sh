#!/usr/bin/env bash
# memcheck_real.sh LIBRARY — real programs under memcheck, twice: on memcheck's own malloc and
# on tessera's (LD_PRELOAD, --soname-synonyms=somalloc=nouse so that memcheck leaves it in
# place). tessera must add no error to what memcheck reports on its own malloc (some
# programs, python3 among them, have reports of their own), and must really serve the
# program (its statistics count the allocations). A program that is not installed is skipped.
set -uo pipefail
library=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

sql="create table t(a, b); with recursive c(x) as (select 1 union all select x + 1 from c
  where x < 3000) insert into t select x, hex(randomblob(40)) from c; create index i on t(b);
  select count(*), sum(length(b)) from t where b > 'A';"
py="import json; d = {str(i): [i] * 5 for i in range(1500)}; print(len(json.loads(json.dumps(d))))"
lua="local t = {} for i = 1, 20000 do t[i] = tostring(i) .. 'x' end print(#table.concat(t))"

# errors NAME OUTPUT: memcheck's error count for the program's own process.
errors() { grep -E '^==[0-9]+== ERROR SUMMARY' "$2" | tail -n 1 | sed -E 's/.*SUMMARY: ([0-9]+) errors.*/\1/'; }

check() {
  local name=$1; shift
  if ! command -v "$1" >/dev/null; then
    echo "SKIP $name: $1 is not installed"
    return
  fi
  valgrind "$@" >"$work/$name.base" 2>&1
  TESSERA_SHOW_STATS=1 LD_PRELOAD=$library valgrind --soname-synonyms=somalloc=nouse "$@" \
    >"$work/$name.tessera" 2>&1
  local base ours allocations
  base=$(errors "$name" "$work/$name.base")
  ours=$(errors "$name" "$work/$name.tessera")
  allocations=$(awk '$1 == "total" { print $(NF - 2) }' "$work/$name.tessera" | tail -n 1)
  if [ -z "$base" ] || [ -z "$ours" ]; then
    echo "FAIL $name: no error summary"; status=1
    tail -n 20 "$work/$name.tessera"
  elif [ "$ours" != "$base" ]; then
    echo "FAIL $name: memcheck reports $ours errors on tessera, $base on its own malloc"
    grep -v '^==[0-9]*==    by ' "$work/$name.tessera" | head -n 60
    status=1
  elif [ -z "$allocations" ] || [ "$allocations" -lt 100 ]; then
    echo "FAIL $name: tessera did not serve the program (allocations: ${allocations:-none})"
    status=1
  else
    echo "PASS $name: $ours errors on tessera, $base on memcheck's malloc; tessera served $allocations allocations"
  fi
}

check sqlite3 sqlite3 :memory: "$sql"
# /usr/bin/python3: a python3 earlier on PATH may be a wrapper script (pyenv).
PYTHONMALLOC=malloc check python3 /usr/bin/python3 -c "$py"
check lua5.4 lua5.4 -e "$lua"
exit $status
