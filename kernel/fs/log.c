/*
 * log.c: the write-ahead log with group commit, two groups in flight and
 * lazy checkpoints.
 *
 * Operations join the open group, reserving MAXOPBLOCKS log slots each while
 * they run. When the open group's last operation ends, the group closes: its
 * changed blocks are copied into the next free slots of an in-memory image
 * of the log area (begin_op waits for that copy only), a new group opens at
 * once, and the closed group commits in two writes, each waited for:
 *
 *     its copies -> the next free slots of the log area (one request)
 *     the header, now counting them too            <- the commit point
 *
 * The header lists every slot in use, older groups' and this one's, so
 * recovery installs them all in slot order (a block logged twice ends with
 * its newer copy). Nothing goes home at commit: the log area fills group
 * after group, and only a group that would not fit first checkpoints the
 * ones before it: every logged block written home (all at once), then the
 * header cleared. The disk writes through (see virtio_disk.c), so a write
 * that completed is durable, and each step starts only when the one it
 * depends on has completed: the copies before a header that counts them,
 * the header before the operations return, the blocks at home before the
 * header forgets them.
 *
 * The in-memory image of the log area serves two ends. Commits and
 * checkpoints write from it, never from the cache: operations of the open
 * group may change, in the cache, a block an earlier group logged, and those
 * changes must not reach the disk before their own group commits. And a
 * committed block not yet home need not stay in the cache: bread finds the
 * newest copy in the image (log_read_committed).
 *
 * A system call waits, on its way out, until the last group its operations
 * joined is on the disk (log_wait_own), so a call that returned has its
 * changes there, and a call of several operations waits once. Nobody waits
 * for ever: a waiting process closes and commits its group itself once no
 * operation runs in it and the log area is free (after, perhaps, a wait
 * bounded by half a commit for writers of the last group to join it); a
 * begin_op that finds no room does the same for the open group (its own
 * earlier operations may be in it); a closing group that would not fit
 * checkpoints the log first. Waiting is safe because no lock is held at a
 * system call's exit or in begin_op, and a running operation, which may hold
 * a buffer a commit copies, never waits for the log.
 *
 * The open and closed groups' buffers stay pinned in the cache until their
 * commit; they count against the log's capacity, so at most LOGSIZE buffers
 * (NBUF) are pinned.
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
#include "kernel/riscv.h"
#include "kernel/trap/timer.h"

/* The header block's layout, both on disk and in memory. */
struct log_header {
  int n;                  /* slots in use (0: nothing committed) */
  int block[LOGSIZE];     /* home block number of each slot's copy */
};
_Static_assert(sizeof(struct log_header) <= BSIZE, "log header must fit one block");

/* Some of the processes whose operations joined a group (enough to tell who is missing). */
#define WRITERS_TRACKED 8
struct writers {
  int n;
  int pid[WRITERS_TRACKED];
};

static int
writers_has(const struct writers *w, int pid)
{
  for (int i = 0; i < w->n; i++)
    if (w->pid[i] == pid)
      return 1;
  return 0;
}

static void
writers_add(struct writers *w, int pid)
{
  if (!writers_has(w, pid) && w->n < WRITERS_TRACKED)
    w->pid[w->n++] = pid;
}

static struct {
  struct spinlock lock;   /* guards everything below but the image's data */
  int dev;
  int start;              /* header block; slots follow it */
  int capacity;           /* slots usable: LOGSIZE, or fewer if the disk's log is smaller */
  int outstanding;        /* operations of the open group between begin and end */
  int closing;            /* the closed group's blocks are being copied: no operation may start */
  int busy;               /* a commit or checkpoint owns the log area, the image and `durable` */
  uint64 open_group;      /* number of the open group; groups below groups_done are on disk */
  uint64 groups_done;
  struct log_header lh;   /* the open group's blocks */
  struct log_header closed;   /* the committing group's blocks (slots durable.n onwards) */
  struct log_header durable;  /* the header on disk: slots committed, not yet home */
  int open_ops;           /* operations that joined the open group */
  struct writers open_writers, last_writers;   /* processes in the open and the last closed group */
  uint64 last_commit_time;    /* time CSR counts the last commit took */
  int open_overlapped;    /* one of them began while the group before was written */
  uint64 commits, ops, overlapped, checkpoints, image_reads;   /* fsstat's counters */
} logstate;

