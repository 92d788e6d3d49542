"""
crashstory.py: what the crash tests (test_crash.py, test_crash_writes.py)
share. crashload's records; reading the files of a disk image on the host;
each role's history as crashload's console lines tell it (Story), and the
judging of a disk state against it; running crashload until a kill; and the
reboot of a crashed image, checked against what the host reads from it.
"""
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, ConsoleError, Machine, c_define
from diskformat import BSIZE, DINODE, DIRENT, NDIRECT, ROOTINO, SUPERBLOCK, T_FILE


LOG_COUNT = struct.Struct("<i")    # the log header's first field: blocks committed, not yet home
NINDIRECT = BSIZE // 4
IPB = BSIZE // DINODE.size

FSCK = REPO / "mkfs" / "fsck"
FSCK_TIMEOUT = 30
WORKLOAD_TIMEOUT = 60                 # for that many lines to appear
COMMIT_TIMEOUT = 10                   # for a commit to show on disk, when the kill waits for one
DIR = "/crash"
# A typed line must fit the console's input ring, newline included, or it never ends.
COMMAND_MAX = c_define("kernel/dev/console.c", "CONSOLE_RING") - 1

# user/test/crashload.c's constants the checks depend on.
WRITER_RECLEN = (64, 100, 300, 1000)
ORPHAN_RECLEN = 512
ORPHAN_MIN = 8                        # records written to an unlinked file before it may be closed
CHURN_MAX_RECORDS = 3
EMPTY_DIR_SIZE = 2 * DIRENT.size      # "." and ".."

RECORD_LINE = re.compile(r"^crashload: ([wt]\d+(?:\.\d+)?) (\d+)\n", re.M)
LINE = re.compile(r"^crashload: (.*)\n", re.M)
FAILED = re.compile(r"^crashload: FAILED.*$", re.M)
REPLAY_LINE = re.compile(r"^log: replaying (\d+) blocks?$", re.M)
FREED_LINE = re.compile(r"^fs: freed (\d+) orphaned inodes? \(unlinked while open when the system stopped\)$", re.M)
FSCK_ORPHAN = re.compile(r"^inode (\d+): orphan: (.+?) of (\d+) bytes with nlink (-?\d+) ")
FSCK_REPLAY_NOTE = re.compile(r"^note: the log held (\d+) blocks? not yet written home")
LS_LINE = re.compile(r"^(\S+)\s+(\d+) (\d+) (\d+)$", re.M)
CHECK_LINE = re.compile(r"^check: (\S+) (missing|not a file|too big.*|records (\d+) size (\d+))$", re.M)
CHECK_BAD = re.compile(r"^check: (\S+) bad record .*$", re.M)
SYNC_MARKER = "crashsync"             # in the root: "sync K\n" (crashload's SYNC_MARKER)
SYNC_MARKER_LINE = re.compile(rb"sync (\d{6})\n")

# ---- records, as user/test/crashload.c makes them ----

def record(stream, number, length):
    """Record `number` of `stream`, `length` bytes: header, letters, newline."""
    head = f"{stream}:{number:06d}:{length:04d}:".encode()
    h = number * 7 & 0xFFFFFFFF
    for c in stream.encode():
        h = (h * 31 + c) & 0xFFFFFFFF
    body = bytes(ord("a") + ((h + i) & 0xFFFFFFFF) % 26 for i in range(len(head), length - 1))
    return head + body + b"\n"


def count_records(stream, data):
    """How many whole records 1, 2, ... data starts with, and the offset after them."""
    number = off = 0
    header = re.compile(rb"%s:\d{6}:(\d{4}):" % re.escape(stream.encode()))
    fixed = WRITER_RECLEN[int(stream[1:])] if stream[0] == "w" else None
    while off < len(data):
        found = header.match(data, off)
        if not found:
            break
        length = int(found.group(1))
        if (fixed and length != fixed) or data[off:off + length] != record(stream, number + 1, length):
            break
        number += 1
        off += length
    return number, off


# ---- reading the files of an image on the host ----

