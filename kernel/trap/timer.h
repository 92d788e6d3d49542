/* timer.h: the periodic supervisor timer that drives preemption and sleep(). */
#ifndef KERNEL_TRAP_TIMER_H
#define KERNEL_TRAP_TIMER_H

/* QEMU virt's time CSR counts at 10 MHz: one tick every 100 ms. */
#define TIMER_INTERVAL 1000000UL
#define NS_PER_TIME_TICK 100UL      /* one count of the time CSR */

#ifndef __ASSEMBLER__
#include "kernel/types.h"
#include "kernel/sync/spinlock.h"

extern struct spinlock ticks_lock;
extern uint ticks;                 /* ticks since boot; needs ticks_lock */

void timer_init(void);             /* once, before any hart takes a tick */
void timer_tick(void);             /* re-arm this hart's timer; hart 0 also counts */
#endif

#endif