/* What the log area holds, slot by slot. */
static uchar image[LOGSIZE][BSIZE];
/* The closed group's blocks as they were when it closed. */
static uchar incoming[LOGSIZE][BSIZE];
/* The header as last written; owned, like the image, by whoever set busy. */
static uchar header_block[BSIZE];

static void
write_header(const struct log_header *h)
{
  memset(header_block, 0, BSIZE);
  memmove(header_block, h, sizeof(*h));
  struct disk_write w = { .blockno = logstate.start, .data = header_block, .nblocks = 1 };
  virtio_disk_write(&w, 1);
}

/* Is slot i's block logged again in a later slot (so its copy there is newer)? */
static int
superseded(const struct log_header *h, int i)
{
  for (int j = i + 1; j < h->n; j++)
    if (h->block[j] == h->block[i])
      return 1;
  return 0;
}

/* Copy the closed group's blocks from the cache: after this, the open group may change them. */
static void
copy_closed_group(void)
{
  for (int i = 0; i < logstate.closed.n; i++) {
    struct buf *b = bread(logstate.dev, logstate.closed.block[i]);
    memmove(incoming[i], b->data, BSIZE);
    brelse(b);
  }
}

/*
 * Write the closed group to the slots after the durable ones and make it
 * durable; returns the new header. Called by the owner of busy, without
 * logstate.lock, with room in the log area.
 */
static struct log_header
commit(void)
{
  struct log_header next = logstate.durable;
  KASSERT(next.n + logstate.closed.n <= logstate.capacity);
  memmove(image[next.n], incoming, (uint64)logstate.closed.n * BSIZE);
  struct disk_write copies = {
    .blockno = logstate.start + 1 + next.n, .data = image[next.n], .nblocks = logstate.closed.n };
  virtio_disk_write(&copies, 1);       /* the copies before a header that counts them */

  for (int i = 0; i < logstate.closed.n; i++)
    next.block[next.n++] = logstate.closed.block[i];
  write_header(&next);                 /* commit point: from here a crash replays the group */
  return next;
}

/*
 * Write every durable slot home from the image, then empty the log. Called
 * by the owner of busy, without logstate.lock (it takes it to record the
 * empty log).
 */
static void
checkpoint(void)
{
  const struct log_header *d = &logstate.durable;
  struct disk_write home[LOGSIZE];
  int n = 0;
  for (int i = 0; i < d->n; i++)
    if (!superseded(d, i))
      home[n++] = (struct disk_write){ .blockno = d->block[i], .data = image[i], .nblocks = 1 };
  virtio_disk_write(home, n);          /* home before the header forgets them */
  static const struct log_header empty;
  write_header(&empty);                /* forgotten before the slots are reused */
  spin_lock(&logstate.lock);
  logstate.durable.n = 0;               /* log_read_committed now leaves the blocks to the disk */
  logstate.checkpoints++;
  spin_unlock(&logstate.lock);
}

/*
 * Recovery: the copies on disk are the truth; write each one home, in slot
 * order. (Only here, at boot before any commit, are log-area blocks read
 * through the cache; commits write them around it.)
 */
static void
recover(void)
{
  struct buf *b = bread(logstate.dev, logstate.start);
  struct log_header h;
  memmove(&h, b->data, sizeof(h));
  brelse(b);
  if (h.n < 0 || h.n > logstate.capacity)
    panic("log: corrupt header on disk (n = %d)", h.n);
  if (h.n > 0)
    kprintf("log: replaying %d blocks\n", h.n);
  for (int i = 0; i < h.n; i++) {
    struct buf *copy = bread(logstate.dev, logstate.start + 1 + i);
    struct buf *home = bread(logstate.dev, h.block[i]);
    memmove(home->data, copy->data, BSIZE);
    bwrite(home);
    brelse(home);
    brelse(copy);
  }
  static const struct log_header empty;
  write_header(&empty);                /* every block is home: forget them */
}

