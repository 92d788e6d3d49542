/*
 * sysfile.h: the file-system system calls. Each takes its arguments from the
 * current process's trapframe and returns the value for a0 (-1 on error).
 */
#ifndef KERNEL_FS_SYSFILE_H
#define KERNEL_FS_SYSFILE_H

#include "kernel/types.h"

struct file;

/* The open file behind descriptor argument n (its number in *fdp if fdp), or 0 if none. */
struct file *arg_file(int n, int *fdp);
/* Install f in the current process's lowest free descriptor: that fd, or -1 if all NOFILE are used. */
int fd_alloc(struct file *f);

uint64 sys_dup(void);
uint64 sys_read(void);
uint64 sys_write(void);
uint64 sys_close(void);
uint64 sys_fstat(void);
uint64 sys_link(void);
uint64 sys_unlink(void);
uint64 sys_open(void);
uint64 sys_mkdir(void);
uint64 sys_mknod(void);
uint64 sys_chdir(void);
uint64 sys_pipe(void);
uint64 sys_fsstat(void);

#endif
