"""
conftest.py: boots the kernel under QEMU for the tests and talks to its console.

Tests ask for the `boot` fixture (a factory: boot(harts=None) -> Machine) or
for `machine` (one booted Machine). A test that takes a `harts` argument is run
once per hart count in its @pytest.mark.harts(...) list, or only with the count
given by --cpus. Every QEMU is killed after its test, and the console transcript
is saved to tests/results/<test>.log.
"""
import codecs
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "tests" / "results"
KERNEL = REPO / "kernel" / "kernel"
FS_IMAGE = REPO / "fs.img"
# The interpreter the tests run with, as the Makefile exports it; run outside
# make, the one that tools/deps.sh (its only definition) names.
PYTHON = os.environ.get("PYTHON") or subprocess.run(
    [str(REPO / "tools" / "deps.sh"), "python"], capture_output=True, text=True, check=True).stdout.strip()


def c_define(header, name):
    """The integer value of `#define name N` in header (a path relative to the repository)."""
    found = re.search(rf"^#define\s+{re.escape(name)}\s+(\d+)\b", (REPO / header).read_text(), re.M)
    if found is None:
        raise LookupError(f"no `#define {name} <number>` in {header}")
    return int(found.group(1))


QEMU = "qemu-system-riscv64"
MEMORY = "128M"
DEFAULT_HARTS = 3
MAX_HARTS = c_define("kernel/param.h", "NCPU")

BOOT_BANNER = "init: starting sh"
PROMPT = "$ "
BOOT_TIMEOUT = 30            # seconds from QEMU start to the first prompt
COMMAND_TIMEOUT = 60         # default for one command line
ECHO_TIMEOUT = 10            # for the console to echo what we typed
PANIC_LINE_GRACE = 2         # to let the rest of a panic message arrive
STOP_TIMEOUT = 10            # for QEMU to die after SIGKILL
LOG_HOME_TIMEOUT = 30        # for the checkpointer to write an idle log home
TAIL_LINES = 30              # console lines shown when something goes wrong
TYPE_CHUNK = 16              # bytes typed before waiting for their echo
READ_SIZE = 4096

PANIC_RE = re.compile(r"panic: ")
# A trap message may land in the middle of a user program's half-printed line.
USERTRAP_RE = re.compile(r"(?:^|\n)usertrap: |usertrap: pid \d+")
USERTRAP_LINE_RE = re.compile(r"usertrap: [^\n]*(?:\n|$)")

PR_SET_PDEATHSIG = 1         # prctl option: signal the child when we die


class ConsoleError(Exception):
    """The console did not show what a test waited for, or showed a kernel failure."""


def without_usertraps(text):
    """Text with every `usertrap: ...` message cut out, rejoining the lines it split."""
    return USERTRAP_LINE_RE.sub("", text)


def _die_with_parent():
    """Runs in the QEMU child before exec: if pytest dies hard, QEMU goes too."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Console:
    """Everything QEMU has printed so far, collected by a reader thread."""

    def __init__(self, stream):
        self._fd = stream.fileno()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._cond = threading.Condition()
        self.text = ""
        self.closed = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self):
        while True:
            try:
                data = os.read(self._fd, READ_SIZE)
            except OSError:
                data = b""
            with self._cond:
                if data:
                    # Kept byte for byte: the console adds no \r, and tests
                    # (like MIT's graders) match the raw output.
                    self.text += self._decoder.decode(data)
                else:
                    self.closed = True
                self._cond.notify_all()
            if not data:
                return

    def wait(self, found, timeout):
        """
        Calls found(text) each time output arrives until it returns something
        other than None, and returns that. Returns None at the timeout or when
        QEMU has closed its output.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = found(self.text)
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def join(self, timeout):
        self._thread.join(timeout)


