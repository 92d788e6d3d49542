/*
 * file.c: the system-wide open-file table and the read/write/stat entry
 * points that dispatch to pipes, devices or inodes.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/fs/log.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/pipe.h"
#include "kernel/fs/file.h"
#include "kernel/mm/mapcache.h"

/*
 * Bytes of one write() that go into one log transaction. A chunk of
 * WRITE_CHUNK_BLOCKS blocks at an unaligned offset touches one block more,
 * plus the inode, the indirect block and up to two bitmap blocks: 9 blocks
 * (5 + 1 + 1 + 2), within the MAXOPBLOCKS (10) an operation may log. Staying below the limit also keeps
 * fewer buffers pinned while several writers share a commit.
 */
#define WRITE_CHUNK_BLOCKS 4
#define WRITE_CHUNK_BYTES  (WRITE_CHUNK_BLOCKS * BSIZE)
_Static_assert(WRITE_CHUNK_BLOCKS + 1 + 4 <= MAXOPBLOCKS, "write chunk too big for one transaction");

struct devsw devsw[NDEV];

static struct {
  struct spinlock lock;
  struct file file[NFILE];
} ftable;

void
file_table_init(void)
{
  spin_init(&ftable.lock, "ftable");
}

struct file *
file_alloc(void)
{
  spin_lock(&ftable.lock);
  for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
    if (f->ref == 0) {
      memset(f, 0, sizeof(*f));
      f->type = FD_NONE;
      f->ref = 1;
      spin_unlock(&ftable.lock);
      return f;
    }
  }
  spin_unlock(&ftable.lock);
  return 0;
}

struct file *
file_dup(struct file *f)
{
  spin_lock(&ftable.lock);
  KASSERT(f->ref > 0);
  f->ref++;
  spin_unlock(&ftable.lock);
  return f;
}

void
file_close(struct file *f)
{
  spin_lock(&ftable.lock);
  KASSERT(f->ref > 0);
  if (--f->ref > 0) {
    spin_unlock(&ftable.lock);
    return;
  }
  struct file last = *f;   /* the slot may be reused as soon as we unlock */
  f->type = FD_NONE;
  spin_unlock(&ftable.lock);

  if (last.type == FD_PIPE) {
    pipe_close(last.pipe, last.writable);
  } else if (last.type == FD_INODE || last.type == FD_DEVICE) {
    log_begin_op();   /* the put may free an unlinked inode */
    inode_put(last.ip);
    log_end_op();
  }
}

int
file_stat(struct file *f, uint64 user_addr)
{
  struct stat st;

  if (f->type != FD_INODE && f->type != FD_DEVICE)
    return -1;
  inode_lock(f->ip);
  inode_stat(f->ip, &st);
  inode_unlock(f->ip);
  return copyout(myproc()->pagetable, user_addr, &st, sizeof(st));
}

static struct devsw *
driver_of(struct file *f)
{
  if (f->major < 0 || f->major >= NDEV)
    return 0;
  return &devsw[f->major];
}

int
file_read(struct file *f, uint64 user_addr, int n)
{
  if (!f->readable || n < 0)
    return -1;

  if (f->type == FD_PIPE)
    return pipe_read(f->pipe, user_addr, n);
  if (f->type == FD_DEVICE) {
    struct devsw *d = driver_of(f);
    return (d && d->read) ? d->read(1, user_addr, n) : -1;
  }
  if (f->type == FD_INODE) {
    mmap_prepare(user_addr, n, FAULT_WRITE);   /* before the inode lock (mmap.h) */
    inode_lock(f->ip);
    int r = inode_read(f->ip, 1, user_addr, f->off, n);
    if (r > 0 && mapcache_file_read(f->ip, user_addr, f->off, r) < 0)
      r = -1;                                  /* mapped pages' stores count, not the disk's copy */
    if (r > 0)
      f->off += r;
    inode_unlock(f->ip);
    return r;
  }
  panic("file_read: file of type %d", f->type);
}

/* Write in transaction-sized chunks; stop at the first short or failed chunk. */
static int
write_inode(struct file *f, uint64 user_addr, int n)
{
  int done = 0;

  while (done < n) {
    int want = MIN(n - done, WRITE_CHUNK_BYTES);
    mmap_prepare(user_addr + done, want, FAULT_READ);   /* before the log and the inode lock (mmap.h) */
    log_begin_op();
    inode_lock(f->ip);
    int r = inode_write(f->ip, 1, user_addr + done, f->off, want);
    if (r > 0) {
      mapcache_file_written(f->ip, f->off, r);   /* mapped pages see the write at once */
      f->off += r;
    }
    inode_unlock(f->ip);
    log_end_op();
    if (r > 0)
      done += r;
    if (r != want)
      break;
  }
  if (done == 0 && n > 0)
    return -1;
  return done;
}

int
file_write(struct file *f, uint64 user_addr, int n)
{
  if (!f->writable || n < 0)
    return -1;

  if (f->type == FD_PIPE)
    return pipe_write(f->pipe, user_addr, n);
  if (f->type == FD_DEVICE) {
    struct devsw *d = driver_of(f);
    return (d && d->write) ? d->write(1, user_addr, n) : -1;
  }
  if (f->type == FD_INODE)
    return write_inode(f, user_addr, n);
  panic("file_write: file of type %d", f->type);
}
