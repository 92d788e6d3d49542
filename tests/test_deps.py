"""
test_deps.py: tools/deps.sh asks each make goal only for the tools it needs,
accepts every toolchain prefix the Makefile accepts, and when something is
missing names the command or file it looked for and the Debian package, never
running apt-get unless it is root and allowed to (issue 11).

Host only: deps.sh and make run with PATH set to a directory holding just the
tools a test grants, real ones as symlinks and fake ones as small scripts.
"""
import shutil
import subprocess

import pytest

from conftest import REPO

DEPS = REPO / "tools" / "deps.sh"
TIMEOUT = 60
OTHER_PREFIX = "riscv64-unknown-elf-"       # a non-Debian toolchain
EVERY_GCC = ["riscv64-linux-gnu-gcc", "riscv64-unknown-elf-gcc", "riscv64-elf-gcc"]
# Basic commands make's recipes and the Makefile's $(shell ...) calls use.
BASICS = ["gcc", "make", "expr", "awk", "cat", "echo", "mv", "rm"]


class FakeBin:
    """A directory to use as the whole PATH, with the tools a test grants."""

    def __init__(self, path):
        self.path = path
        self.path.mkdir()
        self.apt_log = path / "apt-get.log"

    def real(self, *names):
        for name in names:
            found = shutil.which(name)
            if found is None:
                pytest.skip(f"{name} is not installed on this host")
            (self.path / name).symlink_to(found)
        return self

    def script(self, name, body):
        target = self.path / name
        target.write_text("#!/bin/sh\n" + body + "\n")
        target.chmod(0o755)
        return self

    def uid(self, number):
        return self.script("id", f"echo {number}")

    def apt_get(self, status):
        """A fake apt-get that logs its arguments and exits with status."""
        return self.script("apt-get", f'echo "$*" >> "{self.apt_log}"\nexit {status}')

    def apt_calls(self):
        return self.apt_log.read_text().splitlines() if self.apt_log.exists() else []

    def env(self, **extra):
        return {"PATH": str(self.path), "HOME": str(self.path), **extra}


@pytest.fixture
def fakebin(tmp_path):
    return FakeBin(tmp_path / "bin")


def deps(fakebin, *args, **env):
    return subprocess.run(["/bin/sh", str(DEPS), *args], capture_output=True, text=True,
                          env=fakebin.env(**env), timeout=TIMEOUT)


def assert_mentions(out, *parts):
    for part in parts:
        assert part in out.stderr, f"expected {part!r} in deps.sh's message, saw:\n{out.stderr}"


def test_build_need_accepts_a_non_debian_prefix(fakebin):
    fakebin.real("gcc", "make").script(OTHER_PREFIX + "gcc", "exit 0").uid(0).apt_get(0)
    out = deps(fakebin, "install", "build")
    assert out.returncode == 0, f"expected the build need met by {OTHER_PREFIX}gcc, saw:\n{out.stderr}"
    assert fakebin.apt_calls() == [], f"nothing was missing, yet apt-get ran: {fakebin.apt_calls()}"
    prefix = deps(fakebin, "toolprefix")
    assert prefix.stdout.strip() == OTHER_PREFIX, f"expected prefix {OTHER_PREFIX}, saw {prefix.stdout!r}"


def test_qemu_need_names_qemu_and_its_package(fakebin):
    fakebin.real("gcc", "make").script(OTHER_PREFIX + "gcc", "exit 0").uid(0).apt_get(0)
    out = deps(fakebin, "install", "qemu", DEPS_NO_INSTALL="1")
    assert out.returncode != 0, "expected the qemu need to fail with no qemu-system-riscv64 on PATH"
    assert_mentions(out, "qemu-system-riscv64", "qemu-system-misc",
                    "apt-get install -y qemu-system-misc")
    assert "gcc-riscv64-linux-gnu" not in out.stderr, \
        f"the toolchain is there, yet deps.sh asks for its package:\n{out.stderr}"
    assert fakebin.apt_calls() == [], f"DEPS_NO_INSTALL=1, yet apt-get ran: {fakebin.apt_calls()}"


