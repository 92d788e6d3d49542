"""
test_allocfail.py: a page allocation fails at every step of a workload in
turn (user/test/allocfail.c: fork, copy-on-write, lazy fills, pipe, files, mappings, exec),
and each time the kernel neither panics nor hangs: only the workload's child
suffers (killed with a console line, or a system call returning -1), and
free pages, inodes and blocks come back, with every page count matching the
page tables (vmcheck).
"""
import bisect
import re

import pytest

from conftest import REPO

SWEEP_TIMEOUT = 300
MIN_STEPS = 50            # the workload allocates about 95 pages: a short sweep missed most of it
SWEPT_RE = re.compile(r"^allocfail: swept (\d+) steps$", re.M)
KILLED_RE = re.compile(r"killed: out of memory in (?:page fill|copy-on-write fault)")
INJECTED_RE = re.compile(r"failalloc: pid \d+: page allocation failed on purpose, called from (0x[0-9a-f]+)")
SITES_DOC = REPO / "docs" / "robustness.md"
SITES_TABLE_RE = re.compile(r"<!-- allocfail sites: begin -->(.*?)<!-- allocfail sites: end -->", re.S)
SITE_ROW_RE = re.compile(r"^\| `(\w+)` \|", re.M)
KERNEL_SYMBOLS = REPO / "kernel" / "kernel.sym"


def documented_sites():
    """The functions docs/robustness.md says the sweep fails allocations in."""
    table = SITES_TABLE_RE.search(SITES_DOC.read_text())
    assert table, f"expected the allocfail sites table between its markers in {SITES_DOC}"
    return set(SITE_ROW_RE.findall(table.group(1)))


def function_at(address, symbols):
    """The kernel symbol at or before address (kernel.sym lines: ADDRESS NAME)."""
    at = bisect.bisect_right(symbols, (address, "\uffff")) - 1
    return symbols[at][1]


def reached_sites(output):
    """The functions the console's injected-failure lines name, by their callers' addresses."""
    symbols = sorted((int(address, 16), name) for address, name in
                     (line.split() for line in KERNEL_SYMBOLS.read_text().splitlines() if len(line.split()) == 2))
    return {function_at(int(address, 16), symbols) for address in INJECTED_RE.findall(output)}


@pytest.mark.usertraps
@pytest.mark.harts(1, 3)
@pytest.mark.timeout(SWEEP_TIMEOUT + 60)
def test_every_allocation_failure_is_survived(machine, harts, tally):
    output = machine.run("allocfail", timeout=SWEEP_TIMEOUT)
    failed = [line for line in output.splitlines() if "FAILED" in line]
    assert not failed, "a round did not recover:\n" + "\n".join(failed)
    swept = SWEPT_RE.search(output)
    assert swept and int(swept.group(1)) >= MIN_STEPS, \
        f"expected the sweep to end with `allocfail: swept N steps`, N >= {MIN_STEPS}, saw:\n{output[-2000:]}"
    killed = len(KILLED_RE.findall(output))
    assert killed, "expected some rounds to kill the workload's child for want of a page"
    assert machine.run("vmcheck") == "vmcheck: ok\n"
    reached, documented = reached_sites(output), documented_sites()
    assert reached == documented, (
        f"docs/robustness.md lists the sites {sorted(documented)}; the sweep failed allocations in "
        f"{sorted(reached)}: missing from the doc {sorted(reached - documented)}, no longer reached "
        f"{sorted(documented - reached)}")
    tally("allocation failures", sweeps=1, failures_injected=int(swept.group(1)), children_killed=killed)
