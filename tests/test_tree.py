"""
test_tree.py: the tree stays tidy (issue 19). The test programs that cowtest
and usertests share helpers through user/testlib.h instead of copying them.
No QEMU needed.
"""
import re

from conftest import REPO

USER = REPO / "user"
# What user/testlib.h holds for both programs, as a definition would begin.
SHARED_DEFINITIONS = {
    "FAIL": re.compile(r"^#define FAIL\b", re.M),
    "KILLED": re.compile(r"^#define KILLED\b", re.M),
    "REAP_TICKS": re.compile(r"^#define REAP_TICKS\b", re.M),
    "reap": re.compile(r"^reap\(", re.M),
    "expect_status": re.compile(r"^expect_status\(", re.M),
    "guard_page": re.compile(r"^guard_page\(", re.M),
    "test_name": re.compile(r"^static const char \*test_name\b", re.M),
}


def test_cowtest_and_usertests_share_their_helpers_through_testlib():
    shared = (USER / "testlib.h").read_text()
    for name, definition in SHARED_DEFINITIONS.items():
        assert definition.search(shared), f"expected user/testlib.h to define {name}"
    for program in ("cowtest.c", "usertests.c"):
        text = (USER / program).read_text()
        assert '#include "user/testlib.h"' in text, f"expected user/{program} to include user/testlib.h"
        copied = [name for name, definition in SHARED_DEFINITIONS.items() if definition.search(text)]
        assert not copied, f"user/{program} defines its own {copied}: use user/testlib.h's"
