#!/bin/sh
# deps.sh: make sure the tools the build, QEMU and the tests need are present.
#   deps.sh check    exit 0 when everything is installed
#   deps.sh install  install what is missing with apt-get (root), or print the command
set -u

# command-or-file that proves a package is there, and the Debian package providing it
NEEDS="
riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu
qemu-system-riscv64:qemu-system-misc
gdb-multiarch:gdb-multiarch
/usr/lib/python3/dist-packages/pytest:python3-pytest
/usr/lib/python3/dist-packages/pytest_timeout.py:python3-pytest-timeout
/usr/include/cmocka.h:libcmocka-dev
gcc:gcc
make:make
"

missing=""
for item in $NEEDS; do
  probe=${item%%:*}
  pkg=${item#*:}
  case "$probe" in
    /*) [ -e "$probe" ] || missing="$missing $pkg" ;;
    *)  command -v "$probe" >/dev/null 2>&1 || missing="$missing $pkg" ;;
  esac
done

[ -z "$missing" ] && exit 0
[ "${1:-check}" = check ] && exit 1

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages:$missing" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
echo "installing:$missing" >&2
sh -c "$cmd" >&2 || { echo "deps.sh: apt-get failed" >&2; exit 1; }
