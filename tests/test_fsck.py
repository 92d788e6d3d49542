"""
test_fsck.py: mkfs/fsck, the file system image checker (host only, no QEMU).

A fresh image from mkfs/mkfs must be clean. Copies of it are then broken on
purpose, one fault each, and fsck must report exactly that fault (one problem
line, the right count in the summary) and exit 1. The editing helpers find
every region through the image's own superblock; sizes come from kernel/fs.h
and kernel/stat.h. The faults run against fsck built with AddressSanitizer and
UBSan, since fsck reads damaged data; the Makefile's mkfs/fsck checks an image
built the way the Makefile builds fs.img.
"""
import os
import random
import re
import struct
import subprocess

import pytest

from conftest import REPO
from diskformat import BSIZE, DINODE, DIRENT, NDIRECT, ROOTINO, SUPERBLOCK, T_DEVICE, T_DIR, T_FILE


UINT = struct.Struct("<I")
LOG_INT = struct.Struct("<i")        # the log header: int n, then int block[]
NINDIRECT = BSIZE // UINT.size
IPB = BSIZE // DINODE.size
BPB = BSIZE * 8
SUPERBLOCK_NO = 1

FSCK = REPO / "mkfs" / "fsck"
MKFS = REPO / "mkfs" / "mkfs"
SUMMARY_CLEAN = re.compile(r"^fsck: (.+): clean: (\d+) inodes, (\d+) data blocks in use, (\d+) free$")
SUMMARY_PROBLEMS = re.compile(r"^fsck: (.+): (\d+) problems? \((.+)\)$")
RANDOM_DAMAGE_RUNS = 60
DOTS = 'bad "." or ".." entry'


# ---- the image and its editing helpers ----

class Inode:
    """A decoded struct dinode; change fields, then Image.put_inode()."""

    def __init__(self, values):
        self.type, self.major, self.minor, self.nlink, self.size = values[:5]
        self.addrs = list(values[5:])

    def pack_into(self, data, offset):
        DINODE.pack_into(data, offset, self.type, self.major, self.minor, self.nlink, self.size,
                         *self.addrs)


