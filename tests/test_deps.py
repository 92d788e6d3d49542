"""
test_deps.py: tools/deps.sh asks each make goal only for the tools it needs,
accepts every toolchain prefix the Makefile accepts, and when something is
missing names the command or file it looked for and the Debian package, never
running apt-get unless it is root and allowed to (issue 11).

Host only: deps.sh and make run with PATH set to a directory holding just the
tools a test grants, real ones as symlinks and fake ones as small scripts.
"""
import fcntl
import os
import shutil
import subprocess
import time

import pytest

from conftest import REPO

DEPS = REPO / "tools" / "deps.sh"
TIMEOUT = 60
LOCK_WAIT_TIMEOUT = 30                      # seconds for deps.sh to reach its lock
POLL_SECONDS = 0.05
OTHER_PREFIX = "riscv64-unknown-elf-"       # a non-Debian toolchain
EVERY_GCC = ["riscv64-linux-gnu-gcc", "riscv64-unknown-elf-gcc", "riscv64-elf-gcc"]
# Basic commands make's recipes and the Makefile's $(shell ...) calls use.
BASICS = ["gcc", "make", "expr", "awk", "cat", "echo", "mv", "rm", "sed"]


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
        return {"PATH": str(self.path), "HOME": str(self.path),
                "DEPS_LOCK": str(self.path / "deps.lock"), **extra}

    def riscv_gcc_script(self):
        """The body of a fake riscv64-linux-gnu-gcc: logs its call, creates its -o file."""
        return (f'echo "$0 $*" >> "{self.path / "gcc.log"}"\n'
                'out=; prev=; for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done\n'
                '[ -n "$out" ] && : > "$out"')

    def gcc_calls(self):
        log = self.path / "gcc.log"
        return log.read_text().splitlines() if log.exists() else []


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
    # pytest and cmocka are found by file or by `deps.sh python`, not on PATH,
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
    for name in ("Makefile", "tools/deps.sh", "tools/gen-usys.sh", "tools/gdbinit.tmpl", "kernel/syscall.h",
                 "kernel/param.h"):
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


# ---- installing happens in the targets that need it, never while parsing ----

@pytest.mark.parametrize("goal", [["help"], ["clean"], ["-s", "print-CC"], ["-s", "print-PYTHON"], ["gdb"]])
def test_goals_that_need_nothing_install_nothing(fakebin, makefile_dir, goal):
    # Root, nothing installed and an apt-get that would succeed: any install would show in its log.
    fakebin.real(*BASICS, "cmp").uid(0).apt_get(0)
    out = make(fakebin, makefile_dir, *goal)
    assert fakebin.apt_calls() == [], f"make {' '.join(goal)} ran apt-get: {fakebin.apt_calls()}\n{out.stderr}"
    if goal[-1] != "gdb":    # there is no gdb to run here; it only must not install one
        assert out.returncode == 0, f"expected make {' '.join(goal)} to work with no RISC-V tools:\n{out.stderr}"


def test_a_fresh_machine_installs_the_compiler_then_compiles_with_it(fakebin, makefile_dir):
    # apt-get "installs" gcc-riscv64-linux-gnu by creating it: the prefix must be found after that.
    compiler = fakebin.path / "riscv64-linux-gnu-gcc"
    fakebin.real(*BASICS, "touch", "flock", "chmod").uid(0).script("apt-get", f"""echo "$*" >> "{fakebin.apt_log}"
case "$*" in *install*gcc-riscv64-linux-gnu*)
  cat > "{compiler}" <<'FAKE'
#!/bin/sh
{fakebin.riscv_gcc_script()}
FAKE
  chmod +x "{compiler}" ;;
esac""")
    source = makefile_dir / "kernel" / "lib" / "probe.c"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("int probe;\n")
    out = make(fakebin, makefile_dir, "kernel/lib/probe.o")
    assert out.returncode == 0, f"expected make to install the compiler, then compile:\n{out.stderr}"
    assert any("gcc-riscv64-linux-gnu" in call for call in fakebin.apt_calls()), \
        f"expected apt-get to install gcc-riscv64-linux-gnu, saw {fakebin.apt_calls()}"
    compiled = [call for call in fakebin.gcc_calls() if "kernel/lib/probe.c" in call]
    assert compiled and compiled[0].split()[0] == str(compiler), \
        f"expected the freshly installed {compiler.name} to compile probe.c, saw {fakebin.gcc_calls()}"


def test_dry_run_reports_but_never_installs(fakebin, makefile_dir):
    fakebin.real(*BASICS, "touch", "flock").uid(0).apt_get(0)
    out = make(fakebin, makefile_dir, "-n", "qemu")
    assert out.returncode != 0, "expected make -n qemu to stop: nothing is installed"
    assert_mentions(out, "qemu-system-riscv64", "required tools are missing")
    assert fakebin.apt_calls() == [], f"make -n ran apt-get: {fakebin.apt_calls()}"


def test_apt_get_runs_under_the_lock(fakebin):
    # The fake apt-get tries the lock itself: it gets it only if deps.sh does not hold it.
    lock = fakebin.path / "deps.lock"
    fakebin.real("gcc", "make", "touch", "flock").uid(0).script(
        "apt-get", f'echo "$*" >> "{fakebin.apt_log}"\n'
                   f'flock -n "{lock}" true && echo UNLOCKED >> "{fakebin.apt_log}"\nexit 0')
    deps(fakebin, "install", "build")
    calls = fakebin.apt_calls()
    assert calls, "expected deps.sh, as root, to run apt-get"
    assert "UNLOCKED" not in calls, f"apt-get ran while deps.sh did not hold {lock}: {calls}"


def lock_waiters(path):
    """How many processes wait for a lock on path (the '->' lines of /proc/locks)."""
    inode = os.stat(path).st_ino
    lines = open("/proc/locks").read().splitlines()
    return sum(1 for line in lines if "->" in line and line.split()[-3].endswith(f":{inode}"))


def test_a_waiting_install_looks_again_before_running_apt(fakebin):
    # We hold the lock as another install would; while deps.sh waits for it,
    # the tool it lacked appears; once we let go it must find nothing to do.
    fakebin.real("gcc", "make", "touch", "flock").uid(0).apt_get(0)
    lock = fakebin.path / "deps.lock"
    lock.touch()
    with open(lock) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting = subprocess.Popen(["/bin/sh", str(DEPS), "install", "build"], env=fakebin.env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
        while lock_waiters(lock) == 0 and waiting.poll() is None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        assert waiting.poll() is None and lock_waiters(lock) > 0, \
            "expected deps.sh, missing a RISC-V gcc, to wait for the held lock"
        fakebin.script("riscv64-linux-gnu-gcc", "exit 0")
    _, err = waiting.communicate(timeout=TIMEOUT)
    assert waiting.returncode == 0, f"expected the install to succeed once the compiler appeared:\n{err}"
    assert fakebin.apt_calls() == [], f"the compiler appeared while deps.sh waited, yet apt-get ran: {fakebin.apt_calls()}"
