#!/usr/bin/env bash
# consumer_test.sh — installs tessera and builds programs against the installed copy, as a
# user would (ctest label `consumer`, tests/consumer/CMakeLists.txt).
#
#   consumer_test.sh install      BUILD_DIR PREFIX CC CXX
#       cmake --install BUILD_DIR --prefix PREFIX (emptied first); checks the installed files,
#       that the installed headers compile on their own (tessera.h as C11 and C++20,
#       tessera.hpp as C++20, strict warnings), and
#       that the installed bin/tessera-run runs a command on the installed library.
#   consumer_test.sh find_package PREFIX PROJECT WORK GENERATOR CC CXX
#       configures, builds and runs PROJECT (tests/consumer/project) with
#       CMAKE_PREFIX_PATH=PREFIX: find_package(tessera) and its three targets.
#   consumer_test.sh pkg-config   PREFIX PROJECT WORK CC CXX
#       builds the same sources with `pkg-config --cflags --libs tessera` and runs them.
#
# The programs run with LD_LIBRARY_PATH=<PREFIX's libdir> and TESSERA_PREFIX=PREFIX; those
# linked with libtessera.so check that it was loaded from PREFIX.
set -euo pipefail

fail() { echo "FAIL [consumer $mode]: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

mode=${1:-}
[ -n "$mode" ] || { echo "usage: see the comment at the top of $0" >&2; exit 2; }
shift
unset LD_PRELOAD

# The directory holding libtessera.so under PREFIX (lib, lib64 or lib/<multiarch>).
libdir_of() {
  local so
  so=$(find "$1" -name libtessera.so -print -quit)
  [ -n "$so" ] || fail "no libtessera.so under $1: did the install test run?"
  dirname "$so"
}

# run_program NAME PATH: runs an installed-tessera program and requires "ok" from it.
run_program() {
  local out
  out=$(LD_LIBRARY_PATH=$libdir TESSERA_PREFIX=$prefix "$2" 2>&1) ||
    { echo "$out" >&2; fail "$1 failed"; }
  case "$out" in
    *": ok"*) ok "$1: $out" ;;
    *) echo "$out" >&2; fail "$1 did not say ok" ;;
  esac
}

