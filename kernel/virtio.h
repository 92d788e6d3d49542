/* virtio.h: the path of xv6's virtio register names; ours are in kernel/dev/virtio.h. */
#ifndef KERNEL_VIRTIO_H
#define KERNEL_VIRTIO_H
#include "kernel/dev/virtio.h"
#endif
