/*
 * kprintf.h: console output for the kernel, and panic.
 * kprintf understands %d %u %x %p %s %c %% with the l and ll size prefixes.
 * panic() is only for broken kernel invariants, never for user mistakes.
 */
#ifndef KERNEL_LIB_KPRINTF_H
#define KERNEL_LIB_KPRINTF_H

#include "kernel/types.h"

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Stop with a message naming the check and place when an invariant fails. */
#define KASSERT(cond) \
  do { if (!(cond)) panic("%s:%d: assertion failed: %s", __FILE__, __LINE__, #cond); } while (0)

extern volatile int kernel_panicked;   /* set once; other harts then freeze */

#endif
