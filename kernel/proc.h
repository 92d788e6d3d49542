/* proc.h: xv6-compatibility forwarding header: only includes kernel/proc/proc.h. */
/*
 * xv6's process header (struct proc, cpu, context, trapframe, enum procstate);
 * ours spread over kernel/proc/proc.h and kernel/trap/trapframe.h, with our field names.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "kernel/proc/proc.h"

#endif
