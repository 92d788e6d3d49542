/* buf.h: the path of xv6's struct buf; the buffer cache is kernel/fs/bio.h. */
#ifndef KERNEL_BUF_H
#define KERNEL_BUF_H
#include "kernel/fs/bio.h"
#endif
