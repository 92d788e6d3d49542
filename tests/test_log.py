"""
test_log.py: group commit with two groups in flight and lazy checkpoints
(issue 17).

While one group is written to the disk, the next one takes operations:
concurrent writers, each of whose writes returns only once it is on the
disk, share commits. appendbench reads the log's counters (fsstat) around
its run; with four writers the log must have committed fewer groups than
it took operations, and some groups must have filled while the group before
was being written. A commit writes nothing home: the log fills group after
group, so checkpoints are far fewer than commits; a block committed but not
home reads back as committed after the cache let it go (logtest); and once
the file system is idle, the checkpointer writes the log home. (That the
disk is whole after a crash at any of those moments is the crash suites'
part: tests/test_crash_writes.py cuts the disk after every write of a run
with several concurrent writers.) Nothing here is timed.
"""
import re

import pytest

LINE_RE = re.compile(r"^appendbench: writers (\d+) bytes (\d+) writes (\d+) us \d+ ops_s \d+ kib_s \d+ "
                     r"commits (\d+) ops_per_commit (\d+) overlapped (\d+) checkpoints (\d+)$", re.M)
WRITERS, BYTES, WRITES = 4, 100, 60
RUN_TIMEOUT = 240


@pytest.mark.timeout(RUN_TIMEOUT + 60)
@pytest.mark.harts(1, 3)
def test_concurrent_writers_share_commits_with_a_group_in_flight(machine, harts):
    output = machine.run(f"appendbench {WRITERS} {BYTES} {WRITES}", timeout=RUN_TIMEOUT)
    found = LINE_RE.findall(output)
    assert len(found) == 1, f"expected one appendbench result line, saw:\n{output}"
    writers, size, writes, commits, _, overlapped, checkpoints = (int(x) for x in found[0])
    assert (writers, size, writes) == (WRITERS, BYTES, WRITES), output
    appends = WRITERS * WRITES
    assert 0 < commits < appends, (f"expected {appends} appends by {WRITERS} writers on {harts} hart(s) "
                                   f"to share commits, saw {commits} commits:\n{output}")
    assert overlapped > 0, (f"expected some group to take operations while the one before was "
                            f"written, saw none in {commits} commits:\n{output}")
    assert checkpoints < commits, (f"expected the log to take several commits before it is written "
                                   f"home, saw {checkpoints} checkpoints for {commits} commits:\n{output}")


# One writer's appends log the same two blocks (data, inode) each commit, so
# LOGSIZE slots hold LOGSIZE / 2 commits before the log must be written home.
LOG_SLOTS, SLOTS_PER_APPEND = 30, 2


@pytest.mark.timeout(RUN_TIMEOUT + 60)
@pytest.mark.harts(1)
def test_commits_write_nothing_home_until_the_log_is_full(machine, harts):
    output = machine.run(f"appendbench 1 {BYTES} {WRITES}", timeout=RUN_TIMEOUT)
    found = LINE_RE.findall(output)
    assert len(found) == 1, f"expected one appendbench result line, saw:\n{output}"
    commits, checkpoints = int(found[0][3]), int(found[0][6])
    # The checkpointer may add one where the host stalled the run for a tick.
    most = commits // (LOG_SLOTS // SLOTS_PER_APPEND) + 1
    assert 0 < checkpoints <= most, (f"expected at most {most} checkpoints for {commits} commits of "
                                     f"{SLOTS_PER_APPEND} blocks in a log of {LOG_SLOTS}, saw {checkpoints}:"
                                     f"\n{output}")


@pytest.mark.harts(1, 3)
def test_a_committed_block_not_yet_home_reads_back_from_the_log(machine, harts):
    output = machine.run("logtest", timeout=RUN_TIMEOUT)
    assert re.search(r"^logtest: ok rounds \d+ image_reads [1-9]\d*$", output, re.M), \
        f"expected `logtest: ok` with blocks served from the log, saw:\n{output}"


@pytest.mark.harts(1)
def test_the_checkpointer_writes_an_idle_log_home(machine, harts):
    output = machine.run("echo idle > idle.txt")
    assert output == "", f"expected echo to print nothing, saw:\n{output}"
    machine.wait_log_home()     # asserts df's log_pending reaches 0 (it is 2 until the checkpointer runs)
    assert machine.run("cat idle.txt") == "idle\n"


@pytest.mark.harts(1)
def test_bad_arguments_are_refused(machine, harts):
    for args in ("", "0 100 10", f"{WRITERS} 0 10", f"{WRITERS} 100 0", "99 100 10", "4 999999 10"):
        output = machine.run(f"appendbench {args}")
        assert re.search(r"^(usage: appendbench|appendbench: failed arguments)", output, re.M), \
            f"expected `appendbench {args}` to be refused, saw:\n{output}"
