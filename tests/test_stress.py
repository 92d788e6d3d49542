"""
test_stress.py: the many-hart stress program (user/test/stress.c) passes and
leaves nothing behind.

`stress SEED ROUNDS` runs, in every round, five role processes at once: a
fork tree, copy-on-write writers, a lazy heap with a fork, pipes (a pair and
a chain through relays) and file churn in a directory of its own. It checks
every call's result and every byte it reads back, and prints one line per
round and `stress: OK ...` at the end, or `stress: FAILED ...` lines.

For each hart count (2, 4 and 8, each with a fixed seed of its own) the test
checks:
  - the seed line first, no FAILED line, one `stress: round R ok (N checks)`
    line per round in order, each with a plausible number of checks, and
    one OK line whose total is the sum of the rounds';
  - free physical pages (`vmstat`) are back at their value before the run;
  - free blocks and inodes (`df`, i.e. fsstat) are back as well: every file
    and directory the run made is gone;
  - the kernel's page counts match the page tables (`vmcheck`);
  - the host's fsck finds the disk clean.

STRESS_ROUNDS=N sets the number of rounds (default below: short enough for
`make test`); a large N makes it a soak. Every failure message names the
command line to replay it. The seed fixes every choice the program makes,
not the interleaving of its processes, so a rare failure may need a few
runs to show again.
"""
import os
import re
import subprocess

import pytest

from conftest import PYTHON, REPO

STRESS_ROUNDS = int(os.environ.get("STRESS_ROUNDS", "25"))
SECONDS_PER_ROUND = 10                       # generous: a round takes about 1 s under TCG
RUN_TIMEOUT = 60 + SECONDS_PER_ROUND * STRESS_ROUNDS
MIN_CHECKS_PER_ROUND = 1000                  # every round's roles check far more than this
OUTSIDE_ROUNDS_MAX = 10                      # checks the first process makes before and after the rounds
FSCK = REPO / "mkfs" / "fsck"
FSCK_TIMEOUT = 30

COUNTER_RE = re.compile(r"^(\w+) (\d+)$", re.M)    # vmstat and df print "name value" lines
ROUND_RE = re.compile(r"^stress: round (\d+) ok \((\d+) checks\)$", re.M)
OK_RE = re.compile(r"^stress: OK (\d+) (\d+) rounds, (\d+) checks$", re.M)
DF_NAMES = ("free_blocks", "total_blocks", "free_inodes", "total_inodes")


def counters(machine, command):
    """The `name value` lines a command (vmstat, df) prints, as a dict."""
    output = machine.run(command)
    found = dict((name, int(value)) for name, value in COUNTER_RE.findall(output))
    return found, output


def free_pages(machine):
    found, output = counters(machine, "vmstat")
    assert "free_pages" in found, f"expected a `free_pages N` line from vmstat, saw:\n{output}"
    return found["free_pages"]


def disk_space(machine):
    found, output = counters(machine, "df")
    missing = [name for name in DF_NAMES if name not in found]
    assert not missing, f"expected lines {DF_NAMES} from df, missing {missing}; saw:\n{output}"
    return {name: found[name] for name in DF_NAMES}


def seed_for(harts):
    """A fixed seed of its own for each hart count (--cpus may ask for any count)."""
    return 1000 * harts + 24


def replay(seed, rounds, harts):
    return (f"`stress {seed} {rounds}` in `make qemu CPUS={harts}`, or "
            f"STRESS_ROUNDS={rounds} {PYTHON} -m pytest -p no:cacheprovider "
            f"tests/test_stress.py -k {harts}harts")


def check_output(output, seed, rounds, again):
    """The seed line, no failures, every round in order and a total that adds up; returns the total."""
    lines = output.splitlines()
    seed_line = f"stress: seed {seed} rounds {rounds}"
    assert lines and lines[0] == seed_line, \
        f"expected the first line {seed_line!r}, saw {lines[:1]} (replay: {again})\n{output[-3000:]}"
    failed = [line for line in lines if "FAILED" in line]
    assert not failed, (f"expected no FAILED line, saw {len(failed)} (replay: {again}):\n"
                        + "\n".join(failed) + f"\n--- end of output ---\n{output[-3000:]}")
    done = [(int(r), int(n)) for r, n in ROUND_RE.findall(output)]
    assert [r for r, _ in done] == list(range(1, rounds + 1)), (
        f"expected `stress: round R ok (N checks)` for R = 1..{rounds} in order, saw rounds "
        f"{[r for r, _ in done]} (replay: {again})\n{output[-3000:]}")
    few = [(r, n) for r, n in done if n < MIN_CHECKS_PER_ROUND]
    assert not few, (f"expected at least {MIN_CHECKS_PER_ROUND} checks in every round, saw "
                     f"(round, checks) {few} (replay: {again})")
    ok = OK_RE.findall(output)
    expected_ok = (str(seed), str(rounds))
    assert len(ok) == 1 and ok[0][:2] == expected_ok, (
        f"expected one line `stress: OK {seed} {rounds} rounds, C checks`, saw {ok} "
        f"(replay: {again})\n{output[-3000:]}")
    total, rounds_sum = int(ok[0][2]), sum(n for _, n in done)
    # The total adds the first process's own few checks (the directory it makes) to the rounds'.
    assert rounds_sum < total <= rounds_sum + OUTSIDE_ROUNDS_MAX, (
        f"expected the OK line's total to be the rounds' {rounds_sum} checks plus 1 to "
        f"{OUTSIDE_ROUNDS_MAX} more, saw {total} (replay: {again})")
    return total


@pytest.mark.harts(2, 4, 8)
@pytest.mark.timeout(RUN_TIMEOUT + 120)
def test_stress_leaves_nothing_behind(machine, harts, tally):
    seed, rounds = seed_for(harts), STRESS_ROUNDS
    command = f"stress {seed} {rounds}"
    again = replay(seed, rounds, harts)
    # stress keeps a /stress.d it did not make. Made here, before the counts, its
    # entry cannot cost the root directory a new block in the middle of the run.
    machine.run("mkdir /stress.d")
    # The first run of vmstat may itself warm something up: measure from the second.
    free_pages(machine)
    pages_before = free_pages(machine)
    disk_before = disk_space(machine)

    output = machine.run(command, timeout=RUN_TIMEOUT)
    checks = check_output(output, seed, rounds, again)

    pages_after = free_pages(machine)
    assert pages_after == pages_before, (
        f"expected {pages_before} free pages after `{command}` on {harts} harts (as before it), "
        f"saw {pages_after} (replay: {again})")
    disk_after = disk_space(machine)
    assert disk_after == disk_before, (
        f"expected df after `{command}` on {harts} harts to show {disk_before} (as before it), "
        f"saw {disk_after} (replay: {again})")
    check = machine.run("vmcheck")
    assert check == "vmcheck: ok\n", (
        f"expected `vmcheck: ok` (page counts matching the page tables) after `{command}` on "
        f"{harts} harts, saw:\n{check}(replay: {again})")
    # Every system call has returned and the checkpointer has written the log home: fsck must agree.
    machine.wait_log_home()
    fsck = subprocess.run([str(FSCK), str(machine.disk)], capture_output=True, text=True,
                          timeout=FSCK_TIMEOUT)
    assert fsck.returncode == 0, (
        f"expected fsck to find the disk clean after `{command}` on {harts} harts, saw exit "
        f"status {fsck.returncode}:\n{fsck.stdout}{fsck.stderr}(replay: {again})")
    tally("stress", runs=1, rounds=rounds, checks=checks)