class Image:
    """
    Just enough of the file system format to read the files under one
    directory; with replay, after installing a committed log in memory, as
    the kernel's boot does (fsck -r has checked the header by then). source
    is an image file or its bytes.
    """

    def __init__(self, source, replay=False):
        self.data = bytearray(source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes())
        _, _, _, _, _, logstart, self.inodestart, _ = SUPERBLOCK.unpack_from(self.data, BSIZE)
        if replay:
            count = LOG_COUNT.unpack_from(self.data, logstart * BSIZE)[0]
            homes = struct.unpack_from(f"<{count}i", self.data, logstart * BSIZE + LOG_COUNT.size)
            for slot, home in enumerate(homes):
                copy = (logstart + 1 + slot) * BSIZE
                self.data[home * BSIZE:(home + 1) * BSIZE] = self.data[copy:copy + BSIZE]

    def inode(self, inum):
        off = (self.inodestart + inum // IPB) * BSIZE + inum % IPB * DINODE.size
        return DINODE.unpack_from(self.data, off)

    def contents(self, inum):
        _, _, _, _, size, *addrs = self.inode(inum)
        blocks = list(addrs[:NDIRECT])
        if addrs[NDIRECT]:
            blocks += struct.unpack_from(f"<{NINDIRECT}I", self.data, addrs[NDIRECT] * BSIZE)
        need = -(-size // BSIZE)
        return b"".join(self.data[b * BSIZE:(b + 1) * BSIZE] for b in blocks[:need])[:size]

    def entries(self, inum):
        data = self.contents(inum)
        found = {}
        for off in range(0, len(data), DIRENT.size):
            child, name = DIRENT.unpack_from(data, off)
            if child:
                found[name.rstrip(b"\0").decode()] = child
        return found

    def files_in(self, name):
        """{file name: contents} of the plain files in the root's subdirectory `name` (if any)."""
        where = self.entries(ROOTINO).get(name)
        if where is None:
            return {}
        return {n: self.contents(i) for n, i in self.entries(where).items() if self.inode(i)[0] == T_FILE}

    def listing(self, name):
        """{entry name: (type, inum, size)} of the root's subdirectory `name`, as `ls` shows it."""
        where = self.entries(ROOTINO).get(name)
        if where is None:
            return {}
        return {n: (self.inode(i)[0], i, self.inode(i)[4]) for n, i in self.entries(where).items()}

    def sync_marker(self):
        """K of crashload's last "sync K" marker in the image, 0 before the first; None if garbled."""
        inum = self.entries(ROOTINO).get(SYNC_MARKER)
        data = self.contents(inum) if inum else b""
        if not data:
            return 0
        found = SYNC_MARKER_LINE.fullmatch(data)
        return int(found.group(1)) if found else None


# ---- what the console says happened before the kill ----

class Role:
    """
    The disk states one role of crashload went through, as its console lines
    tell them. A role prints after each system call, and a system call
    returns only once its changes are committed, so after a crash the disk
    shows the state of the last line or, if the role's next call got that
    far, one step past it. A test that knows less (a disk cut at some write,
    whose sync marker says "sync K") moves the lower bound back to the line
    "sync K" with sync().
    """

    def __init__(self, initial):
        self.states = [initial]
        self.sync_at = 0

    def set(self, state):
        self.states.append(state)

    @property
    def last(self):
        return self.states[-1]

    def sync(self):
        self.sync_at = len(self.states) - 1

    def allowed(self):
        states = self.states[self.sync_at:] + self.next_states()
        return list(dict.fromkeys(states))   # in order, once each

    def next_states(self):
        raise NotImplementedError


def generation(name):
    return int(name.split(".")[1])


class Writer(Role):
    """w<k>: state (names of the file, records in it)."""

    def __init__(self, k):
        super().__init__((frozenset(), 0))
        self.k = k

    def take(self, words):
        names, records = self.last
        if words[0] == "create":
            self.set((frozenset([words[1]]), 0))
        elif words[0] == "link":
            self.set((names | {words[2]}, records))
        elif words[0] == "unlink":
            self.set((names - {words[1]}, records))
        else:
            number = int(words[1])
            assert names == {words[0]} and number == records + 1, \
                f"crashload printed {' '.join(words)} after {sorted(names)} with {records} records"
            self.set((names, number))

    def next_states(self):
        names, records = self.last
        if not names:
            return [(frozenset([f"w{self.k}.0"]), 0)]
        if len(names) == 2:
            return [(names - {min(names, key=generation)}, records)]
        name = next(iter(names))
        following = f"w{self.k}.{generation(name) + 1}"
        return [(names, records + 1), (names | {following}, records)]


class Churner(Role):
    """t files: state frozenset of (name, records)."""

    def __init__(self):
        super().__init__(frozenset())
        self.latest = -1

    def take(self, words):
        files = dict(self.last)
        if words[0] == "create":
            files[words[1]] = 0
            self.latest = int(words[1][1:])
        elif words[0] == "unlink":
            del files[words[1]]
        else:
            files[words[0]] = int(words[1])
        self.set(frozenset(files.items()))

    def next_states(self):
        files = dict(self.last)
        states = [frozenset((n, r) for n, r in files.items() if n != gone) for gone in files]
        latest = f"t{self.latest}"
        if files.get(latest, CHURN_MAX_RECORDS) < CHURN_MAX_RECORDS:
            states.append(frozenset({**files, latest: files[latest] + 1}.items()))
        states.append(frozenset({**files, f"t{self.latest + 1}": 0}.items()))
        return states


class OrphanMaker(Role):
    """o files: state (name of the o file still named, size of the unlinked one held open)."""

    def __init__(self):
        super().__init__((None, None))
        self.latest = -1

    def take(self, words):
        if words[0] == "create":
            self.set((words[1], None))
            self.latest = int(words[1][1:])
        elif words[0] == "open-unlinked":
            self.set((None, 0))
        elif words[0] == "orphan":
            self.set((None, int(words[2]) * ORPHAN_RECLEN))
        elif words[0] == "close":
            self.set((None, None))

    def next_states(self):
        named, size = self.last
        if named is not None:
            return [(None, 0)]
        if size is not None:
            closing = [(None, None)] if size >= ORPHAN_MIN * ORPHAN_RECLEN else []
            return [(None, size + ORPHAN_RECLEN)] + closing
        return [(f"o{self.latest + 1}", None)]


class DirRemover(Role):
    """d directories: state (name of the d directory still named, a removed one still in use)."""

    def __init__(self):
        super().__init__((None, False))
        self.latest = -1

    def take(self, words):
        if words[0] == "mkdir":
            self.set((words[1], False))
            self.latest = int(words[1][1:])
        elif words[0] == "rmdir":
            self.set((None, True))
        elif words[0] == "reaped":
            self.set((None, False))

    def next_states(self):
        named, in_use = self.last
        if named is not None:
            return [(None, True)]
        if in_use:
            return [(None, False)]
        return [(f"d{self.latest + 1}", False)]


class Story:
    """
    Every role's history, from the console lines before the kill: every
    step announced must be on the disk. With durable=K (a disk cut at some
    write, holding crashload's marker of sync K, not of K + 1) the steps
    announced before the line "sync K" must be there, and the history ends
    at the line "sync K+1": no step after that marker can be on a disk
    without it.
    """

    def __init__(self, console, durable=None):
        self.writers = []
        self.churner = Churner()
        self.orphans = OrphanMaker()
        self.dirs = DirRemover()
        self.lines = self.syncs = 0
        self.durable = durable
        for line in LINE.findall(console):
            words = line.split()
            if durable is not None and words[0] == "sync" and int(words[1]) > durable:
                break
            self._take(words)
            self.lines += 1
        if durable is None:
            for role in self.roles():
                role.sync()

    def roles(self):
        return self.writers + [self.churner, self.orphans, self.dirs]

    def _take(self, words):
        first = words[-1] if words[0] in ("create", "unlink", "link") else words[0]
        if words[0] == "start":
            self.writers = [Writer(k) for k in range(int(words[4]))]
        elif words[0] == "sync":
            self.syncs += 1
            for role in self.roles():
                role.sync()
        elif words[0] in ("orphan", "open-unlinked", "close") or first[0] == "o":
            self.orphans.take(words)
        elif words[0] in ("mkdir", "rmdir", "reaped", "cwd", "in-removed", "left"):
            self.dirs.take(words)
        elif first[0] == "w":
            self.writers[int(first[1:].split(".")[0])].take(words)
        elif first[0] == "t":
            self.churner.take(words)


def judge(story, listing, checked, orphans):
    """
    Problems with what the reboot found: listing is {name: (type, inum, size)}
    from `ls /crash`, checked {name: records} from crashload check, orphans
    [(inum, type, size, nlink)] from fsck -r. Also returns the writers' record
    counts for the summary: announced, required (all announced, or those
    announced before the line "sync K" of a durable marker K) and found.
    """
    problems = []
    counts = {"announced": 0, "required": 0, "found": 0}
    explained = {".", ".."}

    def check(role, what, got):
        allowed = role.allowed()
        if got not in allowed:
            since = "its last line" if story.durable is None else f"the line sync {story.durable}"
            problems.append(f"{what}: the disk shows {show(got)}; the console allows only, from {since} "
                            f"on: {', '.join(show(a) for a in allowed)}")

    for writer in story.writers:
        stream = f"w{writer.k}"
        present = sorted(n for n in listing if n.split(".")[0] == stream)
        explained.update(present)
        if len({listing[n][1] for n in present}) > 1:
            problems.append(f"{stream}: names {present} are different inodes, expected one file")
            continue
        records = checked.get(present[0], 0) if present else 0
        check(writer, stream, (frozenset(present), records))
        seen = writer.last[1]
        counts["announced"] += seen
        counts["required"] += writer.states[writer.sync_at][1]
        counts["found"] += min(records, seen)

    present = {n: checked.get(n, 0) for n in listing if re.fullmatch(r"t\d+", n)}
    explained.update(present)
    check(story.churner, "churned t files", frozenset(present.items()))

    named = [n for n in listing if re.fullmatch(r"o\d+", n)]
    explained.update(named)
    files = [o for o in orphans if o[1] == "file"]
    if len(named) > 1 or len(files) > 1 or any(listing[n][2] != 0 for n in named):
        problems.append(f"o files: named {named}, unlinked {files}: crashload has one at a time, "
                        f"empty until unlinked")
    else:
        check(story.orphans, "unlinked-open o file",
              (named[0] if named else None, files[0][2] if files else None))

    named = [n for n in listing if re.fullmatch(r"d\d+", n)]
    explained.update(named)
    dirs = [o for o in orphans if o[1] == "directory"]
    if len(named) > 1 or len(dirs) > 1 or any(o[2] != EMPTY_DIR_SIZE for o in dirs):
        problems.append(f"d directories: named {named}, unlinked {dirs}: crashload has one at a time, "
                        f"and an unlinked one is empty ({EMPTY_DIR_SIZE} bytes)")
    else:
        check(story.dirs, "removed working directory", (named[0] if named else None, bool(dirs)))

    for inum, kind, size, nlink in orphans:
        if nlink != 0:
            problems.append(f"inode {inum}: {kind} of {size} bytes that no directory names has nlink {nlink}: "
                            f"the boot frees only nlink 0, so it leaks for good")
        elif kind not in ("file", "directory"):
            problems.append(f"inode {inum}: orphan {kind} of {size} bytes, which crashload never makes")
    for name in sorted(set(listing) - explained):
        problems.append(f"{name}: in {DIR}, but no console line explains it")
    return problems, counts


def show(state):
    """A role state in a failure message, with sets sorted."""
    if isinstance(state, frozenset):
        return "{" + ", ".join(f"{n}: {r}" for n, r in sorted(state)) + "}"
    if isinstance(state, tuple) and isinstance(state[0], frozenset):
        return f"{sorted(state[0])} with {state[1]} records"
    return repr(state)


def fsck(image, *options):
    run = subprocess.run([str(FSCK), *options, str(image)], capture_output=True, text=True,
                         timeout=FSCK_TIMEOUT)
    return run.returncode, run.stdout + run.stderr


def crashed_fsck(image):
    """
    fsck -r on a crashed image: (orphans [(inum, kind, size, nlink)], log
    blocks it installed, trouble). trouble is None, or fsck's report when it
    found more than orphans with nlink 0 (which the boot frees): damage.
    """
    status, report = fsck(image, "-r")
    orphans, others = [], []
    replayed = 0
    for line in report.splitlines():
        if (m := FSCK_ORPHAN.match(line)):
            orphans.append((int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))))
        elif (m := FSCK_REPLAY_NOTE.match(line)):
            replayed = int(m.group(1))
        elif not line.startswith(("note:", "fsck:")):
            others.append(line)
    if status not in (0, 1) or others or any(o[3] != 0 for o in orphans):
        return orphans, replayed, f"fsck -r found more than orphans with nlink 0 (which the boot frees):\n{report}"
    return orphans, replayed, None


