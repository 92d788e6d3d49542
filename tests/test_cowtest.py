"""
test_cowtest.py: runs the copy-on-write test program (user/cowtest.c) on
several hart counts, and many times in a row in one machine to shake out
races and page leaks. cowtest kills some of its children on purpose.
"""
import re

import pytest

from conftest import REPO, without_usertraps

SOURCE = REPO / "user" / "cowtest.c"
TABLE_RE = re.compile(r"struct test tests\[\] = \{(.*?)\n\};", re.S)
ENTRY_RE = re.compile(r'\{\s*"(\w+)"\s*,\s*\w+\s*\}')
ALL_PASSED = "ALL COW TESTS PASSED"
RESULT_RE = re.compile(r"^(\S+): (ok|FAILED)\b.*$", re.M)
ONE_RUN_TIMEOUT = 180        # seconds for one cowtest run
REPEAT_RUNS = 20
REPEAT_TIMEOUT = 900         # for all the repeated runs together


def table_names():
    """The names in cowtest.c's test table, in order ([] if it cannot be read)."""
    table = TABLE_RE.search(SOURCE.read_text()) if SOURCE.exists() else None
    return ENTRY_RE.findall(table.group(1)) if table else []


def check_cowtest(output, run=None):
    """Fails unless every test in cowtest.c's table said `NAME: ok`, in order, and all passed."""
    expected = table_names()
    clean = without_usertraps(output)
    passed = [m.group(1) for m in RESULT_RE.finditer(clean) if m.group(2) == "ok"]
    failed = [m.group(0) for m in RESULT_RE.finditer(clean) if m.group(2) == "FAILED"]
    where = f" (run {run})" if run is not None else ""
    assert expected, f"could not read the test table in {SOURCE}"
    assert passed == expected and not failed and ALL_PASSED in clean, (
        f"expected `NAME: ok` for {expected} and {ALL_PASSED!r}{where}; "
        f"saw ok for {passed}, failures {failed}\n--- output ---\n{output}")


@pytest.mark.usertraps
@pytest.mark.harts(1, 3, 8)
@pytest.mark.timeout(ONE_RUN_TIMEOUT + 60)
def test_cowtest(machine, harts):
    check_cowtest(machine.run("cowtest", timeout=ONE_RUN_TIMEOUT))


@pytest.mark.usertraps
@pytest.mark.timeout(REPEAT_TIMEOUT)
def test_cowtest_repeat(machine):
    for run in range(1, REPEAT_RUNS + 1):
        check_cowtest(machine.run("cowtest", timeout=ONE_RUN_TIMEOUT), run=run)
