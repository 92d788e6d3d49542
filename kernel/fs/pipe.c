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

int pipe_alloc(struct file **rf, struct file **wf)
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

void pipe_close(struct pipe *pi, int writable)
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
static uint run_to_ring_end(uint count)
{
  return PIPE_SIZE - count % PIPE_SIZE;
}

/*
 * Copies run with the pipe lock held, like all of the pipe's state changes;
 * copyin/copyout never sleep (a copy-on-write break only allocates a page).
 */
int pipe_write(struct pipe *pi, uint64 user_addr, int n)
{
  struct proc *p = myproc();
  int done = 0;
  int bad = 0;

  spin_lock(&pi->lock);
  while (done < n) {
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
    uint m = MIN(MIN(room, run_to_ring_end(pi->nwrite)), (uint)(n - done));
    if (copyin(p->pagetable, &pi->data[pi->nwrite % PIPE_SIZE], user_addr + done, m) < 0) {
      bad = 1;
      break;
    }
    pi->nwrite += m;
    done += m;
  }
  proc_wakeup(&pi->nread);
  spin_unlock(&pi->lock);
  return (bad && done == 0) ? -1 : done;
}

int pipe_read(struct pipe *pi, uint64 user_addr, int n)
{
  struct proc *p = myproc();
  int done = 0;
  int bad = 0;

  spin_lock(&pi->lock);
  while (pi->nread == pi->nwrite && pi->write_open) {
    if (proc_killed(p)) {
      spin_unlock(&pi->lock);
      return -1;
    }
    proc_sleep(&pi->nread, &pi->lock);
  }
  while (done < n && pi->nread != pi->nwrite) {
    uint avail = pi->nwrite - pi->nread;
    uint m = MIN(MIN(avail, run_to_ring_end(pi->nread)), (uint)(n - done));
    if (copyout(p->pagetable, user_addr + done, &pi->data[pi->nread % PIPE_SIZE], m) < 0) {
      bad = 1;
      break;
    }
    pi->nread += m;
    done += m;
  }
  proc_wakeup(&pi->nwrite);
  spin_unlock(&pi->lock);
  return (bad && done == 0) ? -1 : done;
}