case "$mode" in
  install)
    [ $# -eq 4 ] || fail "usage: $0 install BUILD_DIR PREFIX CC CXX"
    build=$1 prefix=$2 cc=$3 cxx=$4
    rm -rf "$prefix"
    cmake --install "$build" --prefix "$prefix" >"$prefix.install.log" 2>&1 ||
      { cat "$prefix.install.log" >&2; fail "cmake --install failed"; }
    libdir=$(libdir_of "$prefix")
    for f in include/tessera/tessera.h include/tessera/tessera.hpp bin/tessera-run; do
      [ -f "$prefix/$f" ] || fail "$f is not installed"
    done
    [ -x "$prefix/bin/tessera-run" ] || fail "bin/tessera-run is not executable"
    for f in libtessera.so libtessera.so.0 libtessera.a libtessera-override.a \
        cmake/tessera/tesseraConfig.cmake cmake/tessera/tesseraConfigVersion.cmake \
        cmake/tessera/tessera-targets.cmake pkgconfig/tessera.pc; do
      [ -e "$libdir/$f" ] || fail "${libdir#"$prefix"/}/$f is not installed"
    done
    libs="${libdir#"$prefix"/}/{libtessera.so,libtessera.a,libtessera-override.a}"
    ok "installed: headers, bin/tessera-run, $libs, the CMake package and tessera.pc"
    # Nothing in the installed tree may point back into the build or source tree.
    if grep -rlF "$build" "$prefix/include" "$libdir/cmake" "$libdir/pkgconfig" \
        "$prefix/bin" >/dev/null 2>&1; then
      fail "installed files refer to the build tree $build:" \
        "$(grep -rlF "$build" "$prefix/include" "$libdir/cmake" "$libdir/pkgconfig" "$prefix/bin")"
    fi
    ok "no installed file refers to the build tree"

    # The public header on its own, in C and C++, with strict warnings.
    work=$prefix.header
    mkdir -p "$work"
    printf '#include <tessera/tessera.h>\nint main(void) { return ts_version() > 0 ? 0 : 1; }\n' \
      >"$work/header.c"
    cp "$work/header.c" "$work/header.cc"
    "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$prefix/include" -fsyntax-only \
      "$work/header.c" || fail "tessera.h does not compile as C11 on its own"
    "$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Werror -I"$prefix/include" -fsyntax-only \
      "$work/header.cc" || fail "tessera.h does not compile as C++20 on its own"
    ok "tessera.h compiles on its own as C11 and C++20"
    printf '#include <tessera/tessera.hpp>\nint main() { return tessera::Heap() ? 0 : 1; }\n' \
      >"$work/header_hpp.cc"
    "$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -I"$prefix/include" \
      -fsyntax-only "$work/header_hpp.cc" || fail "tessera.hpp does not compile on its own as C++20"
    ok "tessera.hpp compiles on its own as C++20"

    # The installed tessera-run finds the installed library (../lib*/ from bin/).
    maps=$("$prefix/bin/tessera-run" cat /proc/self/maps) || fail "bin/tessera-run failed"
    grep -qF "$(readlink -f "$libdir")/libtessera.so" <<<"$maps" ||
      fail "bin/tessera-run did not run the command with $libdir/libtessera.so"
    ok "bin/tessera-run runs a command with the installed libtessera.so"
    ;;

  find_package)
    [ $# -eq 6 ] || fail "usage: $0 find_package PREFIX PROJECT WORK GENERATOR CC CXX"
    prefix=$1 project=$2 work=$3 generator=$4 cc=$5 cxx=$6
    libdir=$(libdir_of "$prefix")
    rm -rf "$work"
    cmake -S "$project" -B "$work" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" \
      >"$work.configure.log" 2>&1 ||
      { cat "$work.configure.log" >&2; fail "configuring the consumer project failed"; }
    grep -q "tessera 0.* from $prefix" "$work.configure.log" ||
      fail "find_package(tessera) did not find the package in $prefix"
    ok "find_package(tessera 0.1) found $(grep -o 'tessera 0[^ ]* from .*' "$work.configure.log")"
    cmake --build "$work" >"$work.build.log" 2>&1 ||
      { cat "$work.build.log" >&2; fail "building the consumer project failed"; }
    for program in ts_api_static ts_api_shared malloc_shared malloc_override heap_user; do
      run_program "find_package: $program" "$work/$program"
    done
    ;;

  pkg-config)
    [ $# -eq 5 ] || fail "usage: $0 pkg-config PREFIX PROJECT WORK CC CXX"
    prefix=$1 project=$2 work=$3 cc=$4 cxx=$5
    command -v pkg-config >/dev/null || fail "pkg-config is not installed (Debian: pkg-config)"
    libdir=$(libdir_of "$prefix")
    rm -rf "$work"
    mkdir -p "$work"
    export PKG_CONFIG_PATH=$libdir/pkgconfig
    version=$(pkg-config --modversion tessera) || fail "pkg-config does not find tessera.pc"
    header_version=$(sed -n -E 's/^#define TESSERA_VERSION_(MAJOR|MINOR|PATCH) ([0-9]+).*/\2/p' \
      "$prefix/include/tessera/tessera.h" | paste -sd.)
    [ "$version" = "$header_version" ] ||
      fail "tessera.pc says version $version, tessera.h says $header_version"
    read -r -a flags <<<"$(pkg-config --cflags --libs tessera)"
    ok "pkg-config tessera $version: ${flags[*]}"
    # tessera.pc is relocatable: its paths must lead to this prefix, wherever that is.
    include=$(pkg-config --cflags-only-I tessera)
    include=${include#-I}
    include=${include%% }
    [ "$(readlink -f "$include")" = "$(readlink -f "$prefix/include")" ] ||
      fail "pkg-config --cflags names $include, not $prefix/include"
    strict=(-Wall -Wextra -Wpedantic -Werror)
    "$cc" -std=c11 "${strict[@]}" -DCONSUMER_MALLOC=2 "$project/ts_api.c" -o "$work/ts_api" \
      "${flags[@]}" -ldl || fail "compiling ts_api.c with pkg-config's flags failed"
    "$cxx" -std=c++17 "${strict[@]}" -DCONSUMER_MALLOC=2 "$project/malloc_user.cc" \
      -o "$work/malloc_user" "${flags[@]}" -ldl ||
      fail "compiling malloc_user.cc with pkg-config's flags failed"
    "$cxx" -std=c++20 "${strict[@]}" -DCONSUMER_MALLOC=2 "$project/heap_user.cc" \
      -o "$work/heap_user" "${flags[@]}" -ldl ||
      fail "compiling heap_user.cc (tessera.hpp) with pkg-config's flags failed"
    run_program "pkg-config: ts_api" "$work/ts_api"
    run_program "pkg-config: malloc_user" "$work/malloc_user"
    run_program "pkg-config: heap_user" "$work/heap_user"
    ;;

  *)
    fail "unknown mode (install, find_package or pkg-config)"
    ;;
esac
