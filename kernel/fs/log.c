/*
 * log.c: the write-ahead log with group commit, two groups in flight.
 *
 * Operations join the open group, reserving MAXOPBLOCKS log slots each while
 * they run. When the open group's last operation ends, the group closes: a
 * snapshot of its changed blocks is taken (begin_op waits for that only), a
 * new group opens at once, and the closed group commits from its snapshot:
 * the blocks are copied into the log area, the header (the commit point) is
 * written, the blocks are written home and the header cleared. So while one
 * group commits, the next one fills: a writer waiting for its commit finds
 * its next write joining the next group (as jbd2 keeps a running and a
 * committing transaction).
 *
 * The snapshot is what makes that safe: operations of the open group may
 * change a block the committing group also logged, in the cache, and those
 * changes must not reach the disk before their own group commits. So the
 * commit writes the snapshot, never the cache, and reads nothing from disk.
 * Only one group is on disk at a time (one header), so recovery is as before.
 *
 * An operation waits for its group's commit before it returns, so a system
 * call that returned has its changes on the disk. Nobody waits for ever: a
 * group closes when its last operation ends, and the one that closes it
 * commits it as soon as the previous commit is done; waiting is safe
 * because every operation frees its locks before it ends.
 *
 * Logged buffers stay pinned in the buffer cache until they are home (a
 * reader must find the newest data there, not the old copy on disk). Both
 * groups' blocks count against the log's capacity, so at most LOGSIZE
 * buffers (NBUF) are pinned. I/O on the log area and the installs go
 * through a private buffer, never through the cache.
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
  struct spinlock lock;   /* guards everything below but staging and the snapshot's data */
  int dev;
  int start;              /* header block; copies follow it */
  int capacity;           /* slots usable: LOGSIZE, or fewer if the disk's log is smaller */
  int outstanding;        /* operations of the open group between begin and end */
  int closing;            /* the closed group's snapshot is being taken: no operation may start */
  int committing;         /* a closed group is being written: the next one must wait to close */
  uint64 open_group;      /* number of the open group; groups below groups_done are on disk */
  uint64 groups_done;
  struct log_header lh;   /* the open group's blocks */
  struct log_header committed;   /* the committing group's blocks (its header on disk) */
  int open_ops;           /* operations that joined the open group */
  int open_overlapped;    /* one of them began while the group before was written */
  uint64 commits, ops, overlapped;   /* fsstat's counters */
  struct buf staging;     /* private buffer for the log area's blocks and the installs */
} logstate;

/* The committing group's blocks as they were when it closed; owned by its committer. */
static uchar snapshot[LOGSIZE][BSIZE];

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

static void write_header(const struct log_header *h)
{
  memset(logstate.staging.data, 0, BSIZE);
  memmove(logstate.staging.data, h, sizeof(*h));
  staging_io(logstate.start, 1);
}

/* Copy the closed group's blocks out of the cache: after this, the open group may change them. */
static void take_snapshot(void)
{
  for (int i = 0; i < logstate.committed.n; i++) {
    struct buf *b = bread(logstate.dev, logstate.committed.block[i]);
    memmove(snapshot[i], b->data, BSIZE);
    brelse(b);
  }
}

/* Write block blockno (in the log area or home) from the snapshot's slot i. */
static void write_from_snapshot(int i, int blockno)
{
  memmove(logstate.staging.data, snapshot[i], BSIZE);
  staging_io(blockno, 1);
}

/* After the commit point: the blocks go home; the cache may now recycle them. */
static void install_from_snapshot(void)
{
  for (int i = 0; i < logstate.committed.n; i++) {
    write_from_snapshot(i, logstate.committed.block[i]);
    struct buf *b = bread(logstate.dev, logstate.committed.block[i]);
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

/*
 * Write the closed group (logstate.committed, its data in the snapshot) to
 * the disk. Only one process commits at a time (logstate.committing), so it
 * owns staging, the snapshot and logstate.committed.
 */
static void commit(void)
{
  sleeplock_acquire(&logstate.staging.lock);
  for (int i = 0; i < logstate.committed.n; i++)
    write_from_snapshot(i, logstate.start + 1 + i);
  write_header(&logstate.committed);   /* commit point: from here a crash replays the group */
  install_from_snapshot();
  static const struct log_header empty;
  write_header(&empty);                /* the group is home; forget it */
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
  write_header(&logstate.lh);
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

/*
 * Could one more operation use all of its MAXOPBLOCKS without overflowing the
 * log? The committing group's blocks count too: they stay pinned in the
 * cache until they are home, and the cache holds no more than the log.
 */
static int room_for_one_more(void)
{
  int pinned = logstate.committed.n + logstate.lh.n;
  return pinned + (logstate.outstanding + 1) * MAXOPBLOCKS <= logstate.capacity;
}

void log_begin_op(void)
{
  spin_lock(&logstate.lock);
  while (logstate.closing || !room_for_one_more())
    proc_sleep(&logstate, &logstate.lock);
  logstate.outstanding++;
  logstate.open_ops++;
  logstate.open_overlapped |= logstate.committing;
  spin_unlock(&logstate.lock);
}

/* Can the open group close now? Needs logstate.lock. */
static int group_can_close(void)
{
  return logstate.outstanding == 0 && logstate.lh.n > 0 && !logstate.committing &&
         !logstate.closing;
}

/*
 * Close the open group and commit it. Called with logstate.lock held and
 * group_can_close(); returns with it held, the group on the disk.
 */
static void close_and_commit(void)
{
  uint64 group = logstate.open_group++;
  logstate.committed = logstate.lh;
  logstate.lh.n = 0;
  logstate.commits++;
  logstate.ops += logstate.open_ops;
  logstate.overlapped += logstate.open_overlapped;
  logstate.open_ops = logstate.open_overlapped = 0;
  logstate.closing = logstate.committing = 1;
  spin_unlock(&logstate.lock);

  take_snapshot();
  spin_lock(&logstate.lock);
  logstate.closing = 0;
  proc_wakeup(&logstate);               /* the next group's operations may start */
  spin_unlock(&logstate.lock);

  commit();                             /* sleeps on the disk: no spinlock may be held */
  spin_lock(&logstate.lock);
  logstate.committed.n = 0;
  logstate.committing = 0;
  logstate.groups_done = group + 1;
  proc_wakeup(&logstate);               /* its writers, begin_op, and the next closer */
}

/* Is group on the disk, or open with nothing to write? Needs logstate.lock. */
static int on_disk(uint64 group)
{
  if (logstate.groups_done > group)
    return 1;
  return logstate.open_group == group && logstate.lh.n == 0;
}

void log_end_op(void)
{
  spin_lock(&logstate.lock);
  KASSERT(logstate.outstanding > 0);
  KASSERT(!logstate.closing);
  logstate.outstanding--;
  uint64 group = logstate.open_group;
  proc_wakeup(&logstate);               /* our unused reservation may be what a begin_op needs */
  /*
   * Our changes are on the disk once our group commits. Until then, if the
   * group can close, we close and commit it ourselves; otherwise its last
   * operation, or the commit before it, will wake us. A group that changed
   * nothing has nothing to wait for.
   */
  while (!on_disk(group)) {
    if (logstate.open_group == group && group_can_close())
      close_and_commit();
    else
      proc_sleep(&logstate, &logstate.lock);
  }
  spin_unlock(&logstate.lock);
}

void log_stats(struct fsstat *st)
{
  spin_lock(&logstate.lock);
  st->log_commits = logstate.commits;
  st->log_ops = logstate.ops;
  st->log_overlapped = logstate.overlapped;
  spin_unlock(&logstate.lock);
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
