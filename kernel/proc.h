/*
 * proc.h: the path of xv6's process header (struct proc, struct cpu, struct
 * context, struct trapframe, enum procstate). Ours are kernel/proc/proc.h and
 * kernel/trap/trapframe.h; the field names are our own.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H
#include "kernel/proc/proc.h"
#endif
