"""
test_crash_writes.py: the disk is cut after every single write, not only at
the moments a kill happens to land (test_crash.py).

QEMU's blklogwrites driver appends every write the kernel's disk driver makes
to a log file (the dm-log-writes format: a superblock, then per write an
entry naming its sectors, followed by their data). One run of `crashload
SEED` (see test_crash.py), killed after some record lines, gives a few
thousand writes. The test then rebuilds the disk as it stood after write 0,
1, 2, ..., every one of them, and checks each cut on the host:

  (a) `fsck -r` finds nothing wrong but orphans with nlink 0, which the
      boot frees;
  (b) with the log installed, crashload's marker file says "sync K" for a K
      that never goes back from one cut to the next, and after the last
      write it is at least the last "sync" line the console shows (so the
      write log holds everything, and every sync the console announced is
      durable);
  (c) the files in /crash hold whole records in order, and each role's
      files are in a state its console history allows between the lines
      "sync K" and "sync K+1": all steps announced before sync K are there
      (its marker is written alone on the log after them, so it cannot be
      on the disk without them), and nothing done after marker K+1 is.

Then it boots the kernel on the hardest cuts and checks them as test_crash.py
checks a crash (crashstory.reboot_and_judge: the boot replays what fsck
replays, frees the orphans fsck finds, shows what the host reads, and leaves
a clean disk): just after a commit record reached the log header (the boot
must install the groups it counts), in the middle of writing the log's blocks
(the boot must ignore them), in the middle of a checkpoint (some blocks home,
the log still counting them all), and the last write before the kill. The
run's writers overlap their commits (a group fills while the one before is
written) and the log is checkpointed; crashload's sync lines carry the log's
counters, and the test requires both.

Runs come from their index (seed, hart count, record lines before the kill),
fixed forever. CRASH_WRITE_RUNS=N (default 2) runs the first N; `make soak`
runs more.
"""
import os
import random
import re
import struct
import tempfile
from pathlib import Path

import pytest

from conftest import FS_IMAGE
from crashstory import (LOG_COUNT, Image, Story, crash, crashed_fsck, host_view, judge, reboot_and_judge,
                        tail)
from diskformat import BSIZE, SUPERBLOCK

WRITE_RUNS = int(os.environ.get("CRASH_WRITE_RUNS", "2"))
MIN_RECORDS, MAX_RECORDS = 150, 400   # record lines before the kill
HART_CHOICES = (1, 3)
RUN_TIMEOUT = 600                     # seconds for one run: the crash, every cut, three reboots

# The dm-log-writes format, as QEMU's blklogwrites writes it (all little-endian).
LOG_SUPER = struct.Struct("<QQQI")    # magic, version, entries (updated only now and then), sector size
LOG_ENTRY = struct.Struct("<QQQQ")    # first sector, sectors, flags, bytes of a mark's text
LOG_MAGIC = 0x6A736677736872
LOG_VERSION = 1
LOG_FLAG_DISCARD = 4
LOG_FLAG_MARK = 8
# crashload's sync lines carry the log's counters so far.
SYNC_COUNTERS = re.compile(r"^crashload: sync \d+ commits (\d+) overlapped (\d+) checkpoints (\d+)$", re.M)


def write_run(index):
    """(seed, harts, record lines before the kill) of run index."""
    rng = random.Random(index * 104729 + 7)
    return rng.randrange(1, 1_000_000), HART_CHOICES[index % len(HART_CHOICES)], \
        rng.randint(MIN_RECORDS, MAX_RECORDS)


def disk_writes(log):
    """
    [(byte offset on the disk, data)] of every write in the log file, in the
    order the device took them. Flushes carry no data and are skipped. QEMU
    was killed, so the last entry may be cut short (or, with writes in
    flight, a later one written before it): the list ends at the first entry
    that is not whole.
    """
    data = Path(log).read_bytes()
    magic, version, _, sector = LOG_SUPER.unpack_from(data, 0)
    assert magic == LOG_MAGIC and version == LOG_VERSION, \
        f"{log} is not a dm-log-writes log (magic {magic:#x}, version {version})"
    writes = []
    at = sector     # the superblock fills the first sector
    while at + LOG_ENTRY.size <= len(data):
        first, count, flags, _ = LOG_ENTRY.unpack_from(data, at)
        body = at + sector
        if (first, count, flags) == (0, 0, 0) or body + count * sector > len(data):
            break
        assert not flags & (LOG_FLAG_DISCARD | LOG_FLAG_MARK), \
            f"write log entry at byte {at} has flags {flags:#x}: the kernel never discards, QEMU never marks"
        if count:
            writes.append((first * sector, data[body:body + count * sector]))
        at = body + count * sector
    return writes


def hardest_cuts(writes, image):
    """
    The cuts to boot: after a commit record (a log header with a count), so
    the log holds committed groups not yet home; in the middle of a run of
    log block writes; in the middle of a checkpoint (between two writes home,
    the log still counting them); and after the last write. The latest of
    each kind, as its log holds the most.
    """
    _, _, _, _, nlog, logstart, _, _ = SUPERBLOCK.unpack_from(image, BSIZE)
    header = logstart * BSIZE
    log_blocks = range(header + BSIZE, (logstart + nlog) * BSIZE)
    cuts = {"after the last write": len(writes)}
    for cut in range(1, len(writes)):
        offset, data = writes[cut - 1]
        if offset == header and LOG_COUNT.unpack_from(data)[0] > 0:
            cuts["just after a commit record"] = cut
        elif offset in log_blocks and writes[cut][0] in log_blocks:
            cuts["in the middle of writing the log"] = cut
        elif offset >= log_blocks.stop and writes[cut][0] >= log_blocks.stop:
            cuts["in the middle of a checkpoint"] = cut
    return cuts


