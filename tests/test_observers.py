"""
test_observers.py: the calls that read another process's memory (vmstat(pid),
vmstat(0), vmmap(pid), vmcheck, the console's ^P listing) race processes that
change their page tables, and nothing breaks (issue 15).

obsrace runs three churners (lazy growth, zero-page and fresh fills, a
copy-on-write child on shared leaf tables, shrinking) and calls the observers
on them in a loop, checking every answer; meanwhile the test types ^P again
each time the previous listing has appeared. Before the address-space lock,
every variant panicked within seconds ("pageref_get: ... is not a managed
page") and vmcheck reported false mismatches. The kernel must not panic,
vmcheck must be exact, and every page must come back.
"""
import re

import pytest

CTRL_P = "\x10"
SECONDS = 4                    # obsrace's own run time, in its uptime() ticks' seconds
RUN_TIMEOUT = 180              # seconds for the whole run on a slow host
OK_RE = re.compile(r"^obsrace: ok calls (\d+)$", re.M)
DONE_RE = re.compile(r"^obsrace: (?:ok|\d+ failures)", re.M)
LISTING_RE = re.compile(r"^1 \w+ init resident \d+ shared \d+$", re.M)   # a ^P listing's init line
MODES = ["vmstat", "vmstat0", "vmmap", "vmcheck"]


def race(machine, args):
    """Runs `obsrace args`, typing ^P after each listing until it ends; (output, listings)."""
    machine.type_line(f"obsrace {args}")
    start = machine.mark
    listings = 0
    while not DONE_RE.search(machine.text, start):
        seen = len(LISTING_RE.findall(machine.text, start))
        machine.send(CTRL_P)
        # The next ^P only once this one's listing is out (or the program is done).
        machine.wait_for(lambda text: len(LISTING_RE.findall(text, start)) > seen or
                         DONE_RE.search(text, start), RUN_TIMEOUT, "a ^P listing or obsrace's end")
        listings += 1
    output = machine.wait_prompt(RUN_TIMEOUT, what="the prompt after obsrace")
    return output, listings


@pytest.mark.timeout(RUN_TIMEOUT + 60)
@pytest.mark.harts(2, 3, 8)
def test_observers_race_page_table_changes(machine, harts, tally):
    output, listings = race(machine, f"{SECONDS} all")
    ok = OK_RE.search(output)
    assert ok, f"expected `obsrace: ok calls N` on {harts} harts, saw:\n{output}"
    assert listings > 0, "expected at least one ^P listing while obsrace ran"
    check = machine.run("vmcheck")
    assert check == "vmcheck: ok\n", f"expected page counts to match the page tables after obsrace:\n{check}"
    tally("observer calls raced", calls=int(ok.group(1)), ctrl_p_listings=listings, kernel_panics=0)


@pytest.mark.timeout(RUN_TIMEOUT + 60)
@pytest.mark.parametrize("mode", MODES)
def test_each_observer_alone(boot, mode, tally):
    # One kind of call at a time on 2 harts, as the reproductions did.
    machine = boot(2)
    output = machine.run(f"obsrace 2 {mode}", timeout=RUN_TIMEOUT)
    ok = OK_RE.search(output)
    assert ok, f"expected `obsrace: ok calls N` with only {mode}, saw:\n{output}"
    tally("observer calls raced", calls=int(ok.group(1)))
