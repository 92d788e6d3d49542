/*
 * sleeplock.h: a lock that may be held for a long time (across disk I/O).
 * A waiter sleeps instead of spinning, so interrupts stay on while it is held.
 * Only process context may take one.
 */
#ifndef KERNEL_SYNC_SLEEPLOCK_H
#define KERNEL_SYNC_SLEEPLOCK_H

#include "kernel/sync/spinlock.h"

struct sleeplock {
  struct spinlock guard;  /* protects the three fields below */
  uint locked;            /* held? */
  int pid;                /* holder, for sleeplock_held() */
  int waiters;            /* processes asleep in sleeplock_acquire: release wakes only if any */
  const char *name;
};

void sleeplock_init(struct sleeplock *lk, const char *name);
void sleeplock_acquire(struct sleeplock *lk);
void sleeplock_release(struct sleeplock *lk);
int  sleeplock_held(struct sleeplock *lk);   /* held by the current process? */

#endif
