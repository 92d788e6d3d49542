/* defs.h: xv6-compatibility forwarding header: only includes every module header. */
/*
 * xv6 declares every kernel function in this one file; ours are declared one
 * header per module, so code (or a reader) that starts from xv6's defs.h
 * finds every declaration from here.
 * docs/xv6-names.md maps xv6's function names to ours. As with xv6's own
 * defs.h, user programs cannot combine it with user/user.h: the kernel's
 * memset, memmove and strlen take 64-bit lengths.
 */
#ifndef KERNEL_DEFS_H
#define KERNEL_DEFS_H

#include "kernel/boot/boot.h"
#include "kernel/dev/console.h"
#include "kernel/dev/plic.h"
#include "kernel/dev/uart.h"
#include "kernel/dev/virtio_disk.h"
#include "kernel/fs/bio.h"
#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/fs/pipe.h"
#include "kernel/fs/sysfile.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/fault.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pageref.h"
#include "kernel/mm/pagetable.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/sysproc.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"
#include "kernel/trap/syscall.h"
#include "kernel/trap/timer.h"
#include "kernel/trap/trap.h"

#endif