def test_non_root_never_calls_apt(fakebin):
    fakebin.real("gcc", "make").uid(1000).apt_get(0)
    out = deps(fakebin, "install", "build")
    assert out.returncode != 0, "expected the build need to fail with no RISC-V gcc on PATH"
    assert fakebin.apt_calls() == [], f"not root, yet apt-get ran: {fakebin.apt_calls()}"
    assert_mentions(out, *EVERY_GCC, "gcc-riscv64-linux-gnu",
                    "apt-get install -y gcc-riscv64-linux-gnu")


def test_root_reports_what_a_failed_apt_left_missing(fakebin):
    fakebin.real("gcc", "make").script(OTHER_PREFIX + "gcc", "exit 0").uid(0).apt_get(100)
    out = deps(fakebin, "install", "qemu")
    assert out.returncode != 0, "expected failure when apt-get fails"
    assert fakebin.apt_calls(), "expected deps.sh, as root, to try apt-get"
    assert_mentions(out, "apt-get failed", "qemu-system-riscv64", "qemu-system-misc")


def test_toolprefix_from_the_environment_is_the_only_one_checked(fakebin):
    fakebin.real("gcc", "make").script(OTHER_PREFIX + "gcc", "exit 0").uid(1000)
    out = deps(fakebin, "install", "build", TOOLPREFIX="riscv64-elf-")
    assert out.returncode != 0, "expected TOOLPREFIX=riscv64-elf- to fail with only riscv64-unknown-elf-gcc"
    assert_mentions(out, "riscv64-elf-gcc")


def test_install_with_no_need_covers_a_full_make_test(fakebin):
    fakebin.uid(1000)
    out = deps(fakebin, "install")
    assert out.returncode != 0, "expected failure with an empty PATH"
    # pytest and cmocka are found by file or by /usr/bin/python3, not on PATH,
    # so only the PATH-based tools are sure to be reported missing here.
    assert_mentions(out, "gcc-riscv64-linux-gnu", "qemu-system-misc", "gdb-multiarch",
                    " gcc ", " make")
    table = DEPS.read_text()
    for package in ("python3-pytest", "python3-pytest-timeout", "libcmocka-dev"):
        assert f" {package}\n" in table, f"expected deps.sh's table to list {package}"


# ---- the Makefile: one prefix list, and each goal checks its own needs ----

@pytest.fixture
def makefile_dir(tmp_path):
    """A directory with just the Makefile and the scripts it runs when parsed."""
    root = tmp_path / "tree"
    for name in ("Makefile", "tools/deps.sh", "tools/gen-usys.sh", "kernel/syscall.h"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, root / name)
    (root / "user").mkdir()
    return root


def make(fakebin, cwd, *args, **env):
    return subprocess.run(["make", *args], cwd=cwd, capture_output=True, text=True,
                          env=fakebin.env(**env), timeout=TIMEOUT)


def test_makefile_takes_its_prefix_from_deps(fakebin, makefile_dir):
    fakebin.real(*BASICS).script(OTHER_PREFIX + "gcc", "exit 0").uid(1000)
    out = make(fakebin, makefile_dir, "-s", "print-CC")
    assert out.stdout.strip() == OTHER_PREFIX + "gcc", \
        f"expected CC {OTHER_PREFIX}gcc, saw {out.stdout!r}\n{out.stderr}"


def test_make_build_goal_needs_no_qemu(fakebin, makefile_dir):
    fakebin.real(*BASICS).script(OTHER_PREFIX + "gcc", "exit 0").uid(1000)
    out = make(fakebin, makefile_dir, "user/usys.S")
    assert out.returncode == 0, f"expected make user/usys.S to run without QEMU, saw:\n{out.stderr}"


def test_make_qemu_names_the_missing_qemu(fakebin, makefile_dir):
    fakebin.real(*BASICS).script(OTHER_PREFIX + "gcc", "exit 0").uid(1000).apt_get(0)
    out = make(fakebin, makefile_dir, "-n", "qemu")
    assert out.returncode != 0, "expected make qemu to stop with no qemu-system-riscv64"
    assert_mentions(out, "qemu-system-riscv64", "qemu-system-misc", "required tools are missing")
    assert fakebin.apt_calls() == [], f"not root, yet apt-get ran: {fakebin.apt_calls()}"
