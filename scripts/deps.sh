#!/usr/bin/env bash
# deps.sh — makes sure the Debian packages that a make target needs are installed.
#
#   scripts/deps.sh test    toolchains, GoogleTest and the sanitizer runtimes (make test)
#   scripts/deps.sh bench   Google Benchmark, the peer allocators, matplotlib, valgrind and
#                           the real programs the benchmark suite times (make bench)
#
# As root, missing packages are installed with apt-get (after one apt-get update). Otherwise
# the missing packages are named and the script exits non-zero, changing nothing.
set -euo pipefail

usage() { echo "usage: $0 test|bench" >&2; exit 2; }
[ $# -eq 1 ] || usage

# Shared by both targets: the build itself.
common=(make cmake ninja-build g++ python3)
case "$1" in
  # clang-14 + libclang-rt-14-dev: the ASan/UBSan and TSan builds. valgrind: tests may use its
  # client-request headers and run under it.
  # pkg-config: the consumer test; the rest: real programs the override suite runs on tessera.
  test) pkgs=("${common[@]}" clang-14 libclang-rt-14-dev libgtest-dev googletest valgrind
              pkg-config sqlite3 perl lua5.4 xz-utils zstd git libpython3.11-testsuite
              redis-server redis-tools) ;;
  # valgrind: the callgrind instruction counts. libmimalloc-dev: mimalloc for the
  # microbenchmarks. The peers the suite preloads (bench/run.py), matplotlib for its charts,
  # and the real programs it times (redis-benchmark is in redis-tools; python3's workload runs
  # tests from Debian's libpython3.11-testsuite).
  bench) pkgs=("${common[@]}" libbenchmark-dev libmimalloc-dev valgrind
               libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4 libtbbmalloc2 python3-matplotlib
               sqlite3 redis-server redis-tools libpython3.11-testsuite) ;;
  *) usage ;;
esac

installed() { # package -> 0 when dpkg knows it as installed
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps.sh: this is not a Debian-based system (no dpkg-query); install by hand: ${pkgs[*]}" >&2
  exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps.sh: all packages for '$1' are installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  {
    echo "deps.sh: missing Debian packages for 'make $1': ${missing[*]}"
    echo "deps.sh: install them as root, then run 'make $1' again:"
    echo "    apt-get update && apt-get install -y ${missing[*]}"
  } >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
for p in "${missing[@]}"; do
  installed "$p" || { echo "deps.sh: $p is still not installed" >&2; exit 1; }
done
echo "deps.sh: all packages for '$1' are installed"
