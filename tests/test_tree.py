"""
test_tree.py: the tree and the build stay tidy (issue 19): cowtest and
usertests share their helpers through user/testlib.h instead of copying them;
xv6's forwarding headers at kernel/ only forward and say so; the Python
interpreter's path is written once; a clean build prints no warning; and
`make help` names every target and switch. No QEMU needed.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO

USER = REPO / "user"
MAKE_TIMEOUT = 60
BUILD_TIMEOUT = 600         # a full build in a copy of the tree
# xv6's header paths whose files here only include the real module headers.
FORWARDING_HEADERS = ["buf.h", "defs.h", "file.h", "proc.h", "spinlock.h", "sleeplock.h", "virtio.h"]
FORWARDING_FIRST_LINE = re.compile(r"^/\* (\w+\.h): xv6-compatibility forwarding header: only includes .+ \*/$")
PYTHON_PATH = "/usr/bin/python" + "3"        # split, so this file holds no copy of it
PYTHON_DEFINITION = "tools/deps.sh"          # the one file allowed to name it
# .PHONY targets `make help` need not name: rules other targets use, not for typing.
INTERNAL_TARGETS = {"check-cpus", "FORCE"}
# What user/testlib.h holds for both programs, as a definition would begin.
SHARED_DEFINITIONS = {
    "FAIL": re.compile(r"^#define FAIL\b", re.M),
    "KILLED": re.compile(r"^#define KILLED\b", re.M),
    "REAP_TICKS": re.compile(r"^#define REAP_TICKS\b", re.M),
    "reap": re.compile(r"^reap\(", re.M),
    "expect_status": re.compile(r"^expect_status\(", re.M),
    "guard_page": re.compile(r"^guard_page\(", re.M),
    "make_pipe": re.compile(r"^make_pipe\(", re.M),
    "claim_image_pages": re.compile(r"^claim_image_pages\(", re.M),
    "test_name": re.compile(r"^static const char \*test_name\b", re.M),
}


def test_cowtest_and_usertests_share_their_helpers_through_testlib():
    shared = (USER / "testlib.h").read_text()
    for name, definition in SHARED_DEFINITIONS.items():
        assert definition.search(shared), f"expected user/testlib.h to define {name}"
    for program in ("cowtest.c", "usertests.c"):
        text = (USER / program).read_text()
        assert '#include "user/testlib.h"' in text, f"expected user/{program} to include user/testlib.h"
        copied = [name for name, definition in SHARED_DEFINITIONS.items() if definition.search(text)]
        assert not copied, f"user/{program} defines its own {copied}: use user/testlib.h's"


def test_forwarding_headers_only_forward_and_say_so():
    for name in FORWARDING_HEADERS:
        text = (REPO / "kernel" / name).read_text()
        first = text.splitlines()[0]
        found = FORWARDING_FIRST_LINE.match(first)
        assert found and found.group(1) == name, \
            f"expected kernel/{name}'s first line to say it is an xv6-compatibility forwarding header, saw {first!r}"
        code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        guard = f"KERNEL_{name[:-2].upper()}_H"
        allowed = {f"#ifndef {guard}", f"#define {guard}", "#endif"}
        others = [line for line in code.splitlines()
                  if line.strip() and line not in allowed and not re.match(r'#include "kernel/\w+/\w+\.h"$', line)]
        assert not others, f"kernel/{name} should hold only its comment, guard and includes; also has {others}"


def test_kernel_never_includes_the_forwarding_headers():
    pattern = re.compile(r'#include "kernel/(' + "|".join(re.escape(h) for h in FORWARDING_HEADERS) + ')"')
    users = [str(p.relative_to(REPO)) for p in sorted((REPO / "kernel").rglob("*.[ch]"))
             if p.parent != REPO / "kernel" and pattern.search(p.read_text())]
    assert not users, f"kernel code includes an xv6 forwarding header instead of the module's own: {users}"


def test_python_interpreter_path_is_written_once():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    names = [n for n in listed.stdout.decode().split("\0") if n and (REPO / n).is_file()]
    holders = [n for n in names if PYTHON_PATH in (REPO / n).read_text(errors="replace")]
    assert holders == [PYTHON_DEFINITION], \
        f"expected {PYTHON_PATH} only in {PYTHON_DEFINITION} (deps.sh python prints it), found it in {holders}"
    printed = subprocess.run([str(REPO / PYTHON_DEFINITION), "python"], capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "PYTHON"}, timeout=MAKE_TIMEOUT)
    assert printed.stdout.strip() == PYTHON_PATH, f"expected deps.sh python to print {PYTHON_PATH}, saw {printed.stdout!r}"


def make_output(*args):
    out = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                         timeout=MAKE_TIMEOUT)
    assert out.returncode == 0, f"make {' '.join(args)} failed:\n{out.stderr}"
    return out.stdout


def test_help_names_every_target_and_switch():
    makefile = (REPO / "Makefile").read_text()
    help_text = make_output("help")
    phony = re.search(r"^\.PHONY:((?:.*\\\n)*.*)$", makefile, re.M)
    assert phony, "expected a .PHONY line in the Makefile"
    targets = phony.group(1).replace("\\\n", " ").split()
    deps_needs = make_output("-s", "print-DEPS_NEEDS").split()
    targets = [t for t in targets if "$" not in t] + [f"deps-{need}" for need in deps_needs]
    switches = re.findall(r"^(\w+)\s*\?=", makefile, re.M)
    assert switches, "expected `NAME ?= value` switches in the Makefile"
    words = set(re.findall(r"[\w-]+", help_text))
    missing = [t for t in targets if t not in INTERNAL_TARGETS and t not in words
               and not (t.startswith("deps-") and "deps-NEED" in help_text and t[5:] in words)]
    missing += [f"{s}=" for s in switches if f"{s}=" not in help_text]
    missing += [f"print-VAR"] if "print-VAR" not in help_text else []
    missing += [f"COW={n}" for n in (0, 1, 2) if f"COW={n}" not in help_text]
    assert not missing, f"make help does not name {missing}:\n{help_text}"


def tracked_copy(dest):
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)


@pytest.mark.timeout(BUILD_TIMEOUT + 60)
def test_a_clean_build_prints_no_warning(tmp_path):
    tree = tmp_path / "tree"
    tracked_copy(tree)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    build = subprocess.run(["make", f"-j{os.cpu_count() or 1}", "all"], cwd=tree, capture_output=True,
                           text=True, env=env, timeout=BUILD_TIMEOUT)
    assert build.returncode == 0, f"make all failed in a clean copy:\n{build.stderr[-3000:]}"
    warnings = [line for line in (build.stdout + build.stderr).splitlines() if "warning:" in line]
    assert not warnings, "a clean build printed warnings:\n" + "\n".join(warnings)
