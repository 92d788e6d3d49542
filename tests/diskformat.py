"""
diskformat.py: the file system's on-disk format for tests that read or edit
disk images (fsck, orphans, crash recovery): sizes from the kernel's headers,
the structures as Python struct layouts (kernel/fs.h), all little-endian.
"""
import struct

from conftest import c_define

BSIZE = c_define("kernel/fs.h", "BSIZE")
NDIRECT = c_define("kernel/fs.h", "NDIRECT")
DIRSIZ = c_define("kernel/fs.h", "DIRSIZ")
ROOTINO = c_define("kernel/fs.h", "ROOTINO")
T_DIR = c_define("kernel/stat.h", "T_DIR")
T_FILE = c_define("kernel/stat.h", "T_FILE")
T_DEVICE = c_define("kernel/stat.h", "T_DEVICE")

SUPERBLOCK = struct.Struct("<8I")               # magic size nblocks ninodes nlog logstart inodestart bmapstart
DINODE = struct.Struct(f"<4hI{NDIRECT + 1}I")   # type major minor nlink size addrs[]
DIRENT = struct.Struct(f"<H{DIRSIZ}s")          # inum name
