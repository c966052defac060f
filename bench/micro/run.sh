#!/usr/bin/env bash
# run.sh — runs the microbenchmarks of a build and prints the comparison tables.
#
#   bench/micro/run.sh BUILD_DIR [OUT_DIR]     (OUT_DIR defaults to BUILD_DIR/bench-results)
#
# 1. micro_bench (Google Benchmark): every case for tessera, glibc and mimalloc, repeated;
#    JSON to OUT_DIR/micro.json.
# 2. rss_probe: RSS for 1M live 64-byte blocks, a fresh process per allocator; OUT_DIR/rss.jsonl.
# 3. inscount.sh: callgrind instructions per malloc+free pair; OUT_DIR/inscount.tsv.
# Then the three tables (report.py), also saved to OUT_DIR/report.txt.
#
# Environment: TESSERA_BENCH_REPS (default 5), TESSERA_BENCH_FILTER (a --benchmark_filter
# regex, default all), TESSERA_BENCH_SKIP_INSCOUNT=1, TESSERA_INSCOUNT_PAIRS (default 100000).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [OUT_DIR]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
bin=$1/bench/micro
out=${2:-$1/bench-results}
reps=${TESSERA_BENCH_REPS:-5}
for p in micro_bench rss_probe inscount; do
  [ -x "$bin/$p" ] || { echo "run.sh: $bin/$p is missing: build with -DTESSERA_BUILD_BENCH=ON" >&2; exit 1; }
done
mkdir -p "$out"

echo "==== micro_bench ($reps repetitions; JSON in $out/micro.json)"
"$bin/micro_bench" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_filter="${TESSERA_BENCH_FILTER:-.}" \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json

echo "==== rss_probe"
: >"$out/rss.jsonl"
for a in tessera glibc mimalloc; do
  rc=0
  "$bin/rss_probe" "$a" >>"$out/rss.jsonl" || rc=$?
  case $rc in
    0) ;;
    2) echo "rss_probe: $a is not in this build: skipped" ;;
    *) echo "run.sh: rss_probe $a failed (exit $rc)" >&2; exit 1 ;;
  esac
done
cat "$out/rss.jsonl"

if [ "${TESSERA_BENCH_SKIP_INSCOUNT:-0}" != 1 ]; then
  echo "==== inscount (callgrind)"
  bash "$here/inscount.sh" "$bin/inscount" "$out"
fi

{
  echo
  python3 "$here/report.py" micro "$out/micro.json"
  echo
  python3 "$here/report.py" rss "$out/rss.jsonl"
  if [ -f "$out/inscount.tsv" ] && [ "${TESSERA_BENCH_SKIP_INSCOUNT:-0}" != 1 ]; then
    echo
    python3 "$here/report.py" inscount "$out/inscount.tsv"
  fi
  echo
  echo "ratios are tessera / other: below 1 means tessera is faster or leaner"
} | tee "$out/report.txt"
