"""
test_vmmap.py: the vmmap program (user/vmmap.c) and the vmmap() system call
behind it. A map must run from 0 to the break with no gap, text first, one
guard page, every line in a known state; `vmmap -d` builds pages in every
state, forks, and shows how the parent and child share them. Mappings (mmap)
follow the runs, a line each and a line of figures; `vmmap -m` maps a file
shared and private and anonymous memory shared, and a child writes each.
"""
import re

import pytest

from conftest import REPO, c_define

PAGE = c_define("kernel/riscv.h", "PGSIZE")
FIRST_RUNS = c_define("user/vmmap.c", "FIRST_RUNS")   # runs vmmap fetches before it must retry
DEMO_EAGER = c_define("user/vmmap.c", "DEMO_EAGER")
DEMO_LAZY = c_define("user/vmmap.c", "DEMO_LAZY")
DEMO_STRIPE = c_define("user/vmmap.c", "DEMO_STRIPE")
NO_SUCH_PID = 99999

HEADER_RE = re.compile(r"^vmmap pid (\d+): (\d+) runs(?:, (\d+) not shown)?$")
RUN_RE = re.compile(r"^(0x[0-9a-f]{16})-(0x[0-9a-f]{16}) +(\d+) pages? +"
                    r"(guard|text|private|shared cow|zero page|lazy \(unmapped\))"
                    r"(?:, (\d+) owners)?$")
MAPPING_RE = re.compile(r"^(0x[0-9a-f]{16})-(0x[0-9a-f]{16}) +(\d+) pages? +mapping (shared|private) "
                        r"([r-][w-][x-]) (\S+)\n +offset (\d+), (\d+) resident, (\d+) dirty$", re.M)
# A mapping's line as the docs' transcripts show it, anywhere in a line (they are indented).
MAPPING_LINE_RE = re.compile(r"0x[0-9a-f]{16}-0x[0-9a-f]{16} +\d+ pages? +mapping ")
MDEMO_RE = re.compile(r"^demo: parent (\d+) child (\d+) shared (0x[0-9a-f]+) private (0x[0-9a-f]+) "
                      r"anonymous (0x[0-9a-f]+): parent sees (.) (.) (.)$", re.M)
MDEMO_FILE = "vmmap.demo"
DEMO_RE = re.compile(r"^demo: parent (\d+) child (\d+) eager (0x[0-9a-f]+) "
                     r"lazy (0x[0-9a-f]+) stripe (0x[0-9a-f]+)$", re.M)

# Short names for the states, as the checks below use them.
WORDS = {"guard": "guard", "text": "text", "private": "private", "shared cow": "shared",
         "zero page": "zero", "lazy (unmapped)": "lazy"}


class Run:
    def __init__(self, line, match):
        self.line = line
        self.start, self.end = int(match.group(1), 16), int(match.group(2), 16)
        self.npages = int(match.group(3))
        self.state = WORDS[match.group(4)]
        self.owners = int(match.group(5)) if match.group(5) else None


class Mapping:
    def __init__(self, match):
        self.start, self.end = int(match.group(1), 16), int(match.group(2), 16)
        self.npages = int(match.group(3))
        self.sharing, self.prot, self.name = match.group(4), match.group(5), match.group(6)
        self.offset, self.resident, self.dirty = (int(match.group(k)) for k in (7, 8, 9))


class Map:
    def __init__(self, pid, total, cut):
        self.pid, self.total, self.cut = pid, total, cut
        self.runs = []
        self.mappings = {}     # start address: Mapping

    def at(self, va):
        """The run holding address va."""
        for run in self.runs:
            if run.start <= va < run.end:
                return run
        raise AssertionError(f"no run of pid {self.pid}'s map holds {va:#x}; map:\n{self.text()}")

    def text(self):
        return "\n".join(run.line for run in self.runs)


def parse_maps(output):
    """The maps in output, in order. Fails on a line that starts like a run but does not parse."""
    maps = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        header = HEADER_RE.match(line)
        if header:
            maps.append(Map(int(header.group(1)), int(header.group(2)), int(header.group(3) or 0)))
            continue
        if " mapping " in line:
            mapping = MAPPING_RE.match("\n".join(lines[i:i + 2]))
            assert mapping, f"expected a mapping (two lines), saw {lines[i:i + 2]!r}"
            assert maps, f"expected a `vmmap pid N: N runs` header before {line!r}"
            maps[-1].mappings[int(mapping.group(1), 16)] = Mapping(mapping)
            continue
        if line.startswith("0x"):
            run = RUN_RE.match(line)
            assert run, f"expected a run line (START-END N pages STATE[, N owners]), saw {line!r}"
            assert maps, f"expected a `vmmap pid N: N runs` header before {line!r}"
            maps[-1].runs.append(Run(line, run))
    return maps


