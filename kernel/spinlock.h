/*
 * spinlock.h: the path xv6 programs include for struct spinlock (xv6's init.c
 * does, before file.h). The lock itself lives in kernel/sync/spinlock.h.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H
#include "kernel/sync/spinlock.h"
#endif
