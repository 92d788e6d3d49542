"""
test_programs.py: the stress programs (forktest, stressfs, grind) and the
xv6 API compatibility check (xv6compat) succeed, and give back every physical
page they used: `vmstat` shows the same number of free pages before and after,
the invariant walker (`vmcheck`) finds every page's count matching the page
tables, and the host's fsck finds the disk they used clean.
"""
import re
import subprocess

import pytest

from conftest import REPO

FREE_PAGES_RE = re.compile(r"^free_pages (\d+)$", re.M)   # user/vmstat.c: "name value" lines
PROGRAM_TIMEOUT = 240       # seconds for one program
GRIND_ROUNDS = 30
FSCK = REPO / "mkfs" / "fsck"
FSCK_TIMEOUT = 30

PROGRAMS = [
    ("forktest", "forktest: OK"),
    ("stressfs", "stressfs: OK"),
    (f"grind {GRIND_ROUNDS}", "grind: OK"),
    ("xv6compat", "xv6compat: OK"),
]


def free_pages(machine):
    output = machine.run("vmstat")
    found = FREE_PAGES_RE.findall(output)
    assert len(found) == 1, f"expected one `free_pages N` line from vmstat, saw:\n{output}"
    return int(found[0])


def run_leaving_no_trace(machine, command, timeout):
    """
    Runs command and returns its output, after checking that it left no
    trace: the free pages as before it, vmcheck ok, and (once the
    checkpointer has written the log home) fsck finding the disk clean.
    """
    __tracebackhide__ = True
    # The first run of vmstat itself may warm caches; measure from the second.
    free_pages(machine)
    before = free_pages(machine)
    output = machine.run(command, timeout=timeout)
    after = free_pages(machine)
    assert after == before, f"expected {before} free pages after {command} (as before it), saw {after}"
    check = machine.run("vmcheck")
    assert check == "vmcheck: ok\n", f"expected page counts to match the page tables after {command}:\n{check}"
    # Every system call has returned and the checkpointer has written the log home: fsck must agree.
    machine.wait_log_home()
    fsck = subprocess.run([str(FSCK), str(machine.disk)], capture_output=True, text=True, timeout=FSCK_TIMEOUT)
    assert fsck.returncode == 0, f"expected fsck to find the disk clean after {command}:\n{fsck.stdout}{fsck.stderr}"
    return output


@pytest.mark.timeout(PROGRAM_TIMEOUT + 60)
@pytest.mark.parametrize("command, success", PROGRAMS, ids=[c.split()[0] for c, _ in PROGRAMS])
def test_program_succeeds_without_leaking(machine, command, success):
    output = run_leaving_no_trace(machine, command, PROGRAM_TIMEOUT)
    assert success in output.splitlines(), f"expected a line {success!r} from {command}, saw:\n{output}"
