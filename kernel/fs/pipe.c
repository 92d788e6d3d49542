/*
 * pipe.c: pipes as a PIPE_SIZE-byte ring buffer. nread and nwrite count all
 * bytes ever read and written, so nwrite - nread is the fill level and the
 * ring position is the count modulo PIPE_SIZE.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/kalloc.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/fs/file.h"
#include "kernel/fs/pipe.h"

#define PIPE_SIZE 512

struct pipe {
  struct spinlock lock;
  uint nread;            /* readers sleep on &nread, waiting for data */
  uint nwrite;           /* writers sleep on &nwrite, waiting for room */
  int read_open;
  int write_open;
  char data[PIPE_SIZE];
};
_Static_assert(sizeof(struct pipe) <= PGSIZE, "a pipe must fit the page it lives in");

int
pipe_alloc(struct file **rf, struct file **wf)
{
  struct pipe *pi = 0;

  *rf = file_alloc();
  *wf = file_alloc();
  if (*rf == 0 || *wf == 0 || (pi = page_alloc()) == 0) {
    if (*rf)
      file_close(*rf);   /* still FD_NONE: closing just frees the slot */
    if (*wf)
      file_close(*wf);
    *rf = *wf = 0;
    return -1;
  }

  spin_init(&pi->lock, "pipe");
  pi->nread = pi->nwrite = 0;
  pi->read_open = pi->write_open = 1;

  (*rf)->type = FD_PIPE;
  (*rf)->readable = 1;
  (*rf)->pipe = pi;
  (*wf)->type = FD_PIPE;
  (*wf)->writable = 1;
  (*wf)->pipe = pi;
  return 0;
}

void
pipe_close(struct pipe *pi, int writable)
{
  spin_lock(&pi->lock);
  if (writable) {
    pi->write_open = 0;
    proc_wakeup(&pi->nread);    /* readers now see end of file */
  } else {
    pi->read_open = 0;
    proc_wakeup(&pi->nwrite);   /* writers now fail */
  }
  int unused = !pi->read_open && !pi->write_open;
  spin_unlock(&pi->lock);
  if (unused)
    page_free(pi);
}

/* Longest run of bytes starting at ring position count that stays inside the ring. */
static uint
run_to_ring_end(uint count)
{
  return PIPE_SIZE - count % PIPE_SIZE;
}

/*
 * User memory is never touched with the pipe lock held: fault work (a
 * copy-on-write copy, a lazy fill, a file mapping's page) allocates, takes
 * the address space's sleeplock and, for a file mapping, reads the file, so
 * fault_resolve asserts that its caller holds no spinlock. Data passes
 * through a kernel buffer of one ring's size, and user_prepare() does the
 * fault work for the user side of each copy before any byte leaves or
 * enters the ring.
 */

/*
 * Takes pi->lock. Put all of buf in the ring, waiting for room: 0, or -1 if
 * the reader left or we were killed.
 */
static int
ring_put(struct pipe *pi, const char *buf, uint n)
{
  struct proc *p = myproc();
  uint put = 0;

  spin_lock(&pi->lock);
  while (put < n) {
    if (!pi->read_open || proc_killed(p)) {
      spin_unlock(&pi->lock);
      return -1;
    }
    uint room = PIPE_SIZE - (pi->nwrite - pi->nread);
    if (room == 0) {
      proc_wakeup(&pi->nread);
      proc_sleep(&pi->nwrite, &pi->lock);
      continue;
    }
    uint m = MIN(MIN(room, run_to_ring_end(pi->nwrite)), n - put);
    memmove(&pi->data[pi->nwrite % PIPE_SIZE], buf + put, m);
    pi->nwrite += m;
    put += m;
  }
  proc_wakeup(&pi->nread);
  spin_unlock(&pi->lock);
  return 0;
}

int
pipe_write(struct pipe *pi, uint64 user_addr, int n)
{
  pagetable_t pt = myproc()->pagetable;
  char chunk[PIPE_SIZE];
  int done = 0;

  while (done < n) {
    uint want = MIN((uint)(n - done), sizeof(chunk));
    uint ready = user_prepare(pt, user_addr + done, want, FAULT_READ);
    if (ready == 0 || copyin(pt, chunk, user_addr + done, ready) < 0)
      break;
    if (ring_put(pi, chunk, ready) < 0)
      return -1;
    done += ready;
    if (ready < want)
      break;             /* the buffer runs into a bad page */
  }
  return (done == 0 && n > 0) ? -1 : done;
}

/*
 * Takes pi->lock. Wait for data, then take up to max bytes: the count, 0 at
 * end of file, -1 if killed.
 */
static int
ring_take(struct pipe *pi, char *buf, uint max)
{
  struct proc *p = myproc();
  uint took = 0;

  spin_lock(&pi->lock);
  while (pi->nread == pi->nwrite && pi->write_open) {
    if (proc_killed(p)) {
      spin_unlock(&pi->lock);
      return -1;
    }
    proc_sleep(&pi->nread, &pi->lock);
  }
  while (took < max && pi->nread != pi->nwrite) {
    uint m = MIN(MIN(pi->nwrite - pi->nread, run_to_ring_end(pi->nread)), max - took);
    memmove(buf + took, &pi->data[pi->nread % PIPE_SIZE], m);
    pi->nread += m;
    took += m;
  }
  proc_wakeup(&pi->nwrite);
  spin_unlock(&pi->lock);
  return took;
}

int
pipe_read(struct pipe *pi, uint64 user_addr, int n)
{
  pagetable_t pt = myproc()->pagetable;
  char chunk[PIPE_SIZE];

  if (n <= 0)
    return 0;
  /* A bad buffer fails before any byte is taken, so the data stays for the next read. */
  uint ready = user_prepare(pt, user_addr, MIN((uint)n, sizeof(chunk)), FAULT_WRITE);
  if (ready == 0)
    return -1;
  int took = ring_take(pi, chunk, ready);
  if (took > 0 && copyout(pt, user_addr, chunk, took) < 0)
    return -1;           /* cannot happen: the pages were prepared above */
  return took;
}
