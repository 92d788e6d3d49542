/* sysproc.h: system calls about processes, time and memory (sysproc.c, exec.c). */
#ifndef KERNEL_PROC_SYSPROC_H
#define KERNEL_PROC_SYSPROC_H

#include "kernel/types.h"

uint64 sys_fork(void);
uint64 sys_exit(void);
uint64 sys_wait(void);
uint64 sys_kill(void);
uint64 sys_getpid(void);
uint64 sys_sbrk(void);
uint64 sys_sleep(void);
uint64 sys_uptime(void);
uint64 sys_exec(void);
uint64 sys_vmstat(void);
uint64 sys_vmmap(void);
uint64 sys_vmcheck(void);
uint64 sys_failalloc(void);

#endif
