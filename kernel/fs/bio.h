/*
 * bio.h: the buffer cache, NBUF in-memory copies of disk blocks.
 *
 * A buffer is used by one process at a time (its sleeplock); the cache makes
 * sure each disk block has at most one buffer, so everyone sees the same bytes.
 * Usage: b = bread(dev, n); read or change b->data; bwrite(b) or log_write(b);
 * brelse(b).
 */
#ifndef KERNEL_FS_BIO_H
#define KERNEL_FS_BIO_H

#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/sync/sleeplock.h"

struct buf {
  uint dev;
  uint blockno;
  int valid;              /* data holds the block's contents */
  int refcnt;             /* holders plus pins; the buffer is reusable only at 0 */
  int pincount;           /* references held by the log until its commit */
  struct sleeplock lock;  /* held by the process using data */
  struct buf *newer;      /* recency list: head side = most recently released */
  struct buf *older;
  uchar data[BSIZE];
};

void bcache_init(void);
/* The buffer for block blockno, locked, with valid contents. */
struct buf *bread(uint dev, uint blockno);
/* Write b->data to disk now. Caller holds b. */
void bwrite(struct buf *b);
/* Done with b: unlock it and drop our reference. */
void brelse(struct buf *b);
/* Keep b in the cache without holding it (the log, until b is installed). */
void bpin(struct buf *b);
void bunpin(struct buf *b);

#endif
