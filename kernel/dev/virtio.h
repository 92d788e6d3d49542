/*
 * virtio.h: the parts of the virtio 1.x specification our disk driver uses:
 * the modern (version 2) virtio-mmio register block, split virtqueues and
 * the block device's request format.
 */
#ifndef KERNEL_DEV_VIRTIO_H
#define KERNEL_DEV_VIRTIO_H

#include "kernel/types.h"

/* ---- virtio-mmio registers: byte offsets from the device's base ---- */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000   /* reads "virt" */
#define VIRTIO_MMIO_VERSION             0x004   /* 2 for a modern device */
#define VIRTIO_MMIO_DEVICE_ID           0x008   /* 0 = empty slot */
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010   /* 32 feature bits, chosen by ..._SEL */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030   /* queue the QUEUE_* registers refer to */
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034   /* largest ring the device supports */
#define VIRTIO_MMIO_QUEUE_NUM           0x038   /* ring size the driver picked */
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050   /* write a queue number: "look at it" */
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080   /* physical address of the descriptor table */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090   /* ... of the available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0   /* ... of the used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG              0x100   /* device-specific configuration */

#define VIRTIO_MAGIC          0x74726976   /* "virt", little-endian */
#define VIRTIO_MODERN_VERSION 2
#define VIRTIO_ID_BLOCK       2

/* Device status bits, set by the driver in this order during start-up. */
#define VIRTIO_STATUS_ACKNOWLEDGE  1    /* we noticed the device */
#define VIRTIO_STATUS_DRIVER       2    /* we know how to drive it */
#define VIRTIO_STATUS_DRIVER_OK    4    /* the driver is live */
#define VIRTIO_STATUS_FEATURES_OK  8    /* feature negotiation finished */
#define VIRTIO_STATUS_FAILED       128  /* we gave up on the device */

/* Feature bits are numbered 0..63; the registers show 32 at a time. */
#define VIRTIO_FEATURE_WORD_BITS  32
#define VIRTIO_F_VERSION_1        32    /* the device follows virtio 1.x (word 1, bit 0) */
#define VIRTIO_BLK_F_FLUSH        9     /* the disk may keep a write cache (only LOG=xv6 accepts it) */

/* INTERRUPT_STATUS bits. */
#define VIRTIO_INT_USED_RING   1   /* the device added to a used ring */
#define VIRTIO_INT_CONFIG      2   /* the configuration changed */

/* ---- split virtqueue layout (shared memory, little-endian) ---- */
#define VIRTQ_DESC_F_NEXT   1   /* the chain continues at .next */
#define VIRTQ_DESC_F_WRITE  2   /* the device writes this buffer (else it only reads it) */

struct virtq_desc {
  uint64 addr;    /* physical address of the buffer */
  uint32 len;
  uint16 flags;
  uint16 next;
};

/* ---- virtio-blk requests ---- */
#define VIRTIO_BLK_T_IN    0   /* read sectors from the disk */
#define VIRTIO_BLK_T_OUT   1   /* write sectors to the disk */
#define VIRTIO_BLK_S_OK    0   /* the status byte the device returns on success */
#define VIRTIO_BLK_SECTOR  512 /* the unit of virtio_blk_req.sector */

/* First part of every request; followed by the data and then a status byte. */
struct virtio_blk_req {
  uint32 type;       /* VIRTIO_BLK_T_IN or _OUT */
  uint32 reserved;
  uint64 sector;
};

#endif
