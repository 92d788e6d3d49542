"""
test_console.py: console output from several harts at once arrives in whole
lines. user/test/conlines.c has writers print lines (one write() each) while the
kernel kills other children; every kernel message and every user line must
come out unbroken, as graders and students read them.
"""
import re

import pytest

ROUNDS = 150
WRITERS = 2
TIMEOUT = 180
WRITER_LINE = re.compile(r"conlines w[1-9] \d{4} abcdefghijklmnopqrstuvwxyz")
KILL_LINE = re.compile(r"usertrap: pid \d+ \(conlines\) killed: load page fault "
                       r"at va 0x0000000080000000 pc 0x[0-9a-f]{16}")


@pytest.mark.usertraps
@pytest.mark.harts(3)
@pytest.mark.timeout(TIMEOUT + 60)
def test_lines_from_many_harts_arrive_whole(machine, harts):
    output = machine.run(f"conlines {ROUNDS}", timeout=TIMEOUT)
    lines = output.splitlines()
    assert lines and lines[-1] == "conlines: done", f"expected conlines to finish, saw:\n{output[-2000:]}"
    broken = [line for line in lines[:-1]
              if not (WRITER_LINE.fullmatch(line) or KILL_LINE.fullmatch(line))]
    assert not broken, (f"{len(broken)} lines were cut or mixed (want whole writer lines and whole "
                        f"kernel lines only), first ones:\n" + "\n".join(broken[:10]))
    writers = sum(1 for line in lines if WRITER_LINE.fullmatch(line))
    kills = sum(1 for line in lines if KILL_LINE.fullmatch(line))
    assert (writers, kills) == (WRITERS * ROUNDS, ROUNDS), \
        f"expected {WRITERS * ROUNDS} writer lines and {ROUNDS} kill lines, saw {writers} and {kills}"
