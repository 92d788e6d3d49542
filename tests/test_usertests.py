"""
test_usertests.py: runs the kernel's user-level test suite (user/usertests.c).

One pytest case per usertests test, each in a fresh machine, so a failure names
the test and leaves a transcript of its own; then whole-suite runs, where tests
share one machine as they would by hand: the quick suite on 1 and 3 harts and
the full suite on 8.
The list of names comes from the table in user/usertests.c, read at collection.
"""
import re

import pytest

from conftest import REPO, without_usertraps

SOURCE = REPO / "user" / "usertests.c"
TABLE_START = "/* BEGIN TESTS */"
TABLE_END = "/* END TESTS */"
ENTRY_RE = re.compile(r'^\s*\{\s*"([^"]+)"\s*,\s*\w+\s*,\s*(QUICK|SLOW)\s*\}\s*,', re.M)

ONE_TEST_TIMEOUT = 120     # seconds for one quick test, boot included
SLOW_TEST_TIMEOUT = 600    # for one slow test
QUICK_SUITE_TIMEOUT = 600  # for `usertests -q`
FULL_SUITE_TIMEOUT = 900   # for `usertests`
BOOT_ALLOWANCE = 30        # part of a test's time kept for booting, not for the command
ALL_PASSED = "ALL TESTS PASSED"
# usertests prints one of these after each child the kernel had to kill (expect_killed).
EXPECT_KILL_RE = re.compile(r"^expect kill: pid (\d+): (.+?)(?: at va (0x[0-9a-f]+))?$", re.M)


def read_table():
    """[(name, is_slow)] from the test table, or [] when the file or its markers are missing."""
    if not SOURCE.exists():
        return []
    text = SOURCE.read_text()
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        return []
    return [(name, speed == "SLOW") for name, speed in ENTRY_RE.findall(text[start:end])]


TABLE = read_table()


def time_limit(slow):
    """Seconds one test_one case may take, boot included."""
    return SLOW_TEST_TIMEOUT if slow else ONE_TEST_TIMEOUT


def table_params():
    if not TABLE:
        return [pytest.param(None, id="no-table")]
    return [pytest.param(name, id=name, marks=pytest.mark.timeout(time_limit(slow)))
            for name, slow in TABLE]


def unmatched_kills(output, clean):
    """The expected kills (from usertests' own lines) with no kernel console line to match."""
    unmatched = []
    for pid, cause, va in EXPECT_KILL_RE.findall(clean):
        where = rf" at va {va} pc " if va else r" at (?:va 0x[0-9a-f]+ )?pc "
        kernel_line = rf"usertrap: pid {pid} \(\S+\) killed: {re.escape(cause)}{where}"
        if not re.search(kernel_line, output):
            unmatched.append(f"pid {pid}: {cause}" + (f" at va {va}" if va else ""))
    return unmatched


def check_suite_output(output, names):
    """
    Fails unless every named test reported OK, the suite said it all passed,
    and every kill a test expected shows on the console as the kernel's line
    for that pid, cause and address (an exit status of -1 alone is not enough).
    """
    clean = without_usertraps(output)
    unmatched = unmatched_kills(output, clean)
    assert not unmatched, (f"usertests expected these kills but the kernel printed no matching "
                           f"`usertrap: pid N (name) killed: CAUSE` line: {unmatched}\n{output}")
    passed = set(re.findall(r"^test (\S+): OK$", clean, re.M))
    missing = [n for n in names if n not in passed]
    failed = re.findall(r"^test (\S+): FAILED", clean, re.M)
    # Show what went wrong without the passing tests' lines and the expected kills.
    noteworthy = "\n".join(line for line in clean.splitlines()
                           if not re.fullmatch(r"test \S+: OK", line))
    assert not failed and not missing and ALL_PASSED in clean, (
        f"expected `test NAME: OK` for {len(names)} tests and {ALL_PASSED!r}; "
        f"FAILED: {failed}, no OK line: {missing}, "
        f"{'saw' if ALL_PASSED in clean else 'no'} {ALL_PASSED!r}\n"
        f"--- output without OK and usertrap lines (all in tests/results) ---\n{noteworthy}")


def test_table_parsed():
    assert TABLE, f"no `{{ \"name\", function, QUICK|SLOW }},` entries between " \
                  f"{TABLE_START} and {TABLE_END} in {SOURCE}"


def test_list_matches_table(machine):
    listed = machine.run("usertests -l").splitlines()
    expected = [f"{name} slow" if slow else name for name, slow in TABLE]
    assert listed == expected, f"expected `usertests -l` to print\n{expected}\nsaw\n{listed}"


@pytest.mark.usertraps
@pytest.mark.parametrize("name", table_params())
def test_one(boot, name):
    if name is None:
        pytest.fail(f"could not read the test table in {SOURCE}")
    machine = boot()
    output = machine.run(f"usertests {name}", timeout=time_limit(dict(TABLE)[name]) - BOOT_ALLOWANCE)
    check_suite_output(output, [name])


@pytest.mark.usertraps
@pytest.mark.harts(1, 3)
@pytest.mark.timeout(QUICK_SUITE_TIMEOUT)
def test_quick_suite(machine, harts):
    output = machine.run("usertests -q", timeout=QUICK_SUITE_TIMEOUT - BOOT_ALLOWANCE)
    check_suite_output(output, [name for name, slow in TABLE if not slow])


@pytest.mark.usertraps
@pytest.mark.harts(8)
@pytest.mark.timeout(FULL_SUITE_TIMEOUT)
def test_full_suite(machine, harts):
    output = machine.run("usertests", timeout=FULL_SUITE_TIMEOUT - BOOT_ALLOWANCE)
    check_suite_output(output, [name for name, _ in TABLE])
