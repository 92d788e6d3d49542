/* sleeplock.c: long-term locks whose waiters sleep (used around disk I/O). */
#include "kernel/types.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"

void
sleeplock_init(struct sleeplock *lk, const char *name)
{
  spin_init(&lk->guard, "sleeplock guard");
  lk->name = name;
  lk->locked = 0;
  lk->pid = 0;
  lk->waiters = 0;
}

void
sleeplock_acquire(struct sleeplock *lk)
{
  spin_lock(&lk->guard);
  while (lk->locked) {
    lk->waiters++;
    proc_sleep(lk, &lk->guard);
    lk->waiters--;
  }
  lk->locked = 1;
  lk->pid = myproc()->pid;
  spin_unlock(&lk->guard);
}

void
sleeplock_release(struct sleeplock *lk)
{
  spin_lock(&lk->guard);
  lk->locked = 0;
  lk->pid = 0;
  if (lk->waiters > 0)
    proc_wakeup(lk);   /* a scan of every process: skipped when nobody waits (the fault path's case) */
  spin_unlock(&lk->guard);
}

int
sleeplock_held(struct sleeplock *lk)
{
  spin_lock(&lk->guard);
  int mine = lk->locked && lk->pid == myproc()->pid;
  spin_unlock(&lk->guard);
  return mine;
}
