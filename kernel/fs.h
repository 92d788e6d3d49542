/*
 * fs.h: the on-disk file system format, shared by the kernel and mkfs.
 *
 * Disk layout, in BSIZE blocks:
 *   [ boot | superblock | log header + log | inodes | free bitmap | data ... ]
 * All multi-byte fields are little-endian (the native order of RISC-V and x86).
 */
#ifndef KERNEL_FS_H
#define KERNEL_FS_H

#include "kernel/types.h"

#define ROOTINO  1        /* inode number of "/" */
#define BSIZE    1024     /* block size in bytes */
#define FSMAGIC  0x10203040

struct superblock {
  uint magic;        /* FSMAGIC */
  uint size;         /* total blocks in the image */
  uint nblocks;      /* data blocks */
  uint ninodes;      /* inodes */
  uint nlog;         /* log blocks, header included */
  uint logstart;     /* first log block */
  uint inodestart;   /* first inode block */
  uint bmapstart;    /* first free-bitmap block */
};

#define NDIRECT    12
#define NINDIRECT  (BSIZE / sizeof(uint))
#define MAXFILE    (NDIRECT + NINDIRECT)   /* largest file, in blocks */

/* An inode as stored on disk. type 0 means the slot is free. */
struct dinode {
  short type;               /* T_DIR, T_FILE, T_DEVICE or 0 */
  short major;              /* device files only */
  short minor;
  short nlink;              /* directory entries naming this inode */
  uint size;                /* bytes */
  uint addrs[NDIRECT + 1];  /* direct blocks, then one indirect block */
};

#define IPB            (BSIZE / sizeof(struct dinode))       /* inodes per block */
#define IBLOCK(i, sb)  ((i) / IPB + (sb).inodestart)         /* block holding inode i */
#define BPB            (BSIZE * 8)                           /* bitmap bits per block */
#define BBLOCK(b, sb)  ((b) / BPB + (sb).bmapstart)          /* bitmap block for block b */

#define DIRSIZ 14   /* longest name in a directory entry; not NUL-terminated when full */

struct dirent {
  ushort inum;          /* 0: free entry */
  char name[DIRSIZ];
};

#endif
