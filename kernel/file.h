/* file.h: xv6-compatibility forwarding header: only includes kernel/fs/file.h and kernel/fs/inode.h. */
/*
 * xv6 programs include it for CONSOLE (init passes it to mknod), struct file,
 * struct inode, struct devsw and the device-number macros.
 */
#ifndef KERNEL_FILE_H
#define KERNEL_FILE_H

#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"

#endif
