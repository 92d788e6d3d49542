/*
 * virtio_disk.h: the driver for the virtio block device in virtio-mmio slot 0,
 * which holds the root file system.
 */
#ifndef KERNEL_DEV_VIRTIO_DISK_H
#define KERNEL_DEV_VIRTIO_DISK_H

struct buf;

/* Reset and set up the device; panics if the slot does not hold a modern virtio disk. */
void virtio_disk_init(void);
/*
 * Read (write == 0) or write b->data from or to block b->blockno. The caller
 * holds b's sleeplock; this sleeps until the device has finished.
 */
void virtio_disk_rw(struct buf *b, int write);
/* The device's interrupt (VIRTIO0_IRQ via the PLIC): finish completed requests. */
void virtio_disk_intr(void);

#endif
