#!/bin/sh
# deps.sh: make sure the tools a make goal needs are present; on Debian, install them.
#   deps.sh check [NEED...]     exit 0 when every tool the needs call for is there (silent)
#   deps.sh install [NEED...]   the same, but install what is missing with apt-get when
#                               root; otherwise (or when apt-get fails) print each missing
#                               piece, its Debian package and the apt-get command, exit 1
#   deps.sh optional NEED...    for tools a goal can do without (the plot of make bench):
#                               install what is missing when root and allowed, saying
#                               first what and why; when it cannot, print one line on
#                               stdout saying why not and exit 1, with no other output
#   deps.sh toolprefix          print the RISC-V toolchain prefix (the Makefile's TOOLPREFIX)
#   deps.sh python              print the Python interpreter the tests and benchmarks run with
# A NEED is what a goal does (the Makefile picks them from its goals):
#   build   compile: a RISC-V gcc with any prefix below, host gcc, make
#   qemu    build, and boot it: qemu-system-riscv64
#   unit    host unit tests: host gcc, make, cmocka headers
#   bench   qemu, $PYTHON with pytest (tools/bench.py uses tests/conftest.py)
#   plot    gnuplot, for make bench's plot (optional: tools/bench.sh asks with `optional`)
#   test    everything `make test` runs: qemu, unit, gdb-multiarch, pytest, pytest-timeout
# With no NEED: test, the whole list (what .ci/run installs on a fresh Debian 12).
# Environment:
#   TOOLPREFIX=p-      look only for p-gcc, not for the first of the prefixes below
#   DEPS_NO_INSTALL=1  never run apt-get, even as root; report what is missing instead
#   PYTHON=path        the interpreter to check for pytest and to print (default below)
#   DEPS_LOCK=file     the lock that keeps two installs from running apt-get at once
set -u

# The toolchain prefixes the build accepts, in order of preference. The
# Makefile asks `deps.sh toolprefix`, so this list is the only one.
PREFIXES="riscv64-linux-gnu- riscv64-unknown-elf- riscv64-elf-"
# The Python interpreter of the tests and benchmarks: the tree's only copy of
# its path. The Makefile (PYTHON, exported to its recipes), tools/bench.sh and
# the tests ask `deps.sh python` or read the PYTHON the Makefile exports.
# Debian's own python3, so that apt-get's python3-pytest is the one it imports.
PYTHON=${PYTHON:-/usr/bin/python3}
DEPS_LOCK=${DEPS_LOCK:-/tmp/riscv-kernel-deps.lock}

# One tool a line: the needs it serves, its probe, the Debian package providing it,
# and optionally "lean": install that package without its recommended packages
# (gnuplot-nox recommends a desktop's worth: ImageMagick, Ghostscript, fonts).
# A probe is a command on PATH, an absolute file name, py:MODULE (importable by
# $PYTHON), or riscv-gcc (a gcc with one of the prefixes above, or TOOLPREFIX's).
TOOLS="
build,qemu,bench,test       riscv-gcc               gcc-riscv64-linux-gnu
build,qemu,bench,unit,test  gcc                     gcc
build,qemu,bench,unit,test  make                    make
qemu,bench,test             qemu-system-riscv64     qemu-system-misc
test                        gdb-multiarch           gdb-multiarch
bench,test                  py:pytest               python3-pytest
plot                        gnuplot                 gnuplot-nox             lean
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
# $packages (installed with recommended packages) and $lean_packages (without)
# to those packages, each once.
find_missing() {
  missing=""
  packages=""
  lean_packages=""
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
        if [ "${4:-}" = lean ]; then
          case " $lean_packages " in *" $3 "*) ;; *) lean_packages="$lean_packages $3" ;; esac
        else
          case " $packages " in *" $3 "*) ;; *) packages="$packages $3" ;; esac
        fi
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
  command="apt-get update"
  [ -n "$packages" ] && command="$command && DEBIAN_FRONTEND=noninteractive apt-get install -y$packages"
  [ -n "$lean_packages" ] &&
    command="$command && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$lean_packages"
  echo "$command"
}

