"""
run.py: runs the QEMU tests (tests/test_*.py) with pytest and ends with one
line `N passed, N failed`. Called by `make test`, with the interpreter
`tools/deps.sh python` names; exits non-zero on any failure.

    $(tools/deps.sh python) tests/run.py [-k EXPR] [--cpus N] [other pytest options]
"""
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True     # keep __pycache__ out of the source tree

import pytest  # noqa: E402  (must come after the bytecode switch)

TESTS_DIR = Path(__file__).resolve().parent
RESULTS_DIR = TESTS_DIR / "results"
DEFAULT_TEST_TIMEOUT = 300         # seconds per test unless it sets its own
EXIT_NO_TESTS = pytest.ExitCode.NO_TESTS_COLLECTED


class Tally:
    """pytest plugin: the outcome of each test, a failure in any phase counting as failed."""

    def __init__(self):
        self.outcomes = {}

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.when == "call" or report.skipped:
            self.outcomes.setdefault(report.nodeid, report.outcome)

    def pytest_collectreport(self, report):
        if report.failed:   # a test file that does not even import
            self.outcomes[report.nodeid or "collection"] = "failed"

    def count(self, outcome):
        return sum(1 for seen in self.outcomes.values() if seen == outcome)


def main(args):
    shutil.rmtree(RESULTS_DIR, ignore_errors=True)   # logs describe the latest run only
    tally = Tally()
    status = pytest.main([
        str(TESTS_DIR), "-p", "no:cacheprovider", "--rootdir", str(TESTS_DIR),
        "--timeout", str(DEFAULT_TEST_TIMEOUT), "--timeout-method", "signal",
        "-v", "--tb=short", "-rfE", *args,
    ], plugins=[tally])
    passed, failed = tally.count("passed"), tally.count("failed")
    if status == EXIT_NO_TESTS:
        print("run.py: no test matched", " ".join(args), file=sys.stderr)
    elif status != pytest.ExitCode.OK and failed == 0:
        failed = 1   # pytest itself failed (usage error, interrupt): never report success
    sys.stdout.flush()
    print(f"{passed} passed, {failed} failed", flush=True)
    return 0 if status == pytest.ExitCode.OK and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
