/*
 * syscall.c: system call dispatch and argument fetching.
 * The number is in a7, arguments in a0-a5, the result goes back in a0.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/syscall.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/sysproc.h"
#include "kernel/fs/sysfile.h"
#include "kernel/fs/log.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pagetable.h"
#include "kernel/trap/syscall.h"
#include "kernel/fs/log.h"
#include "kernel/mm/mmap.h"

static uint64 (*const syscall_table[])(void) = {
  [SYS_fork] = sys_fork,     [SYS_exit] = sys_exit,     [SYS_wait] = sys_wait,
  [SYS_pipe] = sys_pipe,     [SYS_read] = sys_read,     [SYS_kill] = sys_kill,
  [SYS_exec] = sys_exec,     [SYS_fstat] = sys_fstat,   [SYS_chdir] = sys_chdir,
  [SYS_dup] = sys_dup,       [SYS_getpid] = sys_getpid, [SYS_sbrk] = sys_sbrk,
  [SYS_sleep] = sys_sleep,   [SYS_uptime] = sys_uptime, [SYS_open] = sys_open,
  [SYS_write] = sys_write,   [SYS_mknod] = sys_mknod,   [SYS_unlink] = sys_unlink,
  [SYS_link] = sys_link,     [SYS_mkdir] = sys_mkdir,   [SYS_close] = sys_close,
  [SYS_vmstat] = sys_vmstat, [SYS_fsstat] = sys_fsstat,   [SYS_vmmap] = sys_vmmap,
  [SYS_vmcheck] = sys_vmcheck, [SYS_failalloc] = sys_failalloc,
  [SYS_mmap] = sys_mmap,       [SYS_munmap] = sys_munmap,
};

#define NSYSCALL (sizeof(syscall_table) / sizeof(syscall_table[0]))

void
syscall_dispatch(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;   /* all 64 bits decide: 0x1_0000000b is not getpid */
  if (num < NSYSCALL && syscall_table[num]) {
    p->trapframe->a0 = syscall_table[num]();
    log_wait_own();                 /* durable on return: the call's changes are on the disk */
  } else {
    kprintf("pid %d (%s): unknown system call %lu\n", p->pid, p->name, num);
    p->trapframe->a0 = -1;
  }
}

static uint64
arg_raw(int n)
{
  struct trapframe *tf = myproc()->trapframe;
  switch (n) {
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("arg_raw: no argument %d", n);
}

int
arg_int(int n)
{
  return (int)arg_raw(n);
}

uint64
arg_addr(int n)
{
  return arg_raw(n);
}

int
fetch_str(uint64 addr, char *buf, int max)
{
  if (copyinstr(myproc()->pagetable, buf, addr, max) < 0)
    return -1;
  return strlen(buf);
}

int
arg_str(int n, char *buf, int max)
{
  return fetch_str(arg_addr(n), buf, max);
}

int
fetch_addr(uint64 addr, uint64 *out)
{
  return copyin(myproc()->pagetable, out, addr, sizeof(*out));
}
