"""
test_cowtest.py: runs the copy-on-write test program (user/cowtest.c) on
several hart counts, and many times in a row in one machine to shake out
races and page leaks. cowtest kills some of its children on purpose. On the
eager-copy build (make COW=0) the tests of sharing are skipped, not failed.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO, Machine, default_harts, save_transcripts, without_usertraps

SOURCE = REPO / "user" / "cowtest.c"
TABLE_RE = re.compile(r"struct test tests\[\] = \{(.*?)\n\};", re.S)
ENTRY_RE = re.compile(r'\{\s*"(\w+)"\s*,\s*\w+\s*(?:,\s*\w+\s*)?\}')
ALL_PASSED = "ALL COW TESTS PASSED"
RESULT_RE = re.compile(r"^(\S+): (ok|FAILED)\b.*$", re.M)
ONE_RUN_TIMEOUT = 180        # seconds for one cowtest run
BUILD_TIMEOUT = 600          # seconds to build the eager-copy kernel in a copy of the tree
NEEDS_SHARING_RE = re.compile(r'\{\s*"(\w+)"\s*,\s*\w+\s*,\s*NEEDS_SHARING\s*\}')
SKIPPED_RE = re.compile(r"^(\w+): skipped on the eager-copy build\b.*$", re.M)
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


def eager_kernel(tmp_path):
    """A kernel built with make COW=0 from a copy of the tree's tracked files."""
    tree = tmp_path / "tree"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (REPO / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tree / name)
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    build = subprocess.run(["make", "-s", f"-j{os.cpu_count() or 1}", "COW=0", "kernel/kernel"], cwd=tree,
                           capture_output=True, text=True, env=env, timeout=BUILD_TIMEOUT)
    assert build.returncode == 0, f"make COW=0 kernel/kernel failed:\n{build.stderr[-3000:]}"
    return tree / "kernel" / "kernel"


@pytest.mark.usertraps
@pytest.mark.timeout(BUILD_TIMEOUT + ONE_RUN_TIMEOUT + 60)
def test_cowtest_skips_sharing_tests_on_the_eager_build(tmp_path, request):
    needs_sharing = NEEDS_SHARING_RE.findall(SOURCE.read_text())
    assert needs_sharing, f"expected tests marked NEEDS_SHARING in {SOURCE}"
    machine = Machine(request.node.name, default_harts(request.config), allow_usertraps=True,
                      kernel=eager_kernel(tmp_path))
    try:
        machine.boot()
        output = machine.run("cowtest", timeout=ONE_RUN_TIMEOUT)
    finally:
        machine.stop()
        save_transcripts(request.node.nodeid, [machine])
    clean = without_usertraps(output)
    assert "fork copies every page" in machine.text, f"expected the eager build's boot line:\n{machine.text}"
    skipped = SKIPPED_RE.findall(clean)
    passed = [m.group(1) for m in RESULT_RE.finditer(clean) if m.group(2) == "ok"]
    failed = [m.group(0) for m in RESULT_RE.finditer(clean) if m.group(2) == "FAILED"]
    others = [name for name in table_names() if name not in needs_sharing]
    assert not failed, f"expected no FAILED on the eager build, saw {failed}\n--- output ---\n{output}"
    assert skipped == needs_sharing, \
        f"expected a skip line for each of {needs_sharing}, saw {skipped}\n--- output ---\n{output}"
    assert passed == others, f"expected `NAME: ok` for {others}, saw {passed}\n--- output ---\n{output}"
    summary = f"COW TESTS PASSED but {len(needs_sharing)} skipped on the eager-copy build"
    assert summary in clean and ALL_PASSED not in clean, \
        f"expected the line {summary!r} (and not {ALL_PASSED!r})\n--- output ---\n{output}"
