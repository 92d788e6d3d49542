"""
test_mmap_crash.py: a crash while a shared mapping is written back leaves
each page of the file as it was before its write or after it, never torn
(issue 18).

`mapcrash PAGES` (user/test/mapcrash.c) rounds: map a file shared, fill every page
with the round's number, unmap it (the dirty pages go back to the file, in
page order, one log operation each), say the round. QEMU records every disk
write (its blklogwrites driver) and is killed after some rounds. Then, on the
host, the disk is rebuilt after each single write, its log installed as the
boot would, and checked:

- fsck -r finds nothing but orphans (none are made here);
- once the file has its full size, every page holds one byte value alone
  (no page half old, half new), pages in order never go up (a round writes
  the low pages first), and the values differ by at most one round;
- no page goes back from one cut to the next;
- after the last write, every page holds at least the last round announced
  (munmap returned, so its write-back is on the disk).
"""
import re
import tempfile
from pathlib import Path

import pytest

from conftest import Machine, c_define
from crashstory import Image, crashed_fsck
from diskformat import ROOTINO
from test_crash_writes import disk_writes

PAGE_SIZE = c_define("kernel/riscv.h", "PGSIZE")

PAGES = 6
RUNS = ((1, 3), (3, 5), (3, 11))      # (harts, rounds announced before the kill)
FILE_NAME = "mapcrash.f"
ROUND_LINE = re.compile(r"^mapcrash: (\d+)$", re.M)
RUN_TIMEOUT = 300


def page_values(image):
    """The byte each page of the file holds, or None until the file has its full size; fails on a torn page."""
    inum = image.entries(ROOTINO).get(FILE_NAME)
    if inum is None:
        return None
    data = image.contents(inum)
    if len(data) != PAGES * PAGE_SIZE:
        return None
    values = []
    for page in range(PAGES):
        chunk = data[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        assert chunk.count(chunk[0]) == PAGE_SIZE, \
            f"page {page} of {FILE_NAME} is torn: bytes {sorted(set(chunk))}"
        values.append(chunk[0])
    return values


@pytest.mark.timeout(RUN_TIMEOUT)
@pytest.mark.parametrize("cpus,rounds", RUNS, ids=lambda v: str(v))
def test_a_crash_during_write_back_tears_no_page(cpus, rounds, tally):
    harts = cpus
    with tempfile.TemporaryDirectory(prefix="mmap-crash-") as tmp:
        log, cut_image = Path(tmp) / "writes.log", Path(tmp) / "cut.img"
        machine = Machine(f"mapcrash-{harts}-{rounds}", harts, write_log=log)
        try:
            machine.boot()
            machine.run(f"mapcrash {PAGES}", until=rf"mapcrash: {rounds}\r?\n", timeout=RUN_TIMEOUT)
            machine.proc.kill()
            machine.proc.wait()
            machine.console.join(10)
            console = machine.text
        finally:
            machine.stop()
        announced = max(int(k) for k in ROUND_LINE.findall(console))
        writes = disk_writes(log)
        assert writes, f"no disk write was logged:\n{console[-2000:]}"

        disk = bytearray(machine.disk_image.read_bytes())
        before, checked = None, 0
        for cut in range(len(writes) + 1):
            if cut:
                offset, data = writes[cut - 1]
                disk[offset:offset + len(data)] = data
            at = f"{harts} harts, killed after round {announced}: at the cut after write {cut} of {len(writes)}"
            cut_image.write_bytes(disk)
            _, _, trouble = crashed_fsck(cut_image)
            assert trouble is None, f"{at}: {trouble}"
            try:
                values = page_values(Image(disk, replay=True))
            except AssertionError as e:
                raise AssertionError(f"{at}: {e}") from None
            if values is None:
                assert before is None, f"{at}: {FILE_NAME} lost its size"
                continue
            assert values == sorted(values, reverse=True) and values[0] - values[-1] <= 1, \
                f"{at}: pages hold {values}: a round writes its pages in order, one round at a time"
            assert before is None or all(v >= b for v, b in zip(values, before)), \
                f"{at}: pages hold {values} after {before}: a page went back"
            before = values
            checked += 1
        assert before is not None and min(before) >= announced, \
            f"{harts} harts: after the last write the pages hold {before}, but round {announced} " \
            f"was announced (its munmap returned, so its pages are on the disk)"
    tally("shared-mapping write-backs cut after every write", runs=1, cuts_checked=len(writes) + 1,
          whole_file_cuts=checked)
    print(f"mmap write-back crash: {harts} harts, killed after round {announced}: {len(writes)} writes, "
          f"{checked} cuts with the whole file checked page by page")
