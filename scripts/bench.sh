#!/usr/bin/env bash
# bench.sh — Release build in build/release (workload programs and microbenchmarks), then:
#   1. the benchmark suite (bench/run.py): every workload and real program under tessera, glibc,
#      mimalloc, jemalloc, tcmalloc and tbbmalloc, medians of 3 runs, tables and charts in
#      build/release/bench-results/ (results.json, results.png, results.svg);
#   2. the microbenchmarks (bench/micro/run.sh: Google Benchmark times, RSS probe, callgrind).
# Called by `make bench`. Arguments are passed to run.py (e.g. --workloads larson,xmalloc
# --reps 5 --quick, or --out bench/results/latest.json to refresh the committed results;
# --allocators tessera,tessera-secure,tessera-secure-nopadding also builds and measures the
# secure libraries).
# Environment: TESSERA_JOBS (default 2), TESSERA_BENCH_MICRO=0 skips step 2, and run.sh's knobs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/release
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTESSERA_BUILD_BENCH=ON -DTESSERA_BUILD_WORKLOADS=ON -DTESSERA_BUILD_TESTS=OFF \
  -DTESSERA_DEBUG=OFF -DTESSERA_SANITIZE=
cmake --build "$dir" -j "${TESSERA_JOBS:-2}"
# The secure libraries, when --allocators names them (run.py's default paths).
case " $* " in
  *tessera-secure*)
    for padding in ON OFF; do
      sdir=build/release-secure; [ $padding = OFF ] && sdir=build/release-secure-nopadding
      cmake -S . -B "$sdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTESSERA_SECURE=ON \
        -DTESSERA_PADDING=$padding -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_WORKLOADS=OFF \
        -DTESSERA_BUILD_BENCH=OFF -DTESSERA_DEBUG=OFF -DTESSERA_SANITIZE=
      cmake --build "$sdir" -j "${TESSERA_JOBS:-2}" --target tessera
    done ;;
esac
# Debian's interpreter, which has python3-matplotlib (a python3 earlier in PATH may not).
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
status=0
"$py" bench/run.py --tessera "$dir/libtessera.so" --bin-dir "$dir/bench/workloads" \
  --out "$dir/bench-results/results.json" "$@" || status=$?
if [ "${TESSERA_BENCH_MICRO:-1}" != 0 ]; then
  bash bench/micro/run.sh "$dir"
fi
exit "$status"
