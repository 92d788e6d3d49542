"""
test_cowtest.py: runs the copy-on-write test program (user/cowtest.c) on
several hart counts, and many times in a row in one machine to shake out
races and page leaks.
"""
import re

import pytest

ALL_PASSED = "ALL COW TESTS PASSED"
RESULT_RE = re.compile(r"^(\S+): (\S+)$", re.M)
ONE_RUN_TIMEOUT = 180        # seconds for one cowtest run
REPEAT_RUNS = 20
REPEAT_TIMEOUT = 900         # for all the repeated runs together


def check_cowtest(output, run=None):
    """Fails unless cowtest reported some tests, all `ok`, and its final success line."""
    results = RESULT_RE.findall(output)
    not_ok = [f"{name}: {status}" for name, status in results if status != "ok"]
    where = f" (run {run})" if run is not None else ""
    assert results and not not_ok and ALL_PASSED in output, (
        f"expected `NAME: ok` lines and {ALL_PASSED!r}{where}; saw {len(results)} results, "
        f"not ok: {not_ok}\n--- output ---\n{output}")
    return [name for name, _ in results]


@pytest.mark.harts(1, 3, 8)
@pytest.mark.timeout(ONE_RUN_TIMEOUT + 60)
def test_cowtest(machine, harts):
    check_cowtest(machine.run("cowtest", timeout=ONE_RUN_TIMEOUT))


@pytest.mark.timeout(REPEAT_TIMEOUT)
def test_cowtest_repeat(machine):
    first = check_cowtest(machine.run("cowtest", timeout=ONE_RUN_TIMEOUT), run=1)
    for run in range(2, REPEAT_RUNS + 1):
        names = check_cowtest(machine.run("cowtest", timeout=ONE_RUN_TIMEOUT), run=run)
        assert names == first, f"run {run} reported tests {names}, run 1 reported {first}"
