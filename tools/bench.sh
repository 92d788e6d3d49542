#!/bin/sh
# bench.sh: `make bench`. Builds each kernel design listed in tools/bench.py
# (eager copy, copy-on-write, ...) side by side, runs forkbench on each and
# writes bench-results/fork.csv and fork.png; see tools/bench.py.
# Every kernel is built optimised (KOPT=-O2, unless KOPT says otherwise): the
# default -Og build is for the debugger and measures about twice as slow
# (docs/debugging.md). CPUS=N boots N harts (default 3, as `make qemu`).
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 tools/bench.py --kopt="${KOPT:--O2}" --harts="${CPUS:-3}" ${BENCH:+--only="$BENCH"}
