/*
 * log_xv6.c: xv6's log protocol, built instead of log.c by `make LOG=xv6`
 * as make bench's reference for appends (no xv6 runs beside this kernel
 * here, so its protocol is measured on ours). Not for use: a system call
 * may return before its changes are on the disk.
 *
 * What makes it xv6's: operations reserve MAXOPBLOCKS log slots each while
 * they run, and every begin_op waits while a group commits; an operation
 * that ends while others run returns at once, and the last one out commits
 * the group: each changed block copied into the log area one request at a
 * time, the header (the commit point), each block home, the header cleared.
 * The disk keeps a write cache (virtio_disk.c accepts VIRTIO_BLK_F_FLUSH
 * under LOG_XV6, as xv6 does) and nothing is ever flushed.
 *
 * Logged buffers stay pinned in the buffer cache until they are home, so
 * committing reads no block from disk. I/O on the log area itself goes
 * through a private buffer, never through the cache, so a commit needs no
 * free cache buffers even when the log is full.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/dev/virtio_disk.h"
#include "kernel/fs/bio.h"
#include "kernel/vmstat.h"
#include "kernel/fs/log.h"

/* The header block's layout, both on disk and in memory. */
struct log_header {
  int n;                  /* blocks in the log (0: nothing committed) */
  int block[LOGSIZE];     /* home block number of each logged copy */
};
_Static_assert(sizeof(struct log_header) <= BSIZE, "log header must fit one block");

static struct {
  struct spinlock lock;
  int dev;
  int start;              /* header block; copies follow it */
  int capacity;           /* slots usable: LOGSIZE, or fewer if the disk's log is smaller */
  int outstanding;        /* operations between begin and end */
  int committing;         /* a commit is writing; no operation may start */
  struct log_header lh;   /* the group being built (or being committed) */
  int group_ops;          /* operations that joined the group */
  uint64 commits, ops;    /* fsstat's counters */
  struct buf staging;     /* private buffer for the log area's blocks */
} logstate;

/* Read or write log-area block blockno through the staging buffer. */
static void
staging_io(int blockno, int write)
{
  logstate.staging.dev = logstate.dev;
  logstate.staging.blockno = blockno;
  virtio_disk_rw(&logstate.staging, write);
}

static void
read_header(void)
{
  staging_io(logstate.start, 0);
  memmove(&logstate.lh, logstate.staging.data, sizeof(logstate.lh));
  if (logstate.lh.n < 0 || logstate.lh.n > logstate.capacity)
    panic("log: corrupt header on disk (n = %d)", logstate.lh.n);
}

static void
write_header(void)
{
  memset(logstate.staging.data, 0, BSIZE);
  memmove(logstate.staging.data, &logstate.lh, sizeof(logstate.lh));
  staging_io(logstate.start, 1);
}

/* Copy each logged block from its (pinned) cache buffer into its log slot. */
static void
copy_group_to_log(void)
{
  for (int i = 0; i < logstate.lh.n; i++) {
    struct buf *b = bread(logstate.dev, logstate.lh.block[i]);
    memmove(logstate.staging.data, b->data, BSIZE);
    brelse(b);
    staging_io(logstate.start + 1 + i, 1);
  }
}

/* After the commit point: write the cached blocks home and let the cache recycle them. */
static void
install_from_cache(void)
{
  for (int i = 0; i < logstate.lh.n; i++) {
    struct buf *b = bread(logstate.dev, logstate.lh.block[i]);
    bwrite(b);
    bunpin(b);
    brelse(b);
  }
}

/* Recovery: the copies on disk are the truth; write each one home. */
static void
install_from_disk(void)
{
  for (int i = 0; i < logstate.lh.n; i++) {
    staging_io(logstate.start + 1 + i, 0);
    struct buf *b = bread(logstate.dev, logstate.lh.block[i]);
    memmove(b->data, logstate.staging.data, BSIZE);
    bwrite(b);
    brelse(b);
  }
}