class Image:
    """An image in memory, its layout read from its own superblock."""

    def __init__(self, data):
        self.data = bytearray(data)
        (self.magic, self.size, self.nblocks, self.ninodes, self.nlog, self.logstart,
         self.inodestart, self.bmapstart) = SUPERBLOCK.unpack_from(self.data, SUPERBLOCK_NO * BSIZE)
        self.datastart = self.size - self.nblocks

    def put_superblock_field(self, index, value):
        fields = list(SUPERBLOCK.unpack_from(self.data, SUPERBLOCK_NO * BSIZE))
        fields[index] = value
        SUPERBLOCK.pack_into(self.data, SUPERBLOCK_NO * BSIZE, *fields)

    # inodes
    def inode_block(self, inum):
        return self.inodestart + inum // IPB

    def _inode_offset(self, inum):
        return self.inode_block(inum) * BSIZE + (inum % IPB) * DINODE.size

    def inode(self, inum):
        return Inode(DINODE.unpack_from(self.data, self._inode_offset(inum)))

    def put_inode(self, inum, ino):
        ino.pack_into(self.data, self._inode_offset(inum))

    def edit_inode(self, inum, **fields):
        ino = self.inode(inum)
        for name, value in fields.items():
            setattr(ino, name, value)
        self.put_inode(inum, ino)

    def free_inode(self):
        return next(i for i in range(ROOTINO, self.ninodes) if self.inode(i).type == 0)

    def new_inode(self, type_, nlink):
        inum = self.free_inode()
        self.put_inode(inum, Inode([type_, 0, 0, nlink, 0] + [0] * (NDIRECT + 1)))
        return inum

    # blocks and the bitmap
    def file_block(self, inum, fbn):
        ino = self.inode(inum)
        if fbn < NDIRECT:
            return ino.addrs[fbn]
        if ino.addrs[NDIRECT] == 0:
            return 0
        return UINT.unpack_from(self.data, ino.addrs[NDIRECT] * BSIZE + (fbn - NDIRECT) * UINT.size)[0]

    def blocks_of(self, inum):
        """Every block the inode uses: direct ones, the indirect block, then its slots."""
        ino = self.inode(inum)
        blocks = [b for b in ino.addrs if b]
        if ino.addrs[NDIRECT]:
            blocks += [self.file_block(inum, NDIRECT + i) for i in range(NINDIRECT)
                       if self.file_block(inum, NDIRECT + i)]
        return blocks

    def _bit(self, b):
        return (self.bmapstart + b // BPB) * BSIZE + (b % BPB) // 8, 1 << (b % 8)

    def marked(self, b):
        where, mask = self._bit(b)
        return bool(self.data[where] & mask)

    def set_marked(self, b, used):
        where, mask = self._bit(b)
        self.data[where] = self.data[where] | mask if used else self.data[where] & (0xff ^ mask)

    def free_block(self):
        return next(b for b in range(self.datastart, self.size) if not self.marked(b))

    def alloc_block(self):
        b = self.free_block()
        self.set_marked(b, True)
        self.data[b * BSIZE:(b + 1) * BSIZE] = bytes(BSIZE)
        return b

    # directories
    def _entry_offset(self, dir_inum, off):
        return self.file_block(dir_inum, off // BSIZE) * BSIZE + off % BSIZE

    def entries(self, dir_inum):
        """(byte offset, inum, name) of every entry of the directory."""
        found = []
        for off in range(0, self.inode(dir_inum).size, DIRENT.size):
            inum, raw = DIRENT.unpack_from(self.data, self._entry_offset(dir_inum, off))
            found.append((off, inum, raw.rstrip(b"\0").decode()))
        return found

    def lookup(self, name, dir_inum=ROOTINO):
        return next(inum for _, inum, n in self.entries(dir_inum) if inum and n == name)

    def set_entry(self, dir_inum, name, inum):
        off = next(o for o, i, n in self.entries(dir_inum) if i and n == name)
        DIRENT.pack_into(self.data, self._entry_offset(dir_inum, off), inum, name.encode())

    def append_entry(self, dir_inum, name, inum):
        """A new entry at the end of the directory, growing it by a block when needed."""
        d = self.inode(dir_inum)
        off = d.size
        if off % BSIZE == 0:
            assert off // BSIZE < NDIRECT, "the helpers grow directories through direct blocks only"
            d.addrs[off // BSIZE] = self.alloc_block()
        d.size += DIRENT.size
        self.put_inode(dir_inum, d)
        DIRENT.pack_into(self.data, self._entry_offset(dir_inum, off), inum, name.encode())

    def add_directory(self, parent, name):
        """A directory as mkdir makes one: "." and "..", named in parent, parent's nlink + 1."""
        inum = self.new_inode(T_DIR, 1)
        self.append_entry(inum, ".", inum)
        self.append_entry(inum, "..", parent)
        self.append_entry(parent, name, inum)
        self.edit_inode(parent, nlink=self.inode(parent).nlink + 1)
        return inum

    def add_device(self, name, major=1):
        inum = self.new_inode(T_DEVICE, 1)
        self.edit_inode(inum, major=major)
        self.append_entry(ROOTINO, name, inum)
        return inum

    # the log
    def set_log(self, homes):
        """A committed group: each home block copied to its log slot, the header counting them."""
        header = self.logstart * BSIZE
        LOG_INT.pack_into(self.data, header, len(homes))
        for i, home in enumerate(homes):
            LOG_INT.pack_into(self.data, header + LOG_INT.size * (1 + i), home)
            slot = (self.logstart + 1 + i) * BSIZE
            self.data[slot:slot + BSIZE] = self.data[home * BSIZE:(home + 1) * BSIZE]


# ---- running the tools ----

class Result:
    """What one fsck run printed, split into problem lines, notes and the summary."""

    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        lines = proc.stdout.splitlines()
        self.summary = lines[-1] if lines else ""
        self.notes = [line for line in lines[:-1] if line.startswith("note: ")]
        self.problems = [line for line in lines[:-1] if not line.startswith("note: ")]

    def __str__(self):
        return f"exit {self.rc}\nstdout:\n{self.stdout}stderr:\n{self.stderr}"


def run(program, image_path, *options):
    proc = subprocess.run([str(program), *options, str(image_path)], capture_output=True,
                          text=True, timeout=60)
    return Result(proc)


@pytest.fixture(scope="session")
def fsck_asan(tmp_path_factory):
    """Builds mkfs/mkfs and mkfs/fsck with the Makefile; returns a sanitized fsck for damaged images."""
    env = dict(os.environ, DEPS_NO_INSTALL="1")
    made = subprocess.run(["make", "-s", "--no-print-directory", "mkfs/fsck", "mkfs/mkfs"],
                          cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert made.returncode == 0, f"make mkfs/fsck mkfs/mkfs failed:\n{made.stdout}{made.stderr}"
    sanitized = tmp_path_factory.mktemp("fsck-asan") / "fsck"
    built = subprocess.run(["gcc", "-Wall", "-Werror", "-g", "-O1", "-fsanitize=address,undefined",
                            "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", f"-I{REPO}",
                            "-o", str(sanitized), str(REPO / "mkfs" / "fsck.c")],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, f"sanitized build of fsck failed:\n{built.stderr}"
    return sanitized


@pytest.fixture(scope="session")
def fresh_image(fsck_asan, tmp_path_factory):
    """mkfs's image of three small files (one using the indirect block), as bytes."""
    work = tmp_path_factory.mktemp("fsck-image")
    inputs = {"small.txt": b"x" * 100,
              "big": bytes(range(256)) * ((NDIRECT + 3) * BSIZE // 256) + b"end",
              "empty": b""}
    for name, content in inputs.items():
        (work / name).write_bytes(content)
    image = work / "fs.img"
    made = subprocess.run([str(MKFS), str(image), *(str(work / n) for n in inputs)],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return image.read_bytes()


def check(fsck, tmp_path, img, *options):
    path = tmp_path / "fs.img"
    path.write_bytes(img.data)
    result = run(fsck, path, *options)
    assert result.rc in (0, 1) and result.stderr == "", f"fsck crashed or complained:\n{result}"
    return result


def assert_clean(result):
    assert result.rc == 0, f"expected a clean image:\n{result}"
    assert result.problems == [], f"expected no problem lines:\n{result}"
    assert SUMMARY_CLEAN.match(result.summary), f"bad summary line:\n{result}"


def assert_one_problem(result, label, line_pattern):
    assert result.rc == 1, f"expected exit 1 for one {label}:\n{result}"
    assert len(result.problems) == 1, f"expected exactly one problem line ({label}):\n{result}"
    assert re.search(line_pattern, result.problems[0]), \
        f"problem line does not match {line_pattern!r}:\n{result}"
    summary = SUMMARY_PROBLEMS.match(result.summary)
    assert summary and summary.group(2) == "1" and summary.group(3) == f"1 {label}", \
        f"expected the summary to count 1 {label}:\n{result}"


# ---- clean images ----

def test_fresh_image_is_clean_and_counted(fsck_asan, fresh_image, tmp_path):
    img = Image(fresh_image)
    result = check(fsck_asan, tmp_path, img)
    assert_clean(result)
    assert result.notes == [], f"a fresh image needs no notes:\n{result}"
    in_use = sum(len(img.blocks_of(i)) for i in range(ROOTINO, img.ninodes) if img.inode(i).type)
    _, inodes, used, free = SUMMARY_CLEAN.match(result.summary).groups()
    assert (int(inodes), int(used), int(free)) == (4, in_use, img.nblocks - in_use), result.summary


def test_makefile_image_is_clean(fsck_asan, tmp_path):
    """The Makefile's own mkfs/fsck on an image made by the fs.img rule's command."""
    env = dict(os.environ, DEPS_NO_INSTALL="1")
    uprogs = subprocess.run(["make", "-s", "--no-print-directory", "print-UPROGS"], cwd=REPO,
                            capture_output=True, text=True, env=env, timeout=60).stdout.split()
    missing = [p for p in uprogs if not (REPO / p).exists()]
    assert uprogs and not missing, f"user programs not built (run make first): {missing}"
    image = tmp_path / "fs.img"
    made = subprocess.run([str(MKFS), str(image), "README=README.md", *uprogs], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    result = run(FSCK, image)
    assert_clean(result)
    assert result.summary.startswith(f"fsck: {image}: clean: {len(uprogs) + 2} inodes,"), result


def test_directories_and_devices_made_right_are_clean(fsck_asan, fresh_image, tmp_path):
    """mkdir's link counting (parent + 1 per subdirectory's "..") and a device pass."""
    img = Image(fresh_image)
    a = img.add_directory(ROOTINO, "a")
    img.add_directory(a, "b")
    img.add_directory(a, "c")
    img.add_device("console")
    img.append_entry(a, "link", img.lookup("small.txt"))
    img.edit_inode(img.lookup("small.txt"), nlink=2)
    assert img.inode(ROOTINO).nlink == 2 and img.inode(a).nlink == 3
    assert_clean(check(fsck_asan, tmp_path, img))


def test_block_beyond_size_is_only_a_note(fsck_asan, fresh_image, tmp_path):
    """A write that fails part way leaves a block past the size: the kernel allows it."""
    img = Image(fresh_image)
    small = img.lookup("small.txt")
    ino = img.inode(small)
    ino.addrs[1] = img.alloc_block()
    img.put_inode(small, ino)
    result = check(fsck_asan, tmp_path, img)
    assert_clean(result)
    expected = f"note: inode {small} (/small.txt): 1 block beyond its size"
    assert len(result.notes) == 1 and result.notes[0].startswith(expected), result


# ---- one fault each ----

def leaked_block(img):
    b = img.free_block()
    img.set_marked(b, True)
    return "leaked block", rf"^block {b}: leaked: marked in use, but nothing uses it$"


def missing_block(img):
    small = img.lookup("small.txt")
    b = img.file_block(small, 0)
    img.set_marked(b, False)
    return "missing block", rf"^block {b}: used by inode {small} \(/small\.txt\), but marked free$"


def missing_metadata_block(img):
    img.set_marked(img.inodestart, False)
    return "missing block", rf"^block {img.inodestart}: part of the inodes, but marked free$"


def block_used_by_two_inodes(img):
    small, big = img.lookup("small.txt"), img.lookup("big")
    ino = img.inode(small)
    img.set_marked(ino.addrs[0], False)          # its own block is now free, not leaked
    ino.addrs[0] = img.file_block(big, 0)
    img.put_inode(small, ino)
    assert small < big, "mkfs numbers inodes in argument order"
    return "block used twice", (rf"^block {ino.addrs[0]}: used by inode {small} \(/small\.txt\) "
                                rf"and by inode {big} \(/big\)$")


def block_used_twice_in_one_inode(img):
    big = img.lookup("big")
    ino = img.inode(big)
    img.set_marked(ino.addrs[1], False)
    ino.addrs[1] = ino.addrs[0]
    img.put_inode(big, ino)
    return "block used twice", rf"^block {ino.addrs[0]}: used twice by inode {big} \(/big\)$"


def block_pointer_outside_data(img):
    big = img.lookup("big")
    ino = img.inode(big)
    img.set_marked(ino.addrs[2], False)
    ino.addrs[2] = img.bmapstart
    img.put_inode(big, ino)
    return "bad block pointer", (rf"^inode {big} \(/big\): file block 2 is block {img.bmapstart}, "
                                 r"outside the data region")


def wrong_link_count(img):
    small = img.lookup("small.txt")
    img.edit_inode(small, nlink=2)
    return "link count", rf"^inode {small} \(/small\.txt\): nlink 2, but 1 entry names it$"


def wrong_directory_link_count(img):
    img.add_directory(ROOTINO, "a")
    img.edit_inode(ROOTINO, nlink=1)             # as if mkdir forgot the new ".."
    return "link count", (rf'^inode {ROOTINO} \(/\): nlink 1, want 2 \(1 for the root \+ 1 '
                          rf'subdirectory\'s "\.\."\)$')


def orphan_inode(img):
    inum = img.new_inode(T_FILE, 0)
    return "orphan", rf"^inode {inum}: orphan: file of 0 bytes with nlink 0 that no directory names"


def wrong_dotdot(img):
    a = img.add_directory(ROOTINO, "a")
    b = img.add_directory(a, "b")
    img.set_entry(b, "..", ROOTINO)
    return DOTS, rf'^inode {b} \(/a/b\): "\.\." names inode {ROOTINO}, but the parent is inode {a}$'


def wrong_dot(img):
    a = img.add_directory(ROOTINO, "a")
    img.set_entry(a, ".", ROOTINO)
    return DOTS, rf'^inode {a} \(/a\): "\." names inode {ROOTINO} instead of the directory itself$'


def entry_naming_free_inode(img):
    ghost = img.free_inode()
    img.append_entry(ROOTINO, "ghost", ghost)
    return "bad entry", rf'^inode {ROOTINO} \(/\): entry "ghost" names inode {ghost}, which is free$'


def second_name_for_directory(img):
    a = img.add_directory(ROOTINO, "a")
    img.append_entry(ROOTINO, "again", a)
    return "bad directory", (rf'^inode {ROOTINO} \(/\): entry "again" is a second name for '
                             rf'directory inode {a} \(/a\);')


def size_larger_than_blocks(img):
    small = img.lookup("small.txt")
    img.edit_inode(small, size=2 * BSIZE + 1)
    return "size mismatch", (rf"^inode {small} \(/small\.txt\): size {2 * BSIZE + 1} bytes needs 3 blocks, "
                             r"but file block 1 has none$")


def device_with_a_block(img):
    dev = img.add_device("console")
    ino = img.inode(dev)
    ino.addrs[0] = img.alloc_block()
    img.put_inode(dev, ino)
    return "device with contents", (rf"^inode {dev} \(/console\): device \(major 1\) has size 0 "
                                    r"and 1 block pointer;")


def bad_magic(img):
    img.put_superblock_field(0, img.magic ^ 1)   # mkfs wrote FSMAGIC
    return "bad superblock field", (rf"^superblock: magic {img.magic ^ 1:#x}, want {img.magic:#x}: "
                                    r"not a file system image: nothing else checked$")


def size_beyond_image(img):
    img.put_superblock_field(1, img.size + 1)
    return "bad superblock field", (rf"^superblock: size {img.size + 1} blocks, "
                                    rf"but the image holds {img.size}:")


def inodes_into_bitmap(img):
    img.put_superblock_field(3, img.ninodes + IPB * (img.bmapstart - img.inodestart))
    return "bad superblock field", r"^superblock: the inodes \(blocks \d+ to \d+\) run into the bitmap"


def uncommitted_log(img):
    img.set_log([img.inode_block(img.lookup("small.txt")), img.bmapstart])
    return "uncommitted log", r"^log holds 2 uncommitted-to-home blocks: the kernel writes them home at boot"


def log_count_beyond_log(img):
    LOG_INT.pack_into(img.data, img.logstart * BSIZE, img.nlog)
    return "bad log header field", (rf"^log: the header counts {img.nlog} blocks, "
                                    rf"but the log has {img.nlog - 1} slots")


FAULTS = [leaked_block, missing_block, missing_metadata_block, block_used_by_two_inodes,
          block_used_twice_in_one_inode, block_pointer_outside_data, wrong_link_count,
          wrong_directory_link_count, orphan_inode, wrong_dotdot, wrong_dot,
          entry_naming_free_inode, second_name_for_directory, size_larger_than_blocks,
          device_with_a_block, bad_magic, size_beyond_image, inodes_into_bitmap, uncommitted_log,
          log_count_beyond_log]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.__name__ for f in FAULTS])
def test_one_fault_is_reported_alone(fsck_asan, fresh_image, tmp_path, fault):
    img = Image(fresh_image)
    label, line_pattern = fault(img)
    assert_one_problem(check(fsck_asan, tmp_path, img), label, line_pattern)


# ---- the log with -r ----

def test_replay_checks_the_disk_the_kernel_will_see(fsck_asan, fresh_image, tmp_path):
    """The log holds a good inode block whose home copy is stale: -r installs it in memory."""
    img = Image(fresh_image)
    small = img.lookup("small.txt")
    img.set_log([img.inode_block(small)])
    img.edit_inode(small, nlink=5)               # home is stale; the log has nlink 1

    plain = check(fsck_asan, tmp_path, img)
    assert plain.rc == 1 and len(plain.problems) == 2, f"expected log + link count:\n{plain}"
    assert SUMMARY_PROBLEMS.match(plain.summary).group(3) == "1 uncommitted log, 1 link count", plain

    replayed = check(fsck_asan, tmp_path, img, "-r")
    assert_clean(replayed)
    expected = "note: the log held 1 block not yet written home"
    assert len(replayed.notes) == 1 and replayed.notes[0].startswith(expected), replayed
    assert (tmp_path / "fs.img").read_bytes() == bytes(img.data), "fsck -r changed the image file"


def test_replay_refuses_a_corrupt_header(fsck_asan, fresh_image, tmp_path):
    img = Image(fresh_image)
    img.set_log([SUPERBLOCK_NO])                 # the kernel never logs the superblock
    result = check(fsck_asan, tmp_path, img, "-r")
    assert_one_problem(result, "bad log header field", rf"^log: slot 0 goes home to block {SUPERBLOCK_NO},")


# ---- robustness and usage ----

def test_random_damage_never_crashes(fsck_asan, fresh_image, tmp_path):
    """Random bytes in the metadata, root directory and indirect block: a report, never a crash."""
    clean = Image(fresh_image)
    targets = ([SUPERBLOCK_NO, clean.logstart, clean.bmapstart, clean.file_block(ROOTINO, 0),
                clean.inode(clean.lookup("big")).addrs[NDIRECT]] +
               list(range(clean.inodestart, clean.inode_block(8) + 1)))
    rng = random.Random(1234)
    for run_no in range(RANDOM_DAMAGE_RUNS):
        img = Image(fresh_image)
        for _ in range(rng.randint(1, 8)):
            b = rng.choice(targets)
            at = b * BSIZE + rng.randrange(BSIZE if b != SUPERBLOCK_NO else SUPERBLOCK.size)
            img.data[at] = rng.randrange(256)
        result = check(fsck_asan, tmp_path, img, *(["-r"] if run_no % 2 else []))
        assert SUMMARY_CLEAN.match(result.summary) or SUMMARY_PROBLEMS.match(result.summary), \
            f"run {run_no}: no summary line:\n{result}"
        assert (result.rc == 0) == (result.problems == []), f"run {run_no}: exit status disagrees:\n{result}"


@pytest.mark.parametrize("args", [[], ["a.img", "b.img"], ["-x", "a.img"], ["/nonexistent/fs.img"]],
                         ids=["no-image", "two-images", "unknown-option", "missing-file"])
def test_usage_and_io_errors_exit_2(fsck_asan, args):
    proc = subprocess.run([str(fsck_asan), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, f"expected exit 2 for {args}, got {proc.returncode}:\n{proc.stderr}"
    assert proc.stdout == "" and proc.stderr != "", f"expected only a message on stderr:\n{proc.stderr}"
