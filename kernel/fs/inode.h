/*
 * inode.h: the file system proper: files as inodes, their blocks, the block
 * bitmap, directories and path names.
 *
 * Locking: an inode's sleeplock protects its fields and contents; ref (the
 * number of in-memory pointers) is protected by the inode cache's spinlock.
 * Calls that may change the disk (inode_alloc, inode_update, inode_truncate,
 * inode_write, inode_put and everything that calls them, including namei)
 * must run inside a log transaction (log_begin_op .. log_end_op).
 * Functions whose contract says "locked" need the caller to hold ip's lock.
 */
#ifndef KERNEL_FS_INODE_H
#define KERNEL_FS_INODE_H

#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/sync/sleeplock.h"

struct stat;
struct fsstat;
struct buf;

/* The in-memory copy of an on-disk inode. */
struct inode {
  uint dev;
  uint inum;
  int ref;                  /* pointers to this entry; the entry is free at 0 */
  struct sleeplock lock;    /* protects everything below */
  int valid;                /* the fields below have been read from disk */
  short type;               /* copy of struct dinode's fields */
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT + 1];
};

#define MAX_FILE_BYTES ((uint)(MAXFILE * BSIZE))

/* ---- set-up (inode.c) ---- */
void inode_cache_init(void);
/* Read dev's superblock, check it, start the log (may replay it). Process context: it sleeps. */
void fs_init(int dev);

/* ---- inodes (inode.c) ---- */
/* A new on-disk inode of the given type, referenced and unlocked; 0 when none is free. */
struct inode *inode_alloc(uint dev, short type);
/* The cache entry for (dev, inum), referenced, unlocked, maybe not yet read; 0 if the cache is full. */
struct inode *inode_get(uint dev, uint inum);
struct inode *inode_dup(struct inode *ip);
void inode_lock(struct inode *ip);    /* also reads the inode from disk the first time */
void inode_unlock(struct inode *ip);
/* Drop a reference; the last one to an inode no directory names frees it on disk. */
void inode_put(struct inode *ip);
void inode_unlock_put(struct inode *ip);
/* Write the locked ip's fields to disk (through the log). */
void inode_update(struct inode *ip);
/* Free all of the locked ip's data blocks and set its size to 0. */
void inode_truncate(struct inode *ip);
void inode_stat(struct inode *ip, struct stat *st);   /* ip locked */
/* Read from the locked ip into a user (user_dst) or kernel address: bytes read, or -1 on a bad address. */
/* The cached block holding byte off (below ip's size) of locked ip; brelse() it. */
struct buf *inode_block(struct inode *ip, uint off);
int inode_read(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
/*
 * Write to the locked ip: bytes written, which is short when the disk fills
 * up, the file reaches MAX_FILE_BYTES or a source address turns bad; -1 when
 * off is beyond the end of the file or nothing could be written.
 */
int inode_write(struct inode *ip, int user_src, uint64 src, uint off, uint n);

/* ---- blocks (bitmap.c) ---- */
/* A zeroed data block, marked used; 0 when the disk is full. */
uint block_alloc(uint dev);
void block_free(uint dev, uint blockno);
/* Free and total data blocks and inodes of the root file system. */
void fs_stat(struct fsstat *st);

/* The superblock of the (only) file system, read by fs_init. */
extern struct superblock fs_sb;

/* ---- directories (dir.c); dp locked and a directory ---- */
/* Inode number of the entry called name, and its byte offset in *offp (if offp); 0 if none. */
uint dir_find(struct inode *dp, const char *name, uint *offp);
/* The inode named name in dp, referenced and unlocked; 0 if none (or the inode cache is full). */
struct inode *dir_lookup(struct inode *dp, const char *name, uint *offp);
/* Add the entry name -> inum: 0, or -1 if name exists or the disk is full. */
int dir_link(struct inode *dp, const char *name, uint inum);
/* Erase the entry at byte offset off (from dir_find/dir_lookup). */
void dir_clear_entry(struct inode *dp, uint off);
/* Does dp hold nothing but "." and ".."? */
int dir_is_empty(struct inode *dp);

/* ---- path names (dir.c) ---- */
/* The inode path names, referenced and unlocked; 0 if there is none. */
struct inode *namei(const char *path);
/*
 * The directory that would hold path's last element, referenced and
 * unlocked, and that element copied to name (room for DIRSIZ bytes,
 * NUL-terminated when shorter). 0 if there is none or path has no element.
 */
struct inode *nameiparent(const char *path, char *name);
/* What follows path's last '/' (all of path if none): for names shown to users. */
const char *path_last(const char *path);

#endif
