#!/bin/sh
# bench.sh: build the eager-copy and the copy-on-write kernel, run forkbench on
# each in one go, and print the two side by side with their ratios.
# Both are built optimised (KOPT=-O2, unless KOPT says otherwise): the default
# -Og build is for the debugger and measures about twice as slow (docs/debugging.md).
set -eu
out=bench-results
kopt=${KOPT:--O2}
mkdir -p "$out"
make -s COW=0 KOPT="$kopt" kernel/kernel && cp kernel/kernel "$out/kernel-eager"
make -s COW=1 KOPT="$kopt" all && cp kernel/kernel "$out/kernel-cow"
exec /usr/bin/python3 tools/bench.py "$out/kernel-eager" "$out/kernel-cow" "${CPUS:-1}"
