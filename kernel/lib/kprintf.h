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

/*
 * Keep x readable by gdb up to this point. At -Og the compiler may give an
 * argument's register to something else after its last use, and a
 * backtrace from a deeper frame then shows it as <optimized out>; an empty
 * asm that "reads" x keeps it in a saved register or the frame, which is
 * all it costs.
 */
#define KEEP_FOR_DEBUGGER(x) asm volatile("" : : "g"(x))

extern volatile int kernel_panicked;   /* set once; other harts then freeze */

#endif