# What the tools of the needs in $WANTED are for, in words, for the line before installing.
purpose() {
  case " $WANTED " in
    *" plot "*) echo "to draw bench-results/fork.png" ;;
    *) echo "for: $WANTED" ;;
  esac
}

# Runs apt-get update, then installs $packages and $lean_packages; sets $status.
# Two makes (make -j's deps-build and deps-test, or two terminals) may both
# find tools missing: apt-get refuses to run twice at once, so the second
# waits on DEPS_LOCK, then looks again and installs only what is still missing.
# (Without flock, or a lock file we may write, it goes on unlocked.)
apt_install() {
  status=0
  if command -v flock >/dev/null 2>&1 && touch "$DEPS_LOCK" 2>/dev/null; then
    exec 9>>"$DEPS_LOCK"
    flock 9
    find_missing
    [ -n "$missing" ] && apt_install_now
    exec 9>&-
  else
    apt_install_now
  fi
}

# apt_install's work, under its lock.
apt_install_now() {
  apt-get update >&2 || status=$?
  if [ $status -eq 0 ] && [ -n "$packages" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y $packages >&2 || status=$?
  fi
  if [ $status -eq 0 ] && [ -n "$lean_packages" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $lean_packages >&2 ||
      status=$?
  fi
}

action=${1:-check}
[ $# -gt 0 ] && shift
WANTED=${*:-test}

for need in $WANTED; do
  case "$need" in
    build|qemu|unit|bench|plot|test) ;;
    *) echo "deps.sh: unknown need '$need' (build, qemu, unit, bench, plot or test)" >&2; exit 2 ;;
  esac
done

case "$action" in
  toolprefix)
    toolprefix
    exit ;;
  python)
    echo "$PYTHON"
    exit 0 ;;
  check|install|optional) ;;
  *) echo "usage: deps.sh check|install|optional [NEED...] | deps.sh toolprefix | deps.sh python" >&2; exit 2 ;;
esac

find_missing
[ -z "$missing" ] && exit 0
[ "$action" = check ] && exit 1

# An optional tool: the goal goes on without it, so a refusal is one line (on
# stdout, for the caller to print where it fits), not the report below.
if [ "$action" = optional ]; then
  all="$packages$lean_packages"
  if [ "${DEPS_NO_INSTALL:-0}" = 1 ]; then
    echo "not installed:$all (DEPS_NO_INSTALL=1 forbids installing it)"
    exit 1
  fi
  if [ "$(id -u 2>/dev/null)" != 0 ]; then
    echo "not installed:$all (installing needs root: $(apt_command))"
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "not installed:$all (no apt-get on this system to install it)"
    exit 1
  fi
  if [ -n "$lean_packages" ]; then
    echo "deps.sh: installing$lean_packages (without recommended packages) $(purpose)" >&2
  fi
  if [ -n "$packages" ]; then
    echo "deps.sh: installing$packages $(purpose)" >&2
  fi
  apt_install
  find_missing
  [ -z "$missing" ] && exit 0
  if [ $status -ne 0 ]; then
    echo "not installed:$all (apt-get failed with status $status: no network, or no such package?)"
  else
    first=${missing# }
    first=${first%% *}
    echo "not installed:$all (apt-get ran, yet there is no $(probe_words "${first%%=*}"))"
  fi
  exit 1
fi

if [ "${DEPS_NO_INSTALL:-0}" = 1 ] || [ "$(id -u 2>/dev/null)" != 0 ]; then
  report_missing
  echo "deps.sh: nothing was installed (not root, or DEPS_NO_INSTALL=1). As root, run:" >&2
  echo "  $(apt_command)" >&2
  exit 1
fi

echo "deps.sh: installing:$packages$lean_packages" >&2
apt_install
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
