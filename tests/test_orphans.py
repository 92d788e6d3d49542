"""
test_orphans.py: an inode that is still allocated on disk but that no
directory names (a file unlinked while open when the machine stopped) is
freed at the next boot, with its blocks, and the console says so in one line.
The disk is made by editing a copy of fs.img the way such a crash leaves it;
`df` (fsstat) then shows the same free blocks and inodes as the clean disk.
"""
import re
import tempfile
from pathlib import Path

from conftest import FS_IMAGE, Machine
from diskformat import BSIZE, DINODE, NDIRECT, SUPERBLOCK, T_FILE

BITS_PER_BLOCK = BSIZE * 8
ORPHAN_LINE = re.compile(r"^fs: freed 1 orphaned inode \(unlinked while open when the system stopped\)$", re.M)


def make_orphan(image):
    """Allocate, in image, an inode with nlink 0 owning one data block, as a crash leaves it."""
    disk = bytearray(image.read_bytes())
    _, size, nblocks, ninodes, _, _, inodestart, bmapstart = SUPERBLOCK.unpack_from(disk, BSIZE)
    per_block = BSIZE // DINODE.size

    def inode_offset(inum):
        return (inodestart + inum // per_block) * BSIZE + (inum % per_block) * DINODE.size

    inum = next(i for i in range(ninodes - 1, 0, -1) if DINODE.unpack_from(disk, inode_offset(i))[0] == 0)
    first_data = size - nblocks

    def bit(b):
        return (bmapstart + b // BITS_PER_BLOCK) * BSIZE + (b % BITS_PER_BLOCK) // 8, 1 << (b % 8)

    block = next(b for b in range(first_data, size) if not disk[bit(b)[0]] & bit(b)[1])
    where, mask = bit(block)
    disk[where] |= mask
    disk[block * BSIZE:(block + 1) * BSIZE] = b"o" * BSIZE
    addrs = [block] + [0] * NDIRECT
    DINODE.pack_into(disk, inode_offset(inum), T_FILE, 0, 0, 0, BSIZE, *addrs)
    image.write_bytes(bytes(disk))


def df(machine):
    """df's block and inode counts (not log_pending, which depends on when the checkpointer ran)."""
    return dict((name, int(value)) for name, value in re.findall(r"^(\w+) (\d+)$", machine.run("df"), re.M)
                if not name.startswith("log_"))


def boot_and_df(disk):
    machine = Machine("orphans", 1, disk=disk)
    try:
        machine.boot()
        return machine.text, df(machine)
    finally:
        machine.stop()


def test_orphan_inode_is_freed_at_boot():
    clean_console, clean = boot_and_df(FS_IMAGE)
    assert not ORPHAN_LINE.search(clean_console), f"a clean disk reported orphans:\n{clean_console}"
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "orphan.img"
        broken.write_bytes(FS_IMAGE.read_bytes())
        make_orphan(broken)
        console, after = boot_and_df(broken)
    assert ORPHAN_LINE.search(console), f"expected the line /{ORPHAN_LINE.pattern}/ at boot, saw:\n{console}"
    assert after == clean, f"expected the orphan's inode and block free again, as on the clean disk " \
                           f"{clean}, saw {after}"
