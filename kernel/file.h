/*
 * file.h: the path xv6 programs include for CONSOLE (the console's major
 * device number, which init passes to mknod), struct file, struct inode,
 * struct devsw and the device-number macros. The kernel's own headers are
 * kernel/fs/file.h and kernel/fs/inode.h.
 */
#ifndef KERNEL_FILE_H
#define KERNEL_FILE_H

#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"

/* A device number packs major (high 16 bits) and minor (low 16 bits). */
#define major(dev)      (((dev) >> 16) & 0xFFFF)
#define minor(dev)      ((dev) & 0xFFFF)
#define mkdev(maj, min) ((uint)(((maj) << 16) | (min)))

#endif