def check_shape(m):
    """One map, whole: runs from 0 up without gaps, text first, one guard page, fitting owners."""
    listing = f"pid {m.pid}'s map:\n{m.text()}"
    assert m.cut == 0 and len(m.runs) + len(m.mappings) == m.total, (
        f"expected all {m.total} runs printed, saw {len(m.runs)} and {len(m.mappings)} mappings "
        f"({m.cut} not shown); {listing}")
    assert m.runs and m.runs[0].start == 0 and m.runs[0].state == "text", (
        f"expected the map to start with text at 0; {listing}")
    guards = [r for r in m.runs if r.state == "guard"]
    assert len(guards) == 1 and guards[0].npages == 1, f"expected one guard run of one page; {listing}"
    guard_at = m.runs.index(guards[0])
    for i, run in enumerate(m.runs):
        assert run.end - run.start == run.npages * PAGE and run.npages > 0, (
            f"expected {run.npages} pages from {run.start:#x} to end at "
            f"{run.start + run.npages * PAGE:#x}: {run.line!r}")
        if i > 0:
            prev = m.runs[i - 1]
            assert run.start == prev.end, f"expected run {i} to start where run {i - 1} ends; {listing}"
            assert (run.state, run.owners) != (prev.state, prev.owners), (
                f"expected runs {i - 1} and {i} (same state and owners) as one run; {listing}")
        if run.state in ("shared", "zero"):
            assert run.owners is not None and run.owners >= 2, (
                f"expected a {run.state} run to show at least 2 owners: {run.line!r}")
        if run.state == "lazy":
            assert i > guard_at, f"expected lazy runs only in the heap, above the guard page; {listing}"
        if run.state == "text":
            assert i < guard_at, f"expected text only below the guard page; {listing}"


def run_maps(machine, command, count):
    output = machine.run(command)
    maps = parse_maps(output)
    assert len(maps) == count, f"expected {count} map(s) from `{command}`, saw {len(maps)}:\n{output}"
    for m in maps:
        check_shape(m)
    return output, maps


def check_demo(output, parent, child):
    found = DEMO_RE.search(output)
    assert found, f"expected a `demo: parent P child C eager ... lazy ... stripe ...` line:\n{output}"
    parent_pid, child_pid = int(found.group(1)), int(found.group(2))
    eager, lazy, stripe = (int(found.group(k), 16) for k in (3, 4, 5))
    assert (parent.pid, child.pid) == (parent_pid, child_pid), (
        f"expected the parent's map ({parent_pid}) and then the child's ({child_pid}), "
        f"saw pids {parent.pid} and {child.pid}")

    def expect(m, va, state, owners=None, what=""):
        run = m.at(va)
        assert run.state == state and (owners is None or run.owners == owners), (
            f"expected {what} ({va:#x}) {state}" + (f" with {owners} owners" if owners else "")
            + f" in pid {m.pid}'s map, saw {run.line!r}\n{m.text()}")

    # What the parent set up and shares: the child has copied eager page 0.
    for m, who in ((parent, "parent's"), (child, "child's")):
        expect(m, eager + PAGE, "shared", 2, f"{who} eager page 1, written before fork")
        expect(m, lazy + PAGE, "zero", None, f"{who} lazy page 1, read before fork")
        expect(m, lazy + 2 * PAGE, "shared", 2, f"{who} lazy page 2, written before fork")
        for page in range(4, DEMO_LAZY):
            expect(m, lazy + page * PAGE, "lazy", None, f"{who} untouched lazy page {page}")
        for page in range(DEMO_STRIPE):
            expect(m, stripe + page * PAGE, "zero" if page % 2 == 0 else "lazy", None,
                   f"{who} stripe page {page}")
    expect(parent, eager, "private", None, "parent's eager page 0, which the child copied")
    expect(child, eager, "private", None, "child's copy of eager page 0")
    expect(parent, lazy, "zero", None, "parent's lazy page 0")
    expect(child, lazy, "private", None, "child's lazy page 0, zero-mapped then written")
    expect(parent, lazy + 3 * PAGE, "lazy", None, "parent's lazy page 3")
    expect(child, lazy + 3 * PAGE, "private", None, "child's lazy page 3, written untouched")
    stripe_end = stripe + DEMO_STRIPE * PAGE
    assert child.runs[-1].end == stripe_end, (
        f"expected the child's map to end at its break {stripe_end:#x}, saw\n{child.text()}")
    assert parent.total > FIRST_RUNS, (
        f"expected the demo parent's map to have more than {FIRST_RUNS} runs (vmmap's first "
        f"buffer), so that the retry path runs; saw {parent.total}")
    assert eager + DEMO_EAGER * PAGE <= lazy, "expected the eager pages below the lazy ones"