/*
 * Could one more operation use all of its MAXOPBLOCKS? The open and the
 * closed group keep their blocks pinned in the cache (which holds no more
 * than the log), and the log area never overflows: a closing group that
 * would not fit first checkpoints the groups before it.
 */
static int
room_for_one_more(void)
{
  int pinned = logstate.closed.n + logstate.lh.n;
  return pinned + (logstate.outstanding + 1) * MAXOPBLOCKS <= logstate.capacity;
}

/*
 * The checkpointer, a kernel thread: once a whole tick has passed without a
 * commit, it writes the log home, so a system left idle has a disk that
 * needs no replay (and fsck finds it clean). Under load the log goes home
 * only when it fills.
 */
static void
checkpointer(void)
{
  uint64 commits_seen = 0;
  for (;;) {
    spin_lock(&ticks_lock);
    uint start = ticks;
    while (ticks == start)
      proc_sleep(&ticks, &ticks_lock);
    spin_unlock(&ticks_lock);

    spin_lock(&logstate.lock);
    if (logstate.commits == commits_seen && logstate.durable.n > 0 && !logstate.busy) {
      logstate.busy = 1;
      spin_unlock(&logstate.lock);
      checkpoint();                     /* sleeps on the disk: no spinlock may be held */
      spin_lock(&logstate.lock);
      logstate.busy = 0;
      proc_wakeup(&logstate);           /* a closer may be waiting for the log area */
    }
    commits_seen = logstate.commits;
    spin_unlock(&logstate.lock);
  }
}

void
log_init(int dev, struct superblock *sb)
{
  spin_init(&logstate.lock, "log");
  logstate.dev = dev;
  logstate.start = sb->logstart;
  logstate.capacity = MIN(LOGSIZE, (int)sb->nlog - 1);
  if (logstate.capacity < MAXOPBLOCKS)
    panic("log: disk log has %d slots, one operation needs %d", logstate.capacity, MAXOPBLOCKS);
  recover();
  proc_start_kernel_thread("checkpoint", checkpointer);
}

/* Can the open group close now? Needs logstate.lock. */
static int
group_can_close(void)
{
  return logstate.outstanding == 0 && logstate.lh.n > 0 && !logstate.busy;
}

/*
 * Close the open group and commit it. Called with logstate.lock held and
 * group_can_close(); returns with it held, the group on the disk. It fits:
 * begin_op admitted its operations only with room for all their blocks.
 */
static void
close_and_commit(void)
{
  uint64 group = logstate.open_group++;
  logstate.closed = logstate.lh;
  logstate.lh.n = 0;
  logstate.commits++;
  logstate.ops += logstate.open_ops;
  logstate.overlapped += logstate.open_overlapped;
  logstate.open_ops = logstate.open_overlapped = 0;
  logstate.last_writers = logstate.open_writers;
  logstate.open_writers.n = 0;
  logstate.closing = logstate.busy = 1;
  spin_unlock(&logstate.lock);

  copy_closed_group();
  spin_lock(&logstate.lock);
  logstate.closing = 0;
  proc_wakeup(&logstate);               /* the next group's operations may start */
  spin_unlock(&logstate.lock);

  /* Both sleep on the disk: no spinlock may be held. */
  if (logstate.durable.n + logstate.closed.n > logstate.capacity)
    checkpoint();
  uint64 started = r_time();
  struct log_header next = commit();
  spin_lock(&logstate.lock);
  logstate.last_commit_time = r_time() - started;
  logstate.durable = next;              /* log_read_committed serves the group's blocks now */
  spin_unlock(&logstate.lock);
  for (int i = 0; i < logstate.closed.n; i++) {   /* so the cache may recycle them */
    struct buf *b = bread(logstate.dev, logstate.closed.block[i]);
    bunpin(b);
    brelse(b);
  }
  spin_lock(&logstate.lock);
  logstate.closed.n = 0;
  logstate.busy = 0;
  logstate.groups_done = group + 1;
  proc_wakeup(&logstate);               /* its writers, begin_op, and the next closer */
}

