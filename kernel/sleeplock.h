/* sleeplock.h: xv6-compatibility forwarding header: only includes kernel/sync/sleeplock.h. */
/*
 * xv6 programs include it for struct sleeplock.
 */
#ifndef KERNEL_SLEEPLOCK_H
#define KERNEL_SLEEPLOCK_H

#include "kernel/sync/sleeplock.h"

#endif
