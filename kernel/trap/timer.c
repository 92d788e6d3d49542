/*
 * timer.c: the tick. Every hart's timer interrupt re-arms its own timer
 * (Sstc's stimecmp, given to supervisor mode in start.c); hart 0 alone
 * counts ticks, so that `ticks` advances once per interval however many
 * harts run, and wakes the sleepers of sleep() and uptime's users.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/trap/timer.h"

struct spinlock ticks_lock;
uint ticks;

void
timer_init(void)
{
  spin_init(&ticks_lock, "ticks");
}

void
timer_tick(void)
{
  if (hart_id() == 0) {
    spin_lock(&ticks_lock);
    ticks++;
    proc_wakeup(&ticks);
    spin_unlock(&ticks_lock);
  }
  csr_write(stimecmp, csr_read(time) + TIMER_INTERVAL);
}
