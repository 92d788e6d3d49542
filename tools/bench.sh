#!/bin/sh
# bench.sh: build the eager-copy and the copy-on-write kernel, run forkbench on
# each in one go, and print the two side by side with their ratios.
set -eu
out=bench-results
mkdir -p "$out"
make -s COW=0 kernel/kernel && cp kernel/kernel "$out/kernel-eager"
make -s COW=1 all && cp kernel/kernel "$out/kernel-cow"
exec /usr/bin/python3 tools/bench.py "$out/kernel-eager" "$out/kernel-cow" "${CPUS:-1}"