/* Only one process commits at a time (logstate.committing), so it owns staging. */
static void
commit(void)
{
  if (logstate.lh.n == 0)
    return;
  sleeplock_acquire(&logstate.staging.lock);
  copy_group_to_log();
  write_header();          /* commit point: from here a crash replays the group */
  install_from_cache();
  logstate.lh.n = 0;
  write_header();          /* the group is home; forget it */
  sleeplock_release(&logstate.staging.lock);
}

static void
recover(void)
{
  sleeplock_acquire(&logstate.staging.lock);
  read_header();
  if (logstate.lh.n > 0)
    kprintf("log: replaying %d blocks\n", logstate.lh.n);
  install_from_disk();
  logstate.lh.n = 0;
  write_header();
  sleeplock_release(&logstate.staging.lock);
}

void
log_init(int dev, struct superblock *sb)
{
  spin_init(&logstate.lock, "log");
  sleeplock_init(&logstate.staging.lock, "log staging");
  logstate.dev = dev;
  logstate.start = sb->logstart;
  logstate.capacity = MIN(LOGSIZE, (int)sb->nlog - 1);
  if (logstate.capacity < MAXOPBLOCKS)
    panic("log: disk log has %d slots, one operation needs %d", logstate.capacity, MAXOPBLOCKS);
  recover();
}

/* Could one more operation use all of its MAXOPBLOCKS without overflowing the log? */
static int
room_for_one_more(void)
{
  return logstate.lh.n + (logstate.outstanding + 1) * MAXOPBLOCKS <= logstate.capacity;
}

void
log_begin_op(void)
{
  spin_lock(&logstate.lock);
  while (logstate.committing || !room_for_one_more())
    proc_sleep(&logstate, &logstate.lock);
  logstate.outstanding++;
  logstate.group_ops++;
  spin_unlock(&logstate.lock);
}

void
log_end_op(void)
{
  int commit_now = 0;

  spin_lock(&logstate.lock);
  KASSERT(logstate.outstanding > 0);
  KASSERT(!logstate.committing);
  logstate.outstanding--;
  if (logstate.outstanding == 0) {
    logstate.committing = 1;
    commit_now = 1;
    logstate.commits += logstate.lh.n > 0;
    logstate.ops += logstate.lh.n > 0 ? logstate.group_ops : 0;
    logstate.group_ops = 0;
  } else {
    /* Our unused reservation may be what a waiting begin_op needs. */
    proc_wakeup(&logstate);
  }
  spin_unlock(&logstate.lock);

  if (commit_now) {
    commit();   /* sleeps on the disk: no spinlock may be held */
    spin_lock(&logstate.lock);
    logstate.committing = 0;
    proc_wakeup(&logstate);
    spin_unlock(&logstate.lock);
  }
}

void
log_write(struct buf *b)
{
  if (!sleeplock_held(&b->lock))
    panic("log_write: buffer for block %d not held", b->blockno);

  spin_lock(&logstate.lock);
  if (logstate.outstanding < 1)
    panic("log_write: block %d written outside a transaction", b->blockno);

  int i = 0;
  while (i < logstate.lh.n && logstate.lh.block[i] != (int)b->blockno)
    i++;
  if (i == logstate.lh.n) {   /* first change to b in this group: take a slot */
    if (logstate.lh.n >= logstate.capacity)
      panic("log_write: transaction group exceeds %d blocks", logstate.capacity);
    logstate.lh.block[logstate.lh.n++] = b->blockno;
    bpin(b);
  }
  spin_unlock(&logstate.lock);
}

/* Nothing committed stays out of place: every commit writes its blocks home. */
int
log_read_committed(struct buf *b)
{
  (void)b;
  return 0;
}

void
log_stats(struct fsstat *st)
{
  spin_lock(&logstate.lock);
  st->log_commits = logstate.commits;
  st->log_ops = logstate.ops;
  spin_unlock(&logstate.lock);
}

/* xv6 never waits for a commit on the way out of a system call. */
void
log_wait_own(void)
{
}