/*
 * Should the open group wait a little before it closes? Only if a process
 * of the last group has not joined it yet (a writer that is likely back in
 * a moment: its own commit just woke it), and for at most half a commit's
 * time, from *deadline (set on the first call). Commits cost the same for
 * one operation as for several, so a group that waits for its writers
 * shares the commit instead of taking one each. Needs logstate.lock.
 */
static int
worth_waiting(uint64 *deadline)
{
  int missing = 0;
  for (int i = 0; i < logstate.last_writers.n; i++)
    missing |= !writers_has(&logstate.open_writers, logstate.last_writers.pid[i]);
  if (!missing)
    return 0;
  if (*deadline == 0)
    *deadline = r_time() + logstate.last_commit_time / 2;
  return r_time() < *deadline;
}

void
log_begin_op(void)
{
  spin_lock(&logstate.lock);
  /*
   * No room: if no operation runs in the open group, close and commit it
   * now. Its operations' processes commit at their system calls' exits,
   * but one of them may be us, in a call that runs several operations
   * (a long write(), munmap's write-back): waiting would be for ever.
   */
  while (logstate.closing || !room_for_one_more()) {
    if (!logstate.closing && group_can_close())
      close_and_commit();
    else
      proc_sleep(&logstate, &logstate.lock);
  }
  logstate.outstanding++;
  logstate.open_ops++;
  writers_add(&logstate.open_writers, myproc()->pid);
  logstate.open_overlapped |= logstate.busy;
  spin_unlock(&logstate.lock);
}

/* Is group on the disk, or open with nothing to write? Needs logstate.lock. */
static int
on_disk(uint64 group)
{
  if (logstate.groups_done > group)
    return 1;
  return logstate.open_group == group && logstate.lh.n == 0;
}

void
log_end_op(void)
{
  struct proc *p = myproc();
  spin_lock(&logstate.lock);
  KASSERT(logstate.outstanding > 0);
  KASSERT(!logstate.closing);
  logstate.outstanding--;
  if (logstate.lh.n > 0)                /* a group that changed nothing has nothing to wait for */
    p->log_wait = logstate.open_group + 1;
  proc_wakeup(&logstate);               /* our unused reservation may be what a begin_op needs */
  spin_unlock(&logstate.lock);
}

void
log_wait_own(void)
{
  struct proc *p = myproc();
  if (p->log_wait == 0)
    return;
  uint64 group = p->log_wait - 1;       /* groups commit in order: the last one is enough */
  p->log_wait = 0;
  /*
   * If our group can close, we close and commit it ourselves (after a short
   * wait for the last group's writers, see worth_waiting); otherwise its
   * last operation's process, or the commit or checkpoint before it, wakes
   * us.
   */
  uint64 deadline = 0;
  spin_lock(&logstate.lock);
  while (!on_disk(group)) {
    if (logstate.open_group == group && group_can_close()) {
      if (worth_waiting(&deadline)) {
        spin_unlock(&logstate.lock);
        proc_yield();
        spin_lock(&logstate.lock);
      } else {
        close_and_commit();
      }
    } else {
      proc_sleep(&logstate, &logstate.lock);
    }
  }
  spin_unlock(&logstate.lock);
}

int
log_read_committed(struct buf *b)
{
  int found = 0;
  spin_lock(&logstate.lock);
  for (int i = logstate.durable.n - 1; i >= 0 && !found; i--)   /* the newest copy wins */
    if (logstate.durable.block[i] == (int)b->blockno) {
      memmove(b->data, image[i], BSIZE);
      found = 1;
      logstate.image_reads++;
    }
  spin_unlock(&logstate.lock);
  return found;
}

void
log_stats(struct fsstat *st)
{
  spin_lock(&logstate.lock);
  st->log_commits = logstate.commits;
  st->log_ops = logstate.ops;
  st->log_overlapped = logstate.overlapped;
  st->log_checkpoints = logstate.checkpoints;
  st->log_pending = logstate.durable.n;
  st->log_image_reads = logstate.image_reads;
  spin_unlock(&logstate.lock);
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
