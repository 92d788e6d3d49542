/* trap.h: entering the kernel from user mode and from the kernel itself. */
#ifndef KERNEL_TRAP_TRAP_H
#define KERNEL_TRAP_TRAP_H

void trap_init_hart(void);     /* per hart: point stvec at kernelvec */
void user_trap_return(void) __attribute__((noreturn));   /* to user space for myproc() */

#endif
