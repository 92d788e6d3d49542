/*
 * log.h: the write-ahead log that makes file-system operations atomic with
 * respect to crashes.
 *
 * Every operation that changes the disk runs between log_begin_op() and
 * log_end_op() and, instead of bwrite(), calls log_write(b) for each block it
 * changed. Blocks reach their home location only after the whole group of
 * concurrent operations has been committed to the log area, so after a crash
 * recovery (in log_init) either replays all of a group or none of it.
 *
 * On-disk format (xv6's): block sb.logstart holds the header
 * { int n; int block[LOGSIZE]; }, blocks logstart+1 .. logstart+n the copies.
 */
#ifndef KERNEL_FS_LOG_H
#define KERNEL_FS_LOG_H

#include "kernel/fs.h"

struct buf;

/* Read the log's position from sb and replay a committed log left by a crash. */
void log_init(int dev, struct superblock *sb);
/* Start an operation; may wait until the log has room for MAXOPBLOCKS more blocks. */
void log_begin_op(void);
/*
 * End an operation. Its changes reach the disk with its group, which the
 * caller must wait for with log_wait_own before it returns to user space.
 */
void log_end_op(void);
/*
 * Sleep until every group the calling process's operations joined is on the
 * disk (closing and committing it if nobody else will). The system-call
 * path calls it after every call, so a call that returned has its changes
 * on the disk: a write() split into several operations waits once, and its
 * parts may share one commit.
 */
void log_wait_own(void);
struct fsstat;
/* The log's counters since boot (fsstat's log_* fields). */
void log_stats(struct fsstat *st);
/*
 * If the log holds a committed copy of b's block not yet written home, copy
 * it into b->data and return 1; else 0 (the disk has the newest copy).
 * bread calls it on a cache miss.
 */
int log_read_committed(struct buf *b);
/* Record that b (held by the caller) changed; it is written at commit. */
void log_write(struct buf *b);

#endif
