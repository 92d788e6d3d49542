#!/bin/sh
# deps.sh: make sure the tools a make goal needs are present; on Debian, install them.
#   deps.sh check [NEED...]     exit 0 when every tool the needs call for is there (silent)
#   deps.sh install [NEED...]   the same, but install what is missing with apt-get when
#                               root; otherwise (or when apt-get fails) print each missing
#                               piece, its Debian package and the apt-get command, exit 1
#   deps.sh toolprefix          print the RISC-V toolchain prefix (the Makefile's TOOLPREFIX)
# A NEED is what a goal does (the Makefile picks them from its goals):
#   build   compile: a RISC-V gcc with any prefix below, host gcc, make
#   qemu    build, and boot it: qemu-system-riscv64
#   unit    host unit tests: host gcc, make, cmocka headers
#   bench   qemu, /usr/bin/python3 with pytest (tools/bench.py uses tests/conftest.py),
#           and gnuplot for the plot
#   test    everything `make test` runs: qemu, unit, gdb-multiarch, pytest, pytest-timeout
# With no NEED: test, the whole list (what .ci/run installs on a fresh Debian 12).
# Environment:
#   TOOLPREFIX=p-      look only for p-gcc, not for the first of the prefixes below
#   DEPS_NO_INSTALL=1  never run apt-get, even as root; report what is missing instead
set -u

# The toolchain prefixes the build accepts, in order of preference. The
# Makefile asks `deps.sh toolprefix`, so this list is the only one.
PREFIXES="riscv64-linux-gnu- riscv64-unknown-elf- riscv64-elf-"
PYTHON=/usr/bin/python3        # the interpreter the Makefile runs the tests with

# One tool a line: the needs it serves, its probe, the Debian package providing it.
# A probe is a command on PATH, an absolute file name, py:MODULE (importable by
# $PYTHON), or riscv-gcc (a gcc with one of the prefixes above, or TOOLPREFIX's).
TOOLS="
build,qemu,bench,test       riscv-gcc               gcc-riscv64-linux-gnu
build,qemu,bench,unit,test  gcc                     gcc
build,qemu,bench,unit,test  make                    make
qemu,bench,test             qemu-system-riscv64     qemu-system-misc
test                        gdb-multiarch           gdb-multiarch
bench,test                  py:pytest               python3-pytest
bench                       gnuplot                 gnuplot-nox
test                        py:pytest_timeout       python3-pytest-timeout
unit,test                   /usr/include/cmocka.h   libcmocka-dev
"

# Prints the prefix whose gcc is on PATH (TOOLPREFIX's only, when set); fails if none.
toolprefix() {
  if [ -n "${TOOLPREFIX:-}" ]; then
    command -v "${TOOLPREFIX}gcc" >/dev/null 2>&1 && echo "$TOOLPREFIX"
    return
  fi
  for prefix in $PREFIXES; do
    if command -v "${prefix}gcc" >/dev/null 2>&1; then
      echo "$prefix"
      return 0
    fi
  done
  return 1
}

# True when probe $1 finds its tool.
probe_finds() {
  case "$1" in
    riscv-gcc) toolprefix >/dev/null ;;
    py:*) "$PYTHON" -c 'import importlib.util, sys
sys.exit(importlib.util.find_spec(sys.argv[1]) is None)' "${1#py:}" 2>/dev/null ;;
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

# What probe $1 looked for, in words, for the report.
probe_words() {
  case "$1" in
    riscv-gcc)
      if [ -n "${TOOLPREFIX:-}" ]; then
        echo "command ${TOOLPREFIX}gcc on PATH, as TOOLPREFIX=$TOOLPREFIX asks (the package gives riscv64-linux-gnu-gcc)"
      else
        echo "a RISC-V gcc on PATH: none of$(for p in $PREFIXES; do printf ' %sgcc' "$p"; done)"
      fi ;;
    py:*) echo "python module ${1#py:} for $PYTHON" ;;
    /*) echo "file $1" ;;
    *) echo "command $1 on PATH" ;;
  esac
}

# True when need $1 is one of the comma-separated list $2.
serves() {
  case ",$2," in *",$1,"*) return 0 ;; esac
  return 1
}

# Sets $missing to probe=package for each tool the needs in $WANTED lack, and
# $packages to those packages, each once.
find_missing() {
  missing=""
  packages=""
  saved_ifs=$IFS
  IFS='
'
  for line in $TOOLS; do
    IFS=$saved_ifs
    set -- $line
    for need in $WANTED; do
      serves "$need" "$1" || continue
      if ! probe_finds "$2"; then
        missing="$missing $2=$3"
        case " $packages " in *" $3 "*) ;; *) packages="$packages $3" ;; esac
      fi
      break
    done
  done
  IFS=$saved_ifs
}

# Prints, for each entry of $missing, what was looked for and the package providing it.
report_missing() {
  echo "deps.sh: missing (needed for: $WANTED):" >&2
  for entry in $missing; do
    echo "  $(probe_words "${entry%%=*}")  (Debian package ${entry#*=})" >&2
  done
}

apt_command() {
  echo "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$packages"
}

action=${1:-check}
[ $# -gt 0 ] && shift
WANTED=${*:-test}

for need in $WANTED; do
  case "$need" in
    build|qemu|unit|bench|test) ;;
    *) echo "deps.sh: unknown need '$need' (build, qemu, unit, bench or test)" >&2; exit 2 ;;
  esac
done

case "$action" in
  toolprefix)
    toolprefix
    exit ;;
  check|install) ;;
  *) echo "usage: deps.sh check|install [NEED...] | deps.sh toolprefix" >&2; exit 2 ;;
esac

find_missing
[ -z "$missing" ] && exit 0
[ "$action" = check ] && exit 1

if [ "${DEPS_NO_INSTALL:-0}" = 1 ] || [ "$(id -u 2>/dev/null)" != 0 ]; then
  report_missing
  echo "deps.sh: nothing was installed (not root, or DEPS_NO_INSTALL=1). As root, run:" >&2
  echo "  $(apt_command)" >&2
  exit 1
fi

echo "deps.sh: installing:$packages" >&2
apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y $packages >&2
status=$?
find_missing
[ -z "$missing" ] && exit 0
report_missing
if [ $status -ne 0 ]; then
  echo "deps.sh: apt-get failed (status $status); the command was:" >&2
else
  echo "deps.sh: apt-get installed the packages, but the tools above are still missing:" >&2
fi
echo "  $(apt_command)" >&2
exit 1
