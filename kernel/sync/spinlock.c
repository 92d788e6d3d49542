/* spinlock.c: spinlocks and the per-hart interrupt-disable nesting they rely on. */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/kprintf.h"
#include "kernel/lib/klib.h"

void
spin_init(struct spinlock *lk, const char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->owner = 0;
}

/*
 * The bodies of irq_push_off, irq_pop_off and spin_held, inlined into the
 * lock and unlock paths (HOT_INLINE, klib.h): a lock pair made eight calls.
 */
static HOT_INLINE void
push_off(void)
{
  int was_on = irq_enabled();
  irq_disable();
  struct cpu *c = mycpu();
  if (c->irq_depth == 0)
    c->irq_were_on = was_on;
  c->irq_depth++;
}

static HOT_INLINE void
pop_off(void)
{
  struct cpu *c = mycpu();
  if (irq_enabled())
    panic("irq_pop_off: interrupts are on");
  if (c->irq_depth < 1)
    panic("irq_pop_off: unbalanced");
  c->irq_depth--;
  if (c->irq_depth == 0 && c->irq_were_on)
    irq_enable();
}

/* Only meaningful with interrupts off (otherwise we could migrate mid-check). */
static HOT_INLINE int
held(struct spinlock *lk)
{
  return lk->locked && lk->owner == mycpu();
}

/* Interrupts go off first: an interrupt handler taking lk on this hart would spin forever. */
void
spin_lock(struct spinlock *lk)
{
  push_off();
  if (held(lk))
    panic("spin_lock: %s already held by this hart", lk->name);
  while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0)
    ;
  lk->owner = mycpu();
}

void
spin_unlock(struct spinlock *lk)
{
  if (!held(lk))
    panic("spin_unlock: %s not held", lk->name);
  lk->owner = 0;
  __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
  pop_off();
}

int
spin_held(struct spinlock *lk)
{
  return held(lk);
}

int
spin_none_held(void)
{
  push_off();   /* stay on this hart while reading its depth */
  int depth = mycpu()->irq_depth;
  pop_off();
  return depth == 1;
}

void
irq_push_off(void)
{
  push_off();
}

void
irq_pop_off(void)
{
  pop_off();
}
