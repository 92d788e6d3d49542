/* syscall.h: system call numbers. 1-21 are xv6's and must not change; ours start at 22. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#define SYS_fork     1
#define SYS_exit     2
#define SYS_wait     3
#define SYS_pipe     4
#define SYS_read     5
#define SYS_kill     6
#define SYS_exec     7
#define SYS_fstat    8
#define SYS_chdir    9
#define SYS_dup     10
#define SYS_getpid  11
#define SYS_sbrk    12
#define SYS_sleep   13   /* also reachable as pause() */
#define SYS_pause   SYS_sleep
#define SYS_uptime  14
#define SYS_open    15
#define SYS_write   16
#define SYS_mknod   17
#define SYS_unlink  18
#define SYS_link    19
#define SYS_mkdir   20
#define SYS_close   21
#define SYS_vmstat  22   /* memory and copy-on-write counters (kernel/vmstat.h) */
#define SYS_fsstat  23   /* free blocks and inodes (kernel/vmstat.h) */
#define SYS_vmmap   24   /* a process's pages by state (kernel/vmstat.h) */
#define SYS_vmcheck 25   /* the invariant walker: page counts against page tables */
#define SYS_failalloc 26 /* tests only: the caller's n-th page allocation from now fails (its later children's count too) */
#define SYS_mmap    27   /* map a file or anonymous memory (kernel/mm/mmap.h) */
#define SYS_munmap  28

#endif
