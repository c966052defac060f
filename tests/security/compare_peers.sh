#!/usr/bin/env bash
# compare_peers.sh — runs error_program once per error under each allocator and prints a
# Markdown table: detected (the allocator named the error and stopped or reported it), silent
# (exit 0, nothing said), crash (killed by a signal without a diagnosis from the allocator),
# n/a (the allocator has no free_sized).
#
#   compare_peers.sh ERROR_PROGRAM NAME=LIB...   (LIB: a library to preload, or "none")
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ERROR_PROGRAM NAME=LIB..." >&2; exit 2; }
program=$1; shift
kinds="double_free never_allocated stack_free interior_free overflow_1 overflow_64 underflow
       write_after_free realloc_freed sized_free_wrong"

printf '| error |'; for a in "$@"; do printf ' %s |' "${a%%=*}"; done; echo
printf '|---|'; for _ in "$@"; do printf -- '---|'; done; echo
for k in $kinds; do
  printf '| %s |' "$k"
  for a in "$@"; do
    lib=${a#*=}
    env=()
    [ "$lib" != none ] && env=(LD_PRELOAD="$lib")
    err=$(env "${env[@]}" "$program" "$k" 2>&1 >/dev/null)
    rc=$?
    # An allocator's own diagnosis: glibc "free(): …", jemalloc "<jemalloc>: …", mimalloc
    # "mimalloc: error: …", tessera "tessera: error: …".
    said=$(grep -cE 'tessera: error|mimalloc: error|<jemalloc>|free\(\)|malloc\(\)|realloc\(\)|double free|corrupt' <<<"$err")
    if [ $rc -eq 3 ]; then r=n/a  # the allocator has no free_sized
    elif [ "$said" -gt 0 ]; then r=detected
    elif [ $rc -eq 0 ]; then r=silent
    else r="crash"
    fi
    printf ' %s |' "$r"
  done
  echo
done
