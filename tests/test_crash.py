"""
test_crash.py: the machine is cut off in the middle of file-system work, and
the disk must lose nothing it promised to keep and leak nothing.

Each crash point boots a fresh copy of fs.img, starts `crashload SEED` (see
user/test/crashload.c: writers appending numbered, self-checking records, renames
by link and unlink, files that come and go, a file written after it was
unlinked, a working directory unlinked under its process) and kills QEMU
with SIGKILL once a chosen number of record lines has appeared on the
console. crashload prints each step after its system call returned, so the
console is each role's history of steps. Then:

  (a) `mkfs/fsck -r` on the crashed image (the log installed, as the boot
      will) may find orphans with nlink 0 (files and directories unlinked
      while in use) and nothing else;
  (b) the image boots to the prompt, replays as many log blocks as fsck did,
      says it freed exactly as many orphans as fsck found, and shows in
      /crash the very files (names, sizes, records) that the host reads from
      the crashed image after installing its log itself;
  (c) `ls /crash`, `crashload check` and fsck's orphans show, for each role,
      the state of its last line, or one step past it: every step announced
      before the kill is on the disk. Every file holds whole
      records 1..N in order, and nothing is there that the console does not
      explain;
  (d) after a clean stop at the prompt, `mkfs/fsck` finds the disk clean,
      and the host reads every file's bytes from the image and checks them
      again.

Why every announced step: a file-system operation that ends while others
still run waits for its group's commit (kernel/fs/log.c), so a write() that
returned is on the disk. (A kernel whose write() returned at once, leaving
the group open, fails this test at most points: records announced a moment
before the kill are missing.)

Crash points come from their index: seed, hart count (1 or 3), kill point
(5 to 200 record lines) and, for half of them, a kill that then waits for
the log header on the disk file to count a committed group, so the crash
lands mid-install and the boot must replay the log. (A kill timed by the
console alone hits that window about once in a hundred points.)
CRASH_POINTS=N (default 12) runs the first N points, for a longer soak. A
failure names its point and the command that runs it again; the seed fixes
every choice crashload makes, not the interleaving, so a rare failure may
need a few runs, or a soak, to show again.
"""
import os
import random
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import Machine
from crashstory import Story, crash, fsck, reboot_and_judge, tail

CRASH_POINTS = int(os.environ.get("CRASH_POINTS", "12"))
MIN_RECORDS, MAX_RECORDS = 5, 200     # record lines to wait for before the kill
HART_CHOICES = (1, 3)


def crash_point(index):
    """
    (seed, harts, record lines before the kill, whether the kill then waits
    for a commit) of crash point index: fixed forever. Both hart counts meet
    both kinds of kill.
    """
    rng = random.Random(index * 7919 + 17)
    return rng.randrange(1, 1_000_000), HART_CHOICES[index % len(HART_CHOICES)], \
        rng.randint(MIN_RECORDS, MAX_RECORDS), index // len(HART_CHOICES) % 2 == 1


@pytest.mark.parametrize("index", range(CRASH_POINTS), ids=lambda i: f"point{i}")
def test_crash_point(index, tally):
    seed, harts, kill_after, in_commit = crash_point(index)
    kill = f"after {kill_after} record lines" + (", at the next commit" if in_commit else "")
    where = (f"crash point {index}: crashload {seed} on {harts} harts, killed {kill} "
             f"(again: CRASH_POINTS={max(CRASH_POINTS, index + 1)} pytest "
             f"'tests/test_crash.py::test_crash_point[point{index}]')")
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        crashed = Path(tmp) / "crashed.img"
        console = crash(seed, harts, kill_after, in_commit, crashed, where)
        said = f"{where}\n--- console before the kill (last lines) ---\n{tail(console)}\n---"
        try:
            story = Story(console[:console.rfind("\n") + 1])
        except AssertionError as e:
            pytest.fail(f"{e}\n{said}", pytrace=False)
        assert story.writers, f"crashload never started:\n{said}"
        orphans, replayed, checked, counts = reboot_and_judge(crashed, story, harts, f"crash-{seed}-reboot", said)
    tally("crash points", points=1, records_announced=counts["announced"], records_found=counts["found"],
          orphans_freed=len(orphans), log_blocks_replayed=replayed)
    print(f"crash point {index}: seed {seed}, {harts} harts, killed {kill}: "
          f"{story.lines} lines, {story.syncs} syncs; writers' records: {counts['announced']} announced, "
          f"{counts['found']} on disk; {len(checked)} files checked; "
          f"{len(orphans)} orphans freed; {replayed} log blocks replayed")


def test_file_made_in_removed_directory_does_not_leak():
    """
    No crash needed: the shell's working directory is unlinked under it, a
    file is made in it, the shell leaves it (its last reference, so it is
    freed). crashload avoids this step, so the crash points stay about crashes.
    """
    machine = Machine("removed-dir", 1)
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        image = Path(tmp) / "after.img"
        try:
            machine.boot()
            for command in ("mkdir /gone", "cd /gone", "rm /gone", "echo lost > x", "cd /"):
                machine.run(command)
            machine.wait_log_home()
            shutil.copyfile(machine.disk, image)
        finally:
            machine.stop()
        status, report = fsck(image)
    assert status == 0, f"after mkdir /gone; cd /gone; rm /gone; echo lost > x; cd /:\n{report}"
