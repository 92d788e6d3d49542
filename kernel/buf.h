/* buf.h: xv6-compatibility forwarding header: only includes kernel/fs/bio.h (struct buf). */
#ifndef KERNEL_BUF_H
#define KERNEL_BUF_H

#include "kernel/fs/bio.h"

#endif
