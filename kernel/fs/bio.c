/*
 * bio.c: the buffer cache. Buffers sit on one circular list ordered by when
 * they were last released, so the least recently used free buffer is the one
 * recycled for a block that is not cached.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/kprintf.h"
#include "kernel/dev/virtio_disk.h"
#include "kernel/fs/log.h"
#include "kernel/fs/bio.h"

static struct {
  struct spinlock lock;   /* guards identities, refcnt, pincount and the list */
  struct buf buf[NBUF];
  struct buf recent;      /* list head: recent.older is the newest, recent.newer the oldest */
  int waiters;            /* processes asleep in bget for a free buffer */
} bcache;

static void
list_remove(struct buf *b)
{
  b->older->newer = b->newer;
  b->newer->older = b->older;
}

/* Put b at the most recently used end. */
static void
list_push_newest(struct buf *b)
{
  b->older = bcache.recent.older;
  b->newer = &bcache.recent;
  bcache.recent.older->newer = b;
  bcache.recent.older = b;
}

void
bcache_init(void)
{
  spin_init(&bcache.lock, "bcache");
  bcache.recent.newer = bcache.recent.older = &bcache.recent;
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
    sleeplock_init(&b->lock, "buffer");
    list_push_newest(b);
  }
}

static struct buf *
find_cached(uint dev, uint blockno)
{
  for (struct buf *b = bcache.recent.older; b != &bcache.recent; b = b->older)
    if (b->dev == dev && b->blockno == blockno)
      return b;
  return 0;
}

/* Oldest unreferenced buffer, or 0 when every buffer is in use. */
static struct buf *
find_reusable(void)
{
  for (struct buf *b = bcache.recent.newer; b != &bcache.recent; b = b->newer)
    if (b->refcnt == 0)
      return b;
  return 0;
}

/* Is some buffer held by a process (not just pinned by the log)? Then it will come back. */
static int
some_buffer_will_be_released(void)
{
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++)
    if (b->refcnt > b->pincount)
      return 1;
  return 0;
}

/*
 * The buffer for (dev, blockno), locked and referenced; data is valid only if
 * b->valid. When all buffers are busy we wait for a holder to release one.
 * If every buffer is pinned by the log, nobody can: the log's bounds on
 * transaction size (MAXOPBLOCKS, LOGSIZE <= NBUF) make that a kernel bug.
 */
static struct buf *
bget(uint dev, uint blockno)
{
  struct buf *b;

  spin_lock(&bcache.lock);
  for (;;) {
    if ((b = find_cached(dev, blockno)) != 0)
      break;
    if ((b = find_reusable()) != 0) {
      b->dev = dev;
      b->blockno = blockno;
      b->valid = 0;
      break;
    }
    if (!some_buffer_will_be_released())
      panic("bget: all %d buffers pinned by the log", NBUF);
    bcache.waiters++;
    proc_sleep(&bcache, &bcache.lock);
    bcache.waiters--;
  }
  b->refcnt++;
  spin_unlock(&bcache.lock);

  sleeplock_acquire(&b->lock);
  return b;
}

struct buf *
bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if (!b->valid) {
    if (!log_read_committed(b))   /* committed but not yet home: the log's copy is newer */
      virtio_disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

void
bwrite(struct buf *b)
{
  if (!sleeplock_held(&b->lock))
    panic("bwrite: buffer for block %d not held", b->blockno);
  virtio_disk_rw(b, 1);
}

/* Drop one reference; the last one makes b the newest reusable buffer. */
static void
drop_ref(struct buf *b)
{
  KASSERT(b->refcnt > 0);
  b->refcnt--;
  if (b->refcnt == 0) {
    list_remove(b);
    list_push_newest(b);
    if (bcache.waiters > 0)   /* a wakeup scans every process: not on each release */
      proc_wakeup(&bcache);
  }
}

void
brelse(struct buf *b)
{
  if (!sleeplock_held(&b->lock))
    panic("brelse: buffer for block %d not held", b->blockno);
  sleeplock_release(&b->lock);

  spin_lock(&bcache.lock);
  drop_ref(b);
  spin_unlock(&bcache.lock);
}

void
bpin(struct buf *b)
{
  spin_lock(&bcache.lock);
  b->refcnt++;
  b->pincount++;
  spin_unlock(&bcache.lock);
}

void
bunpin(struct buf *b)
{
  spin_lock(&bcache.lock);
  KASSERT(b->pincount > 0);
  b->pincount--;
  drop_ref(b);
  spin_unlock(&bcache.lock);
}
