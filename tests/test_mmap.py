"""
test_mmap.py: mmap and munmap (issue 18, first step), through the program
user/test/mmapcheck.c. Every case must print `mmapcheck: CASE ok`, in order, on
1, 3 and 8 harts; the run must end with `mmapcheck: done`, give back every
physical page it used (vmstat's free_pages as before, vmcheck ok) and leave
a disk the host's fsck finds clean (shared pages go back through the log).

Some cases have children killed on purpose (stores to read-only mappings,
loads from unmapped pages, a load after exec): for each, mmapcheck prints
`mmapcheck: killed pid N va ADDR`, and the kernel's usertrap line for that
pid must name that address. A usertrap for any other pid fails the run.
Each case also runs alone when named (`mmapcheck CASE`).
"""
import re

import pytest

from conftest import without_usertraps
from test_programs import run_leaving_no_trace

# The behaviours mmapcheck promises, in its order (user/test/mmapcheck.c's checks[] table).
CASES = ["place", "offset", "lazy", "private_write", "shared_write", "shared_exit", "open_modes",
         "readonly_store", "unmapped_touch", "close_fd", "munmap_parts", "fork_private",
         "fork_shared", "exec_drops", "anon_private", "anon_shared", "bad_args", "private_sees_shared",
         "costs", "fork_flat", "heap_meets_mapping"]
CASE_RE = re.compile(r"^mmapcheck: (\w+) (ok|FAILED\b.*)$", re.M)
DONE = "mmapcheck: done"
KILLED_RE = re.compile(r"^mmapcheck: killed pid (\d+) va (0x[0-9a-f]+)$", re.M)
USERTRAP_RE = re.compile(r"usertrap: pid (\d+) \([^)\n]*\) killed: [^\n]*?(?: at va (0x[0-9a-f]+))?"
                         r" pc ")
RUN_TIMEOUT = 180            # seconds for one whole mmapcheck run


def check_run(output, expected):
    """Fails unless exactly the expected cases said ok, in order, then done, and the kills match."""
    clean = without_usertraps(output)
    results = CASE_RE.findall(clean)
    failed = [f"{name} {verdict}" for name, verdict in results if verdict != "ok"]
    assert not failed, "expected every case ok, saw:\n" + "\n".join(failed) + f"\n--- output ---\n{output}"
    assert [name for name, _ in results] == expected, (
        f"expected ok lines for {expected}, saw them for {[name for name, _ in results]}:\n{output}")
    assert clean.rstrip("\n").endswith(DONE), f"expected {DONE!r} as the last line:\n{output}"

    promised = {(int(pid), int(va, 16)) for pid, va in KILLED_RE.findall(clean)}
    trapped = {(int(pid), int(va, 16) if va else None) for pid, va in USERTRAP_RE.findall(output)}
    missing = promised - trapped
    assert not missing, (f"expected a usertrap line for each killed child (pid, va), saw none for "
                         f"{sorted((p, hex(v)) for p, v in missing)}:\n{output}")
    unexpected = trapped - promised
    assert not unexpected, (f"expected no usertrap but for the children mmapcheck had killed, saw "
                            f"{sorted(unexpected, key=str)}:\n{output}")
    return len(promised)


@pytest.mark.usertraps
@pytest.mark.harts(1, 3, 8)
@pytest.mark.timeout(RUN_TIMEOUT + 120)
def test_mmapcheck(machine, harts):
    output = run_leaving_no_trace(machine, "mmapcheck", RUN_TIMEOUT)
    kills = check_run(output, CASES)
    assert kills > 0, f"expected the kill cases to report their children:\n{output}"


@pytest.mark.usertraps
@pytest.mark.timeout(RUN_TIMEOUT + 120)
def test_each_case_runs_alone(machine):
    for name in CASES:
        check_run(machine.run(f"mmapcheck {name}", timeout=RUN_TIMEOUT), [name])
    output = machine.run("mmapcheck no_such_case")
    assert "mmapcheck: no case no_such_case" in output and DONE not in output, (
        f"expected an unknown case name to be refused, saw:\n{output}")
    check = machine.run("vmcheck")
    assert check == "vmcheck: ok\n", f"expected page counts to match the page tables after the runs:\n{check}"