def host_view(image):
    """
    What a reboot should show, read on the host from a crashed image with its
    log installed: (listing of /crash, {file: whole records}, problems with
    the files' bytes).
    """
    name = DIR.strip("/")
    listing = image.listing(name)
    checked, bad = {}, []
    for file, data in sorted(image.files_in(name).items()):
        number, end = count_records(file.split(".")[0], data)
        checked[file] = number
        if end != len(data):
            bad.append(f"{file}: {number} whole records, then {len(data) - end} bytes that are not record "
                       f"{number + 1}: {bytes(data[end:end + 40])!r}")
    return listing, checked, bad


def kill_in_commit(machine):
    """
    Watches the log header on the running machine's disk and kills QEMU as
    soon as it counts a committed group: the crash then lands between the
    commit point and the end of the install, which only the log's replay
    repairs. Returns the count seen, or None if no commit came.
    """
    with open(machine.disk, "rb", buffering=0) as disk:
        fd = disk.fileno()
        logstart = SUPERBLOCK.unpack(os.pread(fd, SUPERBLOCK.size, BSIZE))[5]
        deadline = time.monotonic() + COMMIT_TIMEOUT
        while time.monotonic() < deadline:
            count = LOG_COUNT.unpack(os.pread(fd, LOG_COUNT.size, logstart * BSIZE))[0]
            if count > 0:
                machine.proc.kill()
                return count
    return None


