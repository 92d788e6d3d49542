"""
test_fuzz.py: the system-call fuzzer (user/test/sysfuzz.c).

`sysfuzz isolate` checks that copy-on-write keeps a parent and its child
apart (plain loads and stores, and read(), fstat(), pipe() and wait() storing
into shared pages), that pages handed out fresh are zero, that no call stores
into read-only text, and that none copies kernel memory out to the user.

`sysfuzz SEED CALLS PROCS` makes CALLS random system calls with hostile
arguments across a fork tree of at most PROCS processes. Afterwards free
pages, inodes and blocks must be back at their values before the run, the
page counts must match the page tables (vmcheck), and fsck must find the disk
clean. The seeds are fixed below; every failure message names the command
line that replays the run (on several harts the interleaving differs from
run to run, so a replay may take a few tries).
"""
import re
import subprocess

import pytest

from conftest import REPO

# (seed, calls, processes): one lone process (the only case in which the fuzz
# may call vmcheck() itself), then trees of growing size.
FUZZ_RUNS = [
    (1, 1500, 1),
    (2, 2000, 8),
    (3, 2000, 16),
    (4, 4000, 24),
]
ISOLATE_CHECKS = ["cow_memory", "cow_syscalls", "fresh_zero", "text_readonly", "kernel_unreadable"]
MIN_SHARE_MADE = 2           # a run must make at least half its calls (kills and early exits lose some)
RUN_TIMEOUT = 120            # seconds for one sysfuzz command
TEST_TIMEOUT = len(FUZZ_RUNS) * RUN_TIMEOUT + 60
FSCK = REPO / "mkfs" / "fsck"
FSCK_TIMEOUT = 30

COUNTS_RE = re.compile(r"sysfuzz: (\d+): (\d+) calls returned -1, (\d+) succeeded; "
                       r"(\d+) of (\d+) planned calls made")
RESULT_RE = re.compile(r"sysfuzz: (\d+) calls (\d+) (ok|FAILED.*)$", re.M)


def failure_lines(output):
    return [line for line in output.splitlines() if "FAILED" in line]


def check_disk_clean(machine, after):
    # Every system call has returned and the checkpointer has written the log home.
    machine.wait_log_home()
    fsck = subprocess.run([str(FSCK), str(machine.disk)], capture_output=True, text=True,
                          timeout=FSCK_TIMEOUT)
    assert fsck.returncode == 0, \
        f"expected fsck to find the disk clean after {after}, saw:\n{fsck.stdout}{fsck.stderr}"


@pytest.mark.usertraps
@pytest.mark.harts(1, 3)
@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_isolation(machine, harts):
    output = machine.run("sysfuzz isolate", timeout=RUN_TIMEOUT)
    passed = re.findall(r"^sysfuzz: isolate (\w+) ok$", output, re.M)
    assert not failure_lines(output) and passed == ISOLATE_CHECKS \
        and "sysfuzz: isolate ok" in output.splitlines(), (
            f"expected `sysfuzz: isolate NAME ok` for {ISOLATE_CHECKS} and `sysfuzz: isolate ok`; "
            f"saw ok for {passed}, failures {failure_lines(output)}\n--- output ---\n{output}")
    check_disk_clean(machine, "sysfuzz isolate")


def check_fuzz_run(output, seed, calls, procs):
    command = f"sysfuzz {seed} {calls} {procs}"
    assert f"sysfuzz: seed {seed} calls {calls} procs {procs}" in output, \
        f"expected {command} to print its seed first, saw:\n{output[-3000:]}"
    failed = failure_lines(output)
    result = RESULT_RE.search(output)
    assert not failed and result and result.group(3) == "ok", (
        f"expected `sysfuzz: {seed} calls N ok` from {command}; saw the failures:\n"
        + "\n".join(failed or ["(no result line)"]) + f"\n--- end of output ---\n{output[-3000:]}")
    made = int(result.group(2))
    counts = COUNTS_RE.search(output)
    assert counts, f"expected a line with the -1 and success counts from {command}, saw:\n{output[-3000:]}"
    minus_one, succeeded = int(counts.group(2)), int(counts.group(3))
    assert minus_one + succeeded == made and minus_one > 0 and succeeded > 0, (
        f"{command}: expected the -1 and success counts to add up to the {made} calls made, both "
        f"above 0; saw {minus_one} returned -1, {succeeded} succeeded")
    assert calls // MIN_SHARE_MADE <= made <= calls, (
        f"{command}: expected between {calls // MIN_SHARE_MADE} and {calls} calls made "
        f"(kills and early exits lose some), saw {made}")
    return minus_one, succeeded


@pytest.mark.usertraps
@pytest.mark.harts(1, 3)
@pytest.mark.timeout(TEST_TIMEOUT)
def test_fuzz_leaves_no_trace(machine, harts, tally):
    for seed, calls, procs in FUZZ_RUNS:
        output = machine.run(f"sysfuzz {seed} {calls} {procs}", timeout=RUN_TIMEOUT)
        minus_one, succeeded = check_fuzz_run(output, seed, calls, procs)
        tally("system-call fuzzer", runs=1, calls_made=minus_one + succeeded, returned_minus_one=minus_one)
    check = machine.run("vmcheck")
    assert check == "vmcheck: ok\n", \
        f"expected page counts to match the page tables after the fuzz runs, saw:\n{check}"
    check_disk_clean(machine, "the fuzz runs " + ", ".join(f"sysfuzz {s} {c} {p}" for s, c, p in FUZZ_RUNS))
