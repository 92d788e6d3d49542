"""
test_idle.py: an idle hart never sleeps through a wakeup (issue 20).

The scheduler used to turn interrupts on before `wfi`: a disk interrupt
taken in that window woke the reader, and the hart then slept in `wfi` until
the next timer tick with the reader runnable. The kernel counts every wakeup
an interrupt makes on a hart that is past an empty scan and about to idle
(vmstat's idle_late_wakeups). A disk-heavy workload on one hart, where every
wait for the disk is such a moment, must leave it at 0: the old idle loop
counted about two thousand in one stressfs run. Nothing here is timed.
"""
import re

import pytest

LATE_RE = re.compile(r"^idle_late_wakeups (\d+)$", re.M)
WORKLOAD_TIMEOUT = 240   # seconds for stressfs on one hart


def vmstat_field(machine, pattern, name):
    output = machine.run("vmstat")
    found = pattern.findall(output)
    assert len(found) == 1, f"expected one `{name} N` line from vmstat, saw:\n{output}"
    return int(found[0])


@pytest.mark.timeout(WORKLOAD_TIMEOUT + 60)
@pytest.mark.harts(1, 3)
def test_no_wakeup_is_slept_through(machine, harts):
    output = machine.run("stressfs", timeout=WORKLOAD_TIMEOUT)
    assert "stressfs: OK" in output.splitlines(), f"expected stressfs to succeed, saw:\n{output}"
    late = vmstat_field(machine, LATE_RE, "idle_late_wakeups")
    assert late == 0, (f"expected no wakeup made on a hart about to idle on {harts} hart(s) "
                       f"after a disk-heavy workload, saw {late}")