@pytest.mark.timeout(RUN_TIMEOUT)
@pytest.mark.parametrize("index", range(WRITE_RUNS), ids=lambda i: f"run{i}")
def test_every_write_is_a_safe_place_to_crash(index, tally):
    seed, harts, kill_after = write_run(index)
    where = (f"write-cut run {index}: crashload {seed} on {harts} harts, killed after {kill_after} record "
             f"lines (again: CRASH_WRITE_RUNS={max(WRITE_RUNS, index + 1)} pytest "
             f"'tests/test_crash_writes.py::test_every_write_is_a_safe_place_to_crash[run{index}]')")
    with tempfile.TemporaryDirectory(prefix="crash-writes-") as tmp:
        log, crashed, cut_image = Path(tmp) / "writes.log", Path(tmp) / "crashed.img", Path(tmp) / "cut.img"
        console = crash(seed, harts, kill_after, False, crashed, where, write_log=log)
        console = console[:console.rfind("\n") + 1]
        said = f"{where}\n--- console before the kill (last lines) ---\n{tail(console)}\n---"
        writes = disk_writes(log)
        whole = Story(console)
        assert whole.writers and writes, f"crashload never started, or no write was logged:\n{said}"

        # Every cut, on the host. Stories are made once per marker value.
        disk = bytearray(FS_IMAGE.read_bytes())   # QEMU ran on a copy of it
        start = bytes(disk)
        stories = {}
        marker = 0
        required = 0     # records the cuts' sync markers required, summed over the cuts
        most = 0         # writers' records on the disk at the fullest cut
        with open(cut_image, "wb+") as cut_file:
            cut_file.write(disk)
            for cut in range(len(writes) + 1):
                if cut:
                    offset, data = writes[cut - 1]
                    disk[offset:offset + len(data)] = data
                    cut_file.seek(offset)
                    cut_file.write(data)
                    cut_file.flush()
                at = f"{where}\nat the cut after write {cut} of {len(writes)}"
                orphans, _, trouble = crashed_fsck(cut_image)
                assert trouble is None, f"{at}: {trouble}\n{said}"
                image = Image(disk, replay=True)
                now = image.sync_marker()
                assert now is not None and now >= marker, \
                    f"{at}: the sync marker reads {now}, after {marker} at an earlier cut\n{said}"
                marker = now
                story = stories.setdefault(marker, Story(console, durable=marker))
                listing, checked, bad = host_view(image)
                problems, counts = judge(story, listing, checked, orphans)
                assert not bad and not problems, \
                    f"{at} (sync marker {marker}):\n" + "\n".join(bad + problems) + f"\n{said}"
                required += counts["required"]
                most = max(most, counts["found"])
        counters = SYNC_COUNTERS.findall(console)
        assert counters, f"{where}: crashload printed no sync line with the log's counters\n{said}"
        commits, overlapped, checkpoints = (int(x) for x in counters[-1])
        assert overlapped > 0 and checkpoints > 0, \
            f"{where}: by its last sync the run had {commits} commits, {overlapped} of them overlapping " \
            f"the one before, and {checkpoints} checkpoints: the cuts must cover overlapping commits " \
            f"and checkpoints\n{said}"
        assert marker >= whole.syncs, \
            f"{where}: the console shows {whole.syncs} sync lines, but after the last logged write the " \
            f"marker reads only {marker}: the write log lost writes, or a sync was not durable\n{said}"

        # The hardest cuts, booted.
        booted = []
        for kind, cut in hardest_cuts(writes, start).items():
            disk = bytearray(start)
            for offset, data in writes[:cut]:
                disk[offset:offset + len(data)] = data
            cut_image.write_bytes(disk)
            marker = Image(disk, replay=True).sync_marker()
            orphans, replayed, _, _ = reboot_and_judge(
                cut_image, Story(console, durable=marker), harts, f"crash-writes-{seed}-cut{cut}",
                f"{where}\nbooted the cut after write {cut} of {len(writes)} ({kind})\n{said}")
            booted.append(f"{kind} (write {cut}: {replayed} log blocks replayed, {len(orphans)} orphans freed)")
    tally("disk cut after every write", runs=1, cuts_checked=len(writes) + 1,
          record_checks=required, cuts_booted=len(booted))
    print(f"write-cut run {index}: seed {seed}, {harts} harts, killed after {kill_after} record lines: "
          f"{len(writes)} writes, {len(writes) + 1} cuts checked by fsck and against the console; "
          f"{whole.syncs} syncs; {commits} commits, {overlapped} overlapping, {checkpoints} checkpoints "
          f"before the last; {required} records required by a sync marker, all found (up to {most} "
          f"at one cut); "
          f"booted {'; '.join(booted)}")
