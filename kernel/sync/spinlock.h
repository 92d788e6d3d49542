/*
 * spinlock.h: busy-waiting mutual exclusion between harts.
 *
 * Holding a spinlock keeps interrupts off on this hart (so an interrupt
 * handler cannot deadlock against the code it interrupted). Nesting is
 * counted per hart by irq_push_off()/irq_pop_off().
 */
#ifndef KERNEL_SYNC_SPINLOCK_H
#define KERNEL_SYNC_SPINLOCK_H

#include "kernel/types.h"

struct cpu;

struct spinlock {
  volatile uint locked;   /* 0 free, 1 held; changed only with atomic swaps */
  const char *name;       /* for panic messages and debugging */
  struct cpu *owner;      /* hart holding it, valid while locked */
};

void spin_init(struct spinlock *lk, const char *name);
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
int  spin_held(struct spinlock *lk);   /* held by *this* hart? */
/* Does this hart hold no spinlock at all, so that the caller may sleep? */
int  spin_none_held(void);

/* Nestable interrupt disabling; the outermost pop restores the previous state. */
void irq_push_off(void);
void irq_pop_off(void);

/* A function whose contract says "caller holds lk" checks it with this. */
#define ASSERT_HELD(lk) \
  do { if (!spin_held(lk)) panic("%s: %s not held", __func__, (lk)->name); } while (0)

#endif
