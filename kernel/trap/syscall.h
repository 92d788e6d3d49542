/*
 * syscall.h (kernel side): dispatch and argument fetching.
 * Arguments come from the trapframe's a0-a5. Fetching never fails by itself;
 * validating a pointer happens when it is used (copyin/copyout), so a bad
 * pointer makes that syscall return -1.
 */
#ifndef KERNEL_TRAP_SYSCALL_H
#define KERNEL_TRAP_SYSCALL_H

#include "kernel/types.h"

void syscall_dispatch(void);

int    arg_int(int n);
uint64 arg_addr(int n);
/* Copy the NUL-terminated string argument n into buf: its length, or -1. */
int    arg_str(int n, char *buf, int max);
/* Copy a NUL-terminated string from user address addr: its length, or -1. */
int    fetch_str(uint64 addr, char *buf, int max);
/* Read the 64-bit word at user address addr: 0 or -1. */
int    fetch_addr(uint64 addr, uint64 *out);

#endif
