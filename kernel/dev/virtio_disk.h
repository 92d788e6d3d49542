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

/* One write of nblocks whole blocks, from data to blockno onwards. */
struct disk_write {
  uint blockno;
  const void *data;
  int nblocks;
  volatile int busy;        /* the driver's: 1 while the write is in flight */
};
/*
 * Start all n writes at once and sleep until every one has completed, in
 * whatever order the device finishes them. A completed write is durable
 * (the device writes through).
 */
void virtio_disk_write(struct disk_write *w, int n);
/* The device's interrupt (VIRTIO0_IRQ via the PLIC): finish completed requests. */
void virtio_disk_intr(void);

#endif