@pytest.mark.harts(1, 3, 8)
def test_maps(machine, harts):
    run_maps(machine, "vmmap 1", 1)
    output, (own,) = run_maps(machine, "vmmap", 1)
    assert own.pid > 1, f"expected vmmap's own pid in its header, saw {own.pid}:\n{output}"
    output, (parent, child) = run_maps(machine, "vmmap -d", 2)
    check_demo(output, parent, child)


@pytest.mark.harts(1, 3)
def test_mapping_demo(machine, harts):
    output, (parent, child) = run_maps(machine, "vmmap -m", 2)
    found = MDEMO_RE.search(output)
    assert found, f"expected a `demo: parent P child C shared ... private ... anonymous ...` line:\n{output}"
    assert (parent.pid, child.pid) == (int(found.group(1)), int(found.group(2))), output
    shared, private, anon = (int(found.group(k), 16) for k in (3, 4, 5))
    # The child wrote the shared file page, its private page and the anonymous page 1.
    assert found.group(6, 7, 8) == ("s", "f", "a"), (
        f"expected the parent to see the child's stores to the shared file page and the anonymous "
        f"page (s, a) but not to its private copy (the file's f), saw {found.group(6, 7, 8)}:\n{output}")
    want = {  # start: (sharing, name, parent's resident, dirty, child's resident, dirty)
        shared: ("shared", MDEMO_FILE, 1, 0, 1, 1),
        private: ("private", MDEMO_FILE, 1, 0, 1, 1),
        anon: ("shared", "(anonymous)", 2, 0, 2, 1),
    }
    for who, m, figures in (("parent", parent, slice(2, 4)), ("child", child, slice(4, 6))):
        assert sorted(m.mappings) == sorted(want), (
            f"expected the {who}'s map to show mappings at {[hex(a) for a in want]}, saw "
            f"{[hex(a) for a in m.mappings]}:\n{output}")
        for start, expected in want.items():
            got = m.mappings[start]
            shown = (got.sharing, got.name, got.resident, got.dirty)
            assert shown == (*expected[:2], *expected[figures]) and got.prot == "rw-" and \
                got.offset == 0 and got.npages == 2, (
                    f"expected the {who}'s mapping at {start:#x} to be {expected[:2]} rw-, offset 0, "
                    f"2 pages, resident and dirty {expected[figures]}, saw {shown}:\n{output}")

    # The transcripts in the docs are this demo's: every mapping line they show is one it prints.
    printed = {line.strip() for line in output.splitlines()}
    for page in (REPO / "README.md", REPO / "docs" / "vm.md"):
        shown = [line.strip() for line in page.read_text().splitlines() if MAPPING_LINE_RE.search(line)]
        assert shown, f"expected {page.name} to show vmmap -m mapping lines"
        stale = [line for line in shown if line not in printed]
        assert not stale, (f"{page.name} shows vmmap -m lines the demo does not print (update the "
                           f"transcript): {stale}\n--- the demo printed ---\n{output}")


def test_bad_pid(machine):
    run_maps(machine, "vmmap 1", 1)   # a good pid works, so the failures below are about the pid
    output = machine.run(f"vmmap {NO_SUCH_PID}")
    assert f"vmmap: no process with pid {NO_SUCH_PID}" in output and "runs" not in output, (
        f"expected only `vmmap: no process with pid {NO_SUCH_PID}` from `vmmap {NO_SUCH_PID}`, "
        f"saw:\n{output}")
    output = machine.run("vmmap nonsense")
    assert "vmmap: bad pid nonsense" in output and "runs" not in output, (
        f"expected `vmmap: bad pid nonsense`, saw:\n{output}")
