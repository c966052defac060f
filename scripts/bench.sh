#!/usr/bin/env bash
# bench.sh — Release build with the microbenchmarks in build/release, then runs them
# (bench/micro/run.sh: Google Benchmark times, RSS probe, callgrind instruction counts) and
# prints tessera vs glibc vs mimalloc. Called by `make bench`; results in
# build/release/bench-results. Environment: TESSERA_JOBS (default 2), and run.sh's knobs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/release
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTESSERA_BUILD_BENCH=ON -DTESSERA_BUILD_TESTS=OFF -DTESSERA_DEBUG=OFF -DTESSERA_SANITIZE=
cmake --build "$dir" -j "${TESSERA_JOBS:-2}"
bash bench/micro/run.sh "$dir"