class Machine:
    """
    One QEMU running the kernel on a private copy of fs.img (or of the image
    given as disk=), driven through its console. Methods that can fail set
    __tracebackhide__, so pytest reports a failure at the test's line rather
    than inside this class.
    """

    def __init__(self, name, harts, allow_usertraps=False, kernel=KERNEL, disk=FS_IMAGE, write_log=None,
                 memory=MEMORY, dtb=None):
        self.name = name
        self.harts = harts
        self.memory = memory   # QEMU's -m: the RAM the kernel finds in the device tree
        self.dtb = dtb         # a device tree file for QEMU to pass instead of its own, or None
        self.allow_usertraps = allow_usertraps
        self.kernel = Path(kernel)
        self.disk_image = Path(disk)
        # QEMU's blklogwrites driver appends every disk write, in order, to this file.
        self.write_log = Path(write_log) if write_log else None
        self.mark = 0          # console offset where the next wait starts looking
        self.argv = []
        self.proc = None
        self.console = None
        self._tmpdir = None
        self._exit_note = ""

    # ---- starting and stopping ----

    def command(self, disk):
        return [
            QEMU, "-machine", "virt", "-bios", "none", "-kernel", str(self.kernel),
            "-m", self.memory, "-smp", str(self.harts), "-nographic",
            "-monitor", "none", "-serial", "stdio",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", f"file={disk},if=none,format=raw,id=x0" if self.write_log is None else
            f"driver=blklogwrites,file.driver=file,file.filename={disk},"
            f"log.driver=file,log.filename={self.write_log},if=none,id=x0",
            "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
        ] + (["-dtb", str(self.dtb)] if self.dtb is not None else [])

    def start(self):
        for needed in (self.kernel, self.disk_image):
            if not needed.exists():
                raise ConsoleError(f"{needed} does not exist: run `make` first")
        self._tmpdir = tempfile.mkdtemp(prefix="kernel-test-")
        disk = Path(self._tmpdir) / "fs.img"
        shutil.copyfile(self.disk_image, disk)
        if self.write_log is not None:
            self.write_log.write_bytes(b"")   # QEMU opens, but does not create, the log
        self.argv = self.command(disk)
        self.proc = subprocess.Popen(
            self.argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.console = Console(self.proc.stdout)

    def boot(self, timeout=BOOT_TIMEOUT):
        """Starts QEMU and waits for init to start the shell and for its first prompt."""
        __tracebackhide__ = True
        self.start()
        self.expect(re.escape(BOOT_BANNER), timeout, what=f"the boot message {BOOT_BANNER!r}")
        self.wait_prompt(timeout)
        return self

    def stop(self):
        """Kills QEMU (if it still runs) and removes the disk copy. Safe to call twice."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._exit_note = f"QEMU pid {self.proc.pid} did not die after SIGKILL"
        # QEMU's death ends the reader thread; only then is its fd safe to close.
        if self.console is not None:
            self.console.join(STOP_TIMEOUT)
        if self.proc is not None:
            for pipe in (self.proc.stdin, self.proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # ---- reading the console ----

    @property
    def disk(self):
        """The private copy of the disk QEMU runs on (gone after stop())."""
        return Path(self._tmpdir) / "fs.img" if self._tmpdir else None

    @property
    def text(self):
        return self.console.text if self.console else ""

    def tail(self, lines=TAIL_LINES):
        return "\n".join(self.text.split("\n")[-lines:])

    def _failure_in(self, text, start):
        """The first panic (or unwelcome usertrap) at or after start, as a match, or None."""
        # Back up a little: a message may straddle two arrivals of output.
        start = max(0, start - len("usertrap: pid "))
        found = PANIC_RE.search(text, start)
        if found is None and not self.allow_usertraps:
            found = USERTRAP_RE.search(text, start)
        return found

    def _raise(self, problem):
        __tracebackhide__ = True
        status = self.proc.poll() if self.proc else None
        exited = f" (QEMU exited with status {status})" if status is not None else ""
        raise ConsoleError(
            f"{problem}{exited}\n--- last {TAIL_LINES} console lines ({self.harts} harts) ---\n"
            f"{self.tail()}\n--- end of console ---")

    def wait_for(self, found, timeout, what):
        """
        Waits until found(text) returns something other than None and returns
        it. Fails at once on a kernel panic or an unexpected usertrap, and on
        timeout or QEMU exit, naming `what` it was waiting for.
        """
        __tracebackhide__ = True
        scan_from = self.mark
        bad = None

        def check(text):
            nonlocal bad
            bad = self._failure_in(text, scan_from)
            if bad is not None:
                return bad
            return found(text)

        result = self.console.wait(check, timeout)
        if bad is not None:
            # Let the rest of the message line arrive so the report shows it.
            self.console.wait(lambda text: True if "\n" in text[bad.end():] else None,
                              PANIC_LINE_GRACE)
            kind = "kernel panic" if bad.re is PANIC_RE else "unexpected usertrap"
            self._raise(f"{kind} while waiting for {what}")
        if result is None:
            if self.console.closed:
                self._raise(f"QEMU stopped while waiting for {what}")
            self._raise(f"timed out after {timeout} s waiting for {what}")
        return result

    def expect(self, pattern, timeout=COMMAND_TIMEOUT, what=None):
        """Waits for regex pattern after the mark; moves the mark past it and returns the match."""
        __tracebackhide__ = True
        regex = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        start = self.mark
        match = self.wait_for(lambda text: regex.search(text, start), timeout,
                              what or f"/{regex.pattern}/")
        self.mark = match.end()
        return match

    def expect_all(self, patterns, timeout=COMMAND_TIMEOUT, what=None):
        """Waits until every regex appears after the mark, in any order; returns the matches."""
        __tracebackhide__ = True
        regexes = [re.compile(p, re.M) for p in patterns]
        start = self.mark

        def all_found(text):
            matches = [r.search(text, start) for r in regexes]
            return matches if all(matches) else None

        matches = self.wait_for(all_found, timeout,
                                what or "all of " + ", ".join(f"/{p}/" for p in patterns))
        self.mark = max(m.end() for m in matches)
        return matches

    def wait_prompt(self, timeout=COMMAND_TIMEOUT, what=None):
        """
        Waits for a shell prompt at the start of a line and returns the output
        between the mark and it; the mark moves past the prompt.
        """
        __tracebackhide__ = True
        start = self.mark
        # The mark usually sits just after a newline, which then counts as the line start.
        search_from = max(0, start - 1)
        prompt_re = re.compile(r"(?:^|\n)" + re.escape(PROMPT))
        match = self.wait_for(lambda text: prompt_re.search(text, search_from), timeout,
                              what or f"the shell prompt {PROMPT!r}")
        output_end = match.start() + 1 if match.group(0).startswith("\n") else match.start()
        self.mark = match.end()
        return self.text[start:max(start, output_end)]

    # ---- typing ----

    def send(self, data):
        """Types raw bytes (str is UTF-8 encoded) without waiting for anything."""
        __tracebackhide__ = True
        if isinstance(data, str):
            data = data.encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            self._raise(f"QEMU's input is closed; could not type {data!r}")

    def type_line(self, line, timeout=ECHO_TIMEOUT):
        """Types line and a newline a chunk at a time, waiting for the console to echo each chunk."""
        __tracebackhide__ = True
        typed = line + "\n"
        for at in range(0, len(typed), TYPE_CHUNK):
            chunk = typed[at:at + TYPE_CHUNK]
            self.send(chunk)
            self.expect(re.escape(chunk), timeout, what=f"the echo of {chunk!r} (typing {line!r})")

    def run(self, cmd, until=None, timeout=COMMAND_TIMEOUT):
        """
        Types a command line and returns what it printed: everything after its
        echo up to the next prompt, or up to and including the first match of
        regex `until` when given (the prompt is then not waited for).
        """
        __tracebackhide__ = True
        self.type_line(cmd)
        start = self.mark
        if until is not None:
            match = self.expect(until, timeout, what=f"/{until}/ after typing {cmd!r}")
            return self.text[start:match.end()]
        return self.wait_prompt(timeout, what=f"the prompt after {cmd!r}")

    def wait_log_home(self, timeout=LOG_HOME_TIMEOUT):
        """
        Waits until the kernel's checkpointer has written the log home (df
        shows log_pending 0), which it does once the file system has been
        idle a tick: then the disk image is what a clean stop leaves, and
        fsck finds it clean without replaying the log. Runs df until then.
        """
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            out = self.run("df")
            pending = re.search(r"^log_pending (\d+)$", out, re.M)
            assert pending, f"df printed no log_pending line:\n{out}"
            if int(pending.group(1)) == 0:
                return
            assert time.monotonic() < deadline, \
                f"the log still held {pending.group(1)} blocks not home {timeout} s after the last " \
                f"command (the checkpointer writes it home after an idle tick):\n{self.tail()}"

    # ---- judging the whole transcript ----

    def problems(self):
        """Console lines that fail any test: panics, and usertraps unless allowed."""
        bad = []
        for line in self.text.split("\n"):
            if PANIC_RE.search(line) or (not self.allow_usertraps and USERTRAP_RE.search(line)):
                bad.append(line)
        return bad

    def transcript(self):
        status = self.proc.returncode if self.proc else None
        header = [f"# {self.name}: {self.harts} harts",
                  "# " + " ".join(self.argv),
                  f"# QEMU exit status {status}"]
        if self._exit_note:
            header.append("# " + self._exit_note)
        return "\n".join(header) + "\n" + self.text + "\n"


# ---- QEMU under `make qemu-gdb`, as a debugger or a grader starts it ----

GDB_LISTEN_TIMEOUT = 30      # seconds for QEMU to open its gdb port
GDB_POLL_SECONDS = 0.2       # how often to look for the port meanwhile


def free_port():
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QemuGdb:
    """
    `make -s qemu-gdb` on a free port, on a snapshot of fs.img (the tree's
    image is left as it is), in a process group of its own; with starts it
    and waits until QEMU listens for gdb. .qemu is the make process
    (its stdin and stdout are QEMU's console, as raw bytes), .port the gdb
    port. spawn() starts a helper (gdb) that is killed with QEMU at the end.
    """

    def __init__(self):
        self.port = free_port()
        self.qemu = None
        self._others = []

    def __enter__(self):
        self.qemu = subprocess.Popen(
            # -snapshot: the session must not write the tree's fs.img, which
            # other tests copy; a QEMU killed mid-write would leave a log.
            ["make", "-s", "--no-print-directory", "qemu-gdb", f"GDBPORT={self.port}", "QEMUEXTRA=-snapshot"],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + GDB_LISTEN_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.qemu.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise ConsoleError(f"QEMU never listened for gdb on port {self.port}")
                time.sleep(GDB_POLL_SECONDS)

    def spawn(self, argv, **kwargs):
        proc = subprocess.Popen(argv, cwd=REPO, start_new_session=True, **kwargs)
        self._others.append(proc)
        return proc

    def __exit__(self, *exc):
        for proc in self._others + [self.qemu]:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ---- figures: what the robustness tests tried, summed over a run ----

# {kind: {what: count}}, in the order tests first reported them. Only tests
# that passed add to it, so every count is of work that was checked.
FIGURES = {}


@pytest.fixture
def tally(request):
    """
    tally(kind, what=count, ...): adds counts to the run's figures, printed
    at the end (`figures` section), e.g. tally("crash points", points=1,
    records=40). Counts reach the figures only if the test passes.
    """
    pending = []
    yield lambda kind, **counts: pending.append((kind, counts))
    call = getattr(request.node, "report_call", None)
    if call is not None and call.passed:
        for kind, counts in pending:
            totals = FIGURES.setdefault(kind, {})
            for what, count in counts.items():
                totals[what] = totals.get(what, 0) + count


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures (passed tests only)")
        for kind, totals in FIGURES.items():
            terminalreporter.write_line(f"{kind}: " + ", ".join(f"{what.replace('_', ' ')} {count}"
                                                                 for what, count in totals.items()))


# ---- pytest plumbing ----

def pytest_addoption(parser):
    parser.addoption("--cpus", type=int, default=None,
                     help="boot every QEMU test with this many harts (default: each test's own list)")


def pytest_configure(config):
    cpus = config.getoption("cpus")
    if cpus is not None and not 1 <= cpus <= MAX_HARTS:
        raise pytest.UsageError(f"--cpus must be between 1 and {MAX_HARTS}, not {cpus}")
    config.addinivalue_line("markers", "harts(*counts): run the test once per hart count")
    config.addinivalue_line("markers", "usertraps: the test kills processes on purpose")


def default_harts(config):
    return config.getoption("cpus") or DEFAULT_HARTS


def pytest_generate_tests(metafunc):
    if "harts" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("harts")
    counts = list(marker.args) if marker else [DEFAULT_HARTS]
    if metafunc.config.getoption("cpus"):
        counts = [metafunc.config.getoption("cpus")]
    metafunc.parametrize("harts", counts, ids=[f"{n}harts" for n in counts])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remembers each phase's report on the item, so teardown knows whether the test passed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def result_name(nodeid):
    """tests/test_boot.py::test_echo[3harts] -> test_boot.test_echo-3harts"""
    name = nodeid.split("/")[-1].replace(".py::", ".").replace("::", ".")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def save_transcripts(nodeid, machines):
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / (result_name(nodeid) + ".log")
    path.write_text("".join(m.transcript() for m in machines) or "# no QEMU was started\n")


@pytest.fixture
def boot(request):
    """
    Factory: boot(harts=None, allow_usertraps=None, memory=MEMORY, dtb=None,
    timeout=BOOT_TIMEOUT) -> a booted Machine, killed after the test.
    """
    machines = []
    usertraps_expected = request.node.get_closest_marker("usertraps") is not None

    def start(harts=None, allow_usertraps=None, memory=MEMORY, dtb=None, timeout=BOOT_TIMEOUT):
        if allow_usertraps is None:
            allow_usertraps = usertraps_expected
        machine = Machine(request.node.name, harts or default_harts(request.config),
                          allow_usertraps, memory=memory, dtb=dtb)
        machines.append(machine)
        return machine.boot(timeout)

    yield start

    try:
        for machine in machines:
            machine.stop()
    finally:
        save_transcripts(request.node.nodeid, machines)
    call = getattr(request.node, "report_call", None)
    if call is not None and call.passed:
        bad = [line for m in machines for line in m.problems()]
        if bad:
            pytest.fail("console showed a kernel failure:\n" + "\n".join(bad), pytrace=False)


@pytest.fixture
def machine(request, boot):
    """One booted Machine: with the test's `harts` parameter, else --cpus, else the default."""
    callspec = getattr(request.node, "callspec", None)
    harts = callspec.params.get("harts") if callspec else None
    return boot(harts)
