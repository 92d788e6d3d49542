"""
test_allocfail.py: a page allocation fails at every step of a workload in
turn (user/allocfail.c: fork, copy-on-write, lazy fills, pipe, files, exec),
and each time the kernel neither panics nor hangs: only the workload's child
suffers (killed with a console line, or a system call returning -1), and
free pages, inodes and blocks come back, with every page count matching the
page tables (vmcheck).
"""
import re

import pytest

SWEEP_TIMEOUT = 300
MIN_STEPS = 50            # the workload allocates about 95 pages: a short sweep missed most of it
SWEPT_RE = re.compile(r"^allocfail: swept (\d+) steps$", re.M)
KILLED_RE = re.compile(r"killed: out of memory in (?:page fill|copy-on-write fault)")


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
    tally("allocation failures", sweeps=1, failures_injected=int(swept.group(1)), children_killed=killed)
