/*
 * mkfs.h: the pieces of mkfs that host unit tests may call directly.
 * Build mkfs.c with -DMKFS_NO_MAIN to link it into a test program.
 */
#ifndef MKFS_MKFS_H
#define MKFS_MKFS_H

#include "kernel/types.h"
#include "kernel/fs.h"

#define MKFS_NINODES 200   /* on-disk inodes in every image, inode 0 unused */

/* Where every region of an image starts and how long it is, in blocks. */
struct fs_layout {
  uint total;          /* blocks in the image */
  uint ninodes;        /* on-disk inodes */
  uint nlog;           /* log blocks, header included */
  uint ninodeblocks;   /* blocks holding inodes */
  uint nbitmap;        /* free-bitmap blocks */
  uint nmeta;          /* boot + super + log + inodes + bitmap */
  uint ndata;          /* blocks left for file contents */
  uint logstart;
  uint inodestart;
  uint bmapstart;
  uint datastart;      /* first data block == nmeta */
};

/*
 * Lays out an image of total blocks with ninodes inodes and nlog log blocks
 * (header included). Returns 0, or -1 when the metadata would not leave at
 * least one data block (or an argument is zero).
 */
int fs_layout_compute(uint total, uint ninodes, uint nlog, struct fs_layout *out);

/* The superblock describing a layout, in host byte order. */
void fs_layout_superblock(const struct fs_layout *layout, struct superblock *sb);

/*
 * Builds the whole image at image_path from the nfiles host files named in
 * files (what main() does). Returns 0; on any error it prints a message and
 * exits with status 1.
 */
int mkfs_build(const char *image_path, int nfiles, char **files);

#endif
