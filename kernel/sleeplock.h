/* sleeplock.h: the path xv6 programs include for struct sleeplock; see kernel/sync/sleeplock.h. */
#ifndef KERNEL_SLEEPLOCK_H
#define KERNEL_SLEEPLOCK_H
#include "kernel/sync/sleeplock.h"
#endif
