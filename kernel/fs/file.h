/*
 * file.h: open files (what a file descriptor points to) and the table of
 * device drivers that T_DEVICE inodes reach through their major number.
 */
#ifndef KERNEL_FS_FILE_H
#define KERNEL_FS_FILE_H

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"

struct pipe;
struct inode;

struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE } type;
  int ref;              /* descriptors (in any process) pointing here; guarded by the table lock */
  char readable;
  char writable;
  struct pipe *pipe;    /* FD_PIPE */
  struct inode *ip;     /* FD_INODE and FD_DEVICE */
  uint off;             /* FD_INODE: shared by everyone holding this file; under ip's lock */
  short major;          /* FD_DEVICE: index into devsw */
  char name[DIRSIZ];    /* FD_INODE, FD_DEVICE: the last element of the path opened (vmmap shows it) */
};

/* A character device's driver: both return bytes moved, or -1. */
struct devsw {
  int (*read)(int user_dst, uint64 dst, int n);
  int (*write)(int user_src, uint64 src, int n);
};

extern struct devsw devsw[NDEV];

#define CONSOLE 1   /* major number of the console */

/* A device number packs major (high 16 bits) and minor (low 16 bits), as xv6's file.h does. */
#define major(dev)      (((dev) >> 16) & 0xFFFF)
#define minor(dev)      ((dev) & 0xFFFF)
#define mkdev(maj, min) ((uint)(((maj) << 16) | (min)))

void file_table_init(void);
/* A free file with ref 1 and type FD_NONE; 0 when all NFILE are open. */
struct file *file_alloc(void);
struct file *file_dup(struct file *f);
/* Drop a reference; the last one releases the pipe end or inode. */
void file_close(struct file *f);
/* Copy a struct stat for f's inode to user_addr: 0, or -1 (pipe, bad address). */
int file_stat(struct file *f, uint64 user_addr);
/* Read or write n bytes at user_addr: bytes moved, or -1. */
int file_read(struct file *f, uint64 user_addr, int n);
int file_write(struct file *f, uint64 user_addr, int n);

#endif
