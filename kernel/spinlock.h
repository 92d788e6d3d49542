/* spinlock.h: xv6-compatibility forwarding header: only includes kernel/sync/spinlock.h. */
/*
 * xv6 programs include it for struct spinlock (xv6's init.c does, before file.h).
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "kernel/sync/spinlock.h"

#endif
