#!/bin/sh
# bench.sh: `make bench`. Builds each kernel design listed in tools/bench.py
# (eager copy, copy-on-write, ...) side by side, at both compiler settings
# (-Og, the default build users run, and -O2), runs the benchmarks on each and
# writes bench-results/ (fork.txt, fork.csv, fork.png, ...); see tools/bench.py.
# KOPT=FLAGS builds at that setting only. CPUS=N boots N harts (default 3, as
# `make qemu`). BENCH=fork|io|copy|big|append runs one part only.
set -eu
cd "$(dirname "$0")/.."
# The plot is the one optional piece: gnuplot is installed (without its
# recommended packages) when it can be; when it cannot, the reason goes to
# bench.py, which prints it once, where the plot would have been announced.
if ! tools/deps.sh check plot; then
  why=$(tools/deps.sh optional plot) || export BENCH_NO_PLOT="$why"
fi
# make bench exports PYTHON; run by hand, ask deps.sh (which holds its one definition)
exec "${PYTHON:-$(tools/deps.sh python)}" tools/bench.py ${KOPT:+--kopt="$KOPT"} --harts="${CPUS:-3}" ${BENCH:+--only="$BENCH"}
