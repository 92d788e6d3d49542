"""
test_log.py: group commit with two groups in flight (issue 17).

While one group is written to the disk, the next one takes operations:
concurrent writers, each of whose writes returns only once it is on the
disk, share commits. appendbench reads the log's counters (fsstat) around
its run; with four writers the log must have committed fewer groups than
it took operations, and some groups must have filled while the group before
was being written. (That the disk is whole after a crash at any of those
moments is the crash suites' part: tests/test_crash_writes.py cuts the disk
after every write of a run with several concurrent writers.) Nothing here is
timed.
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
    writers, size, writes, commits, _, overlapped, _ = (int(x) for x in found[0])
    assert (writers, size, writes) == (WRITERS, BYTES, WRITES), output
    appends = WRITERS * WRITES
    assert 0 < commits < appends, (f"expected {appends} appends by {WRITERS} writers on {harts} hart(s) "
                                   f"to share commits, saw {commits} commits:\n{output}")
    assert overlapped > 0, (f"expected some group to take operations while the one before was "
                            f"written, saw none in {commits} commits:\n{output}")


@pytest.mark.harts(1)
def test_bad_arguments_are_refused(machine, harts):
    for args in ("", "0 100 10", f"{WRITERS} 0 10", f"{WRITERS} 100 0", "99 100 10", "4 999999 10"):
        output = machine.run(f"appendbench {args}")
        assert re.search(r"^(usage: appendbench|appendbench: failed arguments)", output, re.M), \
            f"expected `appendbench {args}` to be refused, saw:\n{output}"
