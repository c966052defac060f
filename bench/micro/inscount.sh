#!/usr/bin/env bash
# inscount.sh — instructions per malloc+free pair for each allocator, under callgrind.
#
#   bench/micro/inscount.sh INSCOUNT_BINARY OUT_DIR
#
# Runs `inscount <allocator> <tight|window> <size> <pairs>` under valgrind's callgrind, counting
# only inside measured_pairs() (--toggle-collect), for tight and window at 16, 64, 512 and 4096
# bytes. Writes OUT_DIR/inscount.tsv (report.py inscount prints it) and keeps the callgrind
# files in OUT_DIR/callgrind for callgrind_annotate. Counts are deterministic: two runs at a
# time change nothing. TESSERA_INSCOUNT_PAIRS sets the pairs (default 100000).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 INSCOUNT_BINARY OUT_DIR" >&2; exit 2; }
bin=$1
out=$2
pairs=${TESSERA_INSCOUNT_PAIRS:-100000}
command -v valgrind >/dev/null || { echo "inscount.sh: valgrind is not installed" >&2; exit 1; }
mkdir -p "$out/callgrind"

allocators=()
for a in tessera glibc mimalloc; do
  rc=0
  "$bin" "$a" tight 16 1 >/dev/null 2>&1 || rc=$?
  case $rc in
    0) allocators+=("$a") ;;
    2) echo "inscount.sh: $a is not in this build: skipped" ;;
    *) echo "inscount.sh: '$bin $a tight 16 1' failed (exit $rc)" >&2; exit 1 ;;
  esac
done

# one ALLOCATOR MODE SIZE: prints "allocator mode size pairs instructions".
one() {
  local f=$out/callgrind/$1-$2-$3.out
  if ! valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect='*measured_pairs*' \
      "$bin" "$1" "$2" "$3" "$pairs" >"$f.log" 2>&1; then
    echo "inscount.sh: callgrind run $1 $2 $3 failed; see $f.log" >&2
    tail -n 20 "$f.log" >&2
    return 1
  fi
  local ir
  ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f")
  [ -n "$ir" ] || { echo "inscount.sh: no summary line in $f" >&2; return 1; }
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$pairs" "$ir"
}

tsv=$out/inscount.tsv
# both ALLOCATOR MODE SIZE1 SIZE2: two runs at a time (two cores), appended in order.
both() {
  one "$1" "$2" "$3" >"$out/.r1" & local p1=$!
  one "$1" "$2" "$4" >"$out/.r2" & local p2=$!
  local failed=0
  wait $p1 || failed=1
  wait $p2 || failed=1
  [ $failed -eq 0 ] || exit 1
  cat "$out/.r1" "$out/.r2" >>"$tsv"
}
printf 'allocator\tmode\tsize\tpairs\tinstructions\n' >"$tsv"
for a in "${allocators[@]}"; do
  for mode in tight window; do
    both "$a" "$mode" 16 64
    both "$a" "$mode" 512 4096
  done
done
rm -f "$out/.r1" "$out/.r2"
echo "inscount.sh: wrote $tsv"