def crash(seed, harts, kill_after, in_commit, scratch, where, write_log=None):
    """
    Runs crashload SEED until kill_after record lines (then, if in_commit,
    until a commit is on its way home) and kills QEMU; returns the console.
    The crashed disk is copied to scratch; with write_log, QEMU records every
    disk write there.
    """
    machine = Machine(f"crash-{seed}", harts, write_log=write_log)
    counted = {"at": 0, "n": 0, "failed": None}

    def enough(text):
        # Looks at each complete line once: the wait calls this for every chunk of output.
        end = text.rfind("\n") + 1
        counted["n"] += len(RECORD_LINE.findall(text, counted["at"], end))
        counted["failed"] = counted["failed"] or FAILED.search(text, counted["at"], end)
        counted["at"] = max(counted["at"], end)
        return True if counted["failed"] or counted["n"] >= kill_after else None

    try:
        machine.boot()
        machine.send(f"crashload {seed}\n")
        machine.wait_for(enough, WORKLOAD_TIMEOUT, f"{kill_after} record lines from crashload")
        if in_commit and not counted["failed"] and kill_in_commit(machine) is None:
            pytest.fail(f"{where}\nno commit reached the disk's log in {COMMIT_TIMEOUT} s while crashload "
                        f"ran:\n{machine.tail()}", pytrace=False)
        machine.proc.kill()
        machine.proc.wait()
        machine.console.join(10)
        shutil.copyfile(machine.disk, scratch)
        console = machine.text
    except ConsoleError as e:
        pytest.fail(f"{where}\nbefore the kill: {e}", pytrace=False)
    finally:
        machine.stop()
    if counted["failed"]:
        pytest.fail(f"{where}\ncrashload reported a failure before the kill: {counted['failed'].group(0)}\n"
                    f"{tail(console)}", pytrace=False)
    return console


