/* virtio.h: xv6-compatibility forwarding header: only includes kernel/dev/virtio.h. */
/*
 * xv6 code includes it for the virtio register names.
 */
#ifndef KERNEL_VIRTIO_H
#define KERNEL_VIRTIO_H

#include "kernel/dev/virtio.h"

#endif
