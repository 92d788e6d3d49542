/*
 * log.c: the write-ahead log with group commit.
 *
 * Operations reserve MAXOPBLOCKS log slots each while they run; when the last
 * running operation ends, the group commits: the changed blocks are copied
 * into the log area, the header (the commit point) is written, then the
 * blocks are written home and the header cleared.
 *
 * An operation that ends while others still run waits for its group's commit
 * before it returns, so a system call that returned has its changes on the
 * disk: a crash after write() returned keeps what it wrote. (Waiting is safe:
 * every operation frees its locks before it ends, so the ones still running
 * never wait for a process asleep here.)
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
  uint64 groups_done;     /* groups committed since boot; the open group is number groups_done */
  struct log_header lh;   /* the group being built (or being committed) */
  struct buf staging;     /* private buffer for the log area's blocks */
} logstate;

/* Read or write log-area block blockno through the staging buffer. */
static void staging_io(int blockno, int write)
{
  logstate.staging.dev = logstate.dev;
  logstate.staging.blockno = blockno;
  virtio_disk_rw(&logstate.staging, write);
}

static void read_header(void)
{
  staging_io(logstate.start, 0);
  memmove(&logstate.lh, logstate.staging.data, sizeof(logstate.lh));
  if (logstate.lh.n < 0 || logstate.lh.n > logstate.capacity)
    panic("log: corrupt header on disk (n = %d)", logstate.lh.n);
}

static void write_header(void)
{
  memset(logstate.staging.data, 0, BSIZE);
  memmove(logstate.staging.data, &logstate.lh, sizeof(logstate.lh));
  staging_io(logstate.start, 1);
}

/* Copy each logged block from its (pinned) cache buffer into its log slot. */
static void copy_group_to_log(void)
{
  for (int i = 0; i < logstate.lh.n; i++) {
    struct buf *b = bread(logstate.dev, logstate.lh.block[i]);
    memmove(logstate.staging.data, b->data, BSIZE);
    brelse(b);
    staging_io(logstate.start + 1 + i, 1);
  }
}

/* After the commit point: write the cached blocks home and let the cache recycle them. */
static void install_from_cache(void)
{
  for (int i = 0; i < logstate.lh.n; i++) {
    struct buf *b = bread(logstate.dev, logstate.lh.block[i]);
    bwrite(b);
    bunpin(b);
    brelse(b);
  }
}

/* Recovery: the copies on disk are the truth; write each one home. */
static void install_from_disk(void)
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
static void commit(void)
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

static void recover(void)
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

void log_init(int dev, struct superblock *sb)
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
static int room_for_one_more(void)
{
  return logstate.lh.n + (logstate.outstanding + 1) * MAXOPBLOCKS <= logstate.capacity;
}

void log_begin_op(void)
{
  spin_lock(&logstate.lock);
  while (logstate.committing || !room_for_one_more())
    proc_sleep(&logstate, &logstate.lock);
  logstate.outstanding++;
  spin_unlock(&logstate.lock);
}

void log_end_op(void)
{
  int commit_now = 0;

  spin_lock(&logstate.lock);
  KASSERT(logstate.outstanding > 0);
  KASSERT(!logstate.committing);
  logstate.outstanding--;
  if (logstate.outstanding == 0) {
    logstate.committing = 1;
    commit_now = 1;
  } else {
    /* Our unused reservation may be what a waiting begin_op needs. */
    proc_wakeup(&logstate);
    /*
     * Our changes are on the disk only once the group commits: wait for that,
     * unless the group has changed nothing. No process waits here for
     * ever: each one adds at most one operation to a group before it waits,
     * so the group's operations run out and the last one commits.
     */
    uint64 group = logstate.groups_done;
    int changed = logstate.lh.n > 0;
    while (changed && logstate.groups_done == group)
      proc_sleep(&logstate, &logstate.lock);
  }
  spin_unlock(&logstate.lock);

  if (commit_now) {
    commit();   /* sleeps on the disk: no spinlock may be held */
    spin_lock(&logstate.lock);
    logstate.committing = 0;
    logstate.groups_done++;
    proc_wakeup(&logstate);
    spin_unlock(&logstate.lock);
  }
}

void log_write(struct buf *b)
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