def tail(text, lines=40):
    return "\n".join(text.split("\n")[-lines:])


def listing_of(output):
    return {m.group(1): (int(m.group(2)), int(m.group(3)), int(m.group(4))) for m in LS_LINE.finditer(output)}


def check_commands(files):
    """`crashload check` command lines for the files in /crash, each short enough to type."""
    commands, command = [], ""
    for file in files:
        path = f"{DIR}/{file}"
        if command and len(command) + 1 + len(path) + 1 > COMMAND_MAX:
            commands.append(command)
            command = ""
        command = f"{command} {path}" if command else f"crashload check {path}"
    return commands + [command] if command else commands


def reboot_and_judge(crashed, story, harts, name, said):
    """
    The checks after a crash, on the crashed image file `crashed`: (a) fsck -r
    finds at most orphans with nlink 0; (b) the image boots, replays as many
    log blocks as fsck did and frees exactly its orphans; (c) what `ls` and
    `crashload check` show in /crash is what the host reads from the image
    with its log installed, and a state each role's history allows; (d)
    after a clean stop, fsck finds the disk clean and every file whole.
    said ends every failure message (where the crash was, the console).
    Returns (orphans, log blocks replayed, {file: records}, judge's counts).
    """
    __tracebackhide__ = True
    # (a) The crashed disk, its log installed: only orphans with nlink 0 may be wrong.
    orphans, replayed, trouble = crashed_fsck(crashed)
    assert trouble is None, f"{trouble}\n{said}"
    host_listing, host_checked, _ = host_view(Image(crashed, replay=True))

    # (b) The crashed disk boots, replays what fsck replayed, frees what fsck called orphans.
    machine = Machine(name, harts, disk=crashed)
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        after = Path(tmp) / "after.img"
        try:
            machine.boot()
            boot_text = machine.text
            replay = REPLAY_LINE.search(boot_text)
            assert (int(replay.group(1)) if replay else 0) == replayed, \
                f"fsck -r installed {replayed} log blocks, the boot said {replay and replay.group(0)!r}\n{said}"
            freed = FREED_LINE.search(boot_text)
            assert (int(freed.group(1)) if freed else 0) == len(orphans), \
                f"fsck -r found {len(orphans)} orphans, the boot said {freed and freed.group(0)!r}:\n" \
                f"{boot_text}\n{said}"

            # (c) Each role's files are in a state its history allows; nothing unexplained is there.
            listing = listing_of(machine.run(f"ls {DIR}"))
            # crashload makes the directory before the first sync: only then may it be missing.
            assert "." in listing or not story.syncs, \
                f"`ls {DIR}` after the reboot listed nothing:\n{machine.tail()}\n{said}"
            files = sorted(n for n, (kind, _, _) in listing.items() if kind == T_FILE)
            checked, bad = {}, []
            for command in check_commands(files):
                out = machine.run(command)
                for m in CHECK_LINE.finditer(out):
                    file = m.group(1)[len(DIR) + 1:]
                    if m.group(3) is None:
                        bad.append(m.group(0))
                    else:
                        checked[file] = int(m.group(3))
                        if int(m.group(4)) != listing[file][2]:
                            bad.append(f"{m.group(0)}: ls said {listing[file][2]} bytes")
                bad += [m.group(0) for m in CHECK_BAD.finditer(out)]
            bad += [f"{n}: crashload check printed nothing" for n in files if n not in checked]
            # What the boot's recovery shows must be what installing the log on the host gives.
            booted = {n: (listing[n][2], checked.get(n)) for n in files}
            on_host = {n: (size, host_checked.get(n)) for n, (kind, _, size) in sorted(host_listing.items())
                       if kind == T_FILE}
            if booted != on_host:
                bad.append(f"the booted kernel shows (bytes, records) {booted}, but the crashed image with "
                           f"its log installed on the host holds {on_host}")
            problems, counts = judge(story, listing, checked, orphans)
            assert not bad and not problems, "after the reboot:\n" + "\n".join(bad + problems) + \
                f"\n`ls {DIR}`:\n" + "\n".join(f"{n} {v}" for n, v in sorted(listing.items())) + f"\n{said}"
            machine.wait_log_home()
            shutil.copyfile(machine.disk, after)
        except ConsoleError as e:
            pytest.fail(f"{said}\nafter the reboot: {e}", pytrace=False)
        finally:
            machine.stop()

        # (d) Stopped at the prompt with the log written home: clean, orphans reclaimed, no leak.
        status, report = fsck(after)
        assert status == 0, f"fsck after the reboot and a clean stop:\n{report}\n{said}"
        _, on_disk, bad = host_view(Image(after))
        assert on_disk == checked and not bad, \
            f"read from the image after the reboot: {on_disk} whole records {bad}; crashload check saw " \
            f"{checked}\n{said}"
    return orphans, replayed, checked, counts
