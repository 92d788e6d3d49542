/*
 * virtio_disk.c: driver for the virtio block device (modern virtio-mmio,
 * one split virtqueue). Each request is a chain of descriptors: header
 * (device reads), data (one or more whole blocks),
 * status byte (device writes). Several requests may be in flight at once;
 * the interrupt finishes each one and wakes whoever waits for it.
 *
 * We do not accept VIRTIO_BLK_F_FLUSH, so the disk has no volatile write
 * cache: QEMU writes each request through to the host's storage before it
 * reports it done, and a completed write is durable. The log relies on
 * that (its commit point must not reach the disk before the blocks it
 * names). xv6 accepts the feature and never flushes: its writes complete
 * sooner, but a completed one may still be only in the host's cache.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fs.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/kalloc.h"
#include "kernel/fs/bio.h"
#include "kernel/dev/virtio.h"
#include "kernel/dev/virtio_disk.h"

#define RING_SIZE       64  /* descriptors in our queue: 21 block requests in flight */
#define DESCS_PER_REQ   3   /* header, data, status */
#define QUEUE_INDEX     0   /* virtio-blk's only request queue */
#define STATUS_PENDING  0xff  /* anything but VIRTIO_BLK_S_OK; the device overwrites it */

/* Rings whose size depends on RING_SIZE, laid out as the spec requires. */
struct virtq_avail {
  uint16 flags;               /* 0: we want interrupts */
  uint16 idx;                 /* where we put the next entry (free-running) */
  uint16 ring[RING_SIZE];     /* heads of chains handed to the device */
  uint16 used_event;          /* unused: no VIRTIO_F_EVENT_IDX */
};

struct virtq_used_elem {
  uint32 id;                  /* head of the finished chain */
  uint32 len;                 /* bytes the device wrote */
};

struct virtq_used {
  uint16 flags;
  uint16 idx;                 /* advanced by the device */
  struct virtq_used_elem ring[RING_SIZE];
  uint16 avail_event;
};

/* All three parts fit in one page; each starts suitably aligned (16, 2 and 4 bytes). */
struct ring_page {
  struct virtq_desc desc[RING_SIZE];
  struct virtq_avail avail;
  struct virtq_used used;
};
_Static_assert(sizeof(struct ring_page) <= PGSIZE, "virtqueue must fit one page");
_Static_assert(BSIZE % VIRTIO_BLK_SECTOR == 0, "blocks must be whole sectors");

/* What we remember about a request, indexed by its chain's head descriptor. */
struct inflight {
  volatile int *busy;           /* the caller's flag: cleared, and slept on, at completion */
  uint32 blockno;               /* for the panic on a device error */
  volatile uint8 status;        /* written by the device */
  struct virtio_blk_req header; /* read by the device */
};

static struct {
  struct spinlock lock;
  struct ring_page *ring;
  char desc_is_free[RING_SIZE];
  uint16 used_seen;             /* used ring entries we have handled */
  struct inflight req[RING_SIZE];
} disk;

static uint32
reg_read(uint64 offset)
{
  return *(volatile uint32 *)(VIRTIO0 + offset);
}

static void
reg_write(uint64 offset, uint32 value)
{
  *(volatile uint32 *)(VIRTIO0 + offset) = value;
}

/* Write a 64-bit physical address into a LOW/HIGH register pair. */
static void
reg_write_addr(uint64 low_offset, uint64 high_offset, void *pa)
{
  reg_write(low_offset, (uint64)pa & 0xffffffff);
  reg_write(high_offset, (uint64)pa >> 32);
}

static void
set_status_bit(uint32 bit)
{
  reg_write(VIRTIO_MMIO_STATUS, reg_read(VIRTIO_MMIO_STATUS) | bit);
}

static void
check_device_identity(void)
{
  if (reg_read(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MAGIC)
    panic("virtio_disk: no virtio device at %p", (void *)VIRTIO0);
  if (reg_read(VIRTIO_MMIO_VERSION) != VIRTIO_MODERN_VERSION)
    panic("virtio_disk: device version %d, need %d (modern virtio-mmio)",
          reg_read(VIRTIO_MMIO_VERSION), VIRTIO_MODERN_VERSION);
  if (reg_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
    panic("virtio_disk: device id %d is not a block device", reg_read(VIRTIO_MMIO_DEVICE_ID));
}

/* Is feature bit number f among the device's? */
static int
device_offers(uint32 f)
{
  reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, f / VIRTIO_FEATURE_WORD_BITS);
  return (reg_read(VIRTIO_MMIO_DEVICE_FEATURES) >> (f % VIRTIO_FEATURE_WORD_BITS)) & 1;
}

/* Accept the feature bits in want (bit numbers below 64), and nothing else. */
static void
accept_features(uint64 want)
{
  for (uint32 word = 0; word < 2; word++) {
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, word);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32)(want >> (word * VIRTIO_FEATURE_WORD_BITS)));
  }
}

/* Only VIRTIO_F_VERSION_1, which a modern device must offer: no write cache (see the top). */
static void
negotiate_features(void)
{
  if (!device_offers(VIRTIO_F_VERSION_1))
    panic("virtio_disk: device does not offer VIRTIO_F_VERSION_1");
  uint64 want = 1ull << VIRTIO_F_VERSION_1;
#ifdef LOG_XV6
  /* xv6's disk mode, for the reference build (log_xv6.c): a write cache, never flushed. */
  if (device_offers(VIRTIO_BLK_F_FLUSH))
    want |= 1ull << VIRTIO_BLK_F_FLUSH;
#endif
  accept_features(want);

  set_status_bit(VIRTIO_STATUS_FEATURES_OK);
  if ((reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
    panic("virtio_disk: device rejected our features");
}

static void
setup_queue(void)
{
  reg_write(VIRTIO_MMIO_QUEUE_SEL, QUEUE_INDEX);
  if (reg_read(VIRTIO_MMIO_QUEUE_READY))
    panic("virtio_disk: queue already live after reset");
  if (reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX) < RING_SIZE)
    panic("virtio_disk: queue holds %d descriptors, need %d",
          reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX), RING_SIZE);

  disk.ring = page_alloc();
  if (disk.ring == 0)
    panic("virtio_disk: no memory for the virtqueue");
  memset(disk.ring, 0, PGSIZE);

  /* The kernel maps RAM at its physical address, so pointers are bus addresses. */
  reg_write(VIRTIO_MMIO_QUEUE_NUM, RING_SIZE);
  reg_write_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH, disk.ring->desc);
  reg_write_addr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, &disk.ring->avail);
  reg_write_addr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, &disk.ring->used);
  reg_write(VIRTIO_MMIO_QUEUE_READY, 1);

  for (int i = 0; i < RING_SIZE; i++)
    disk.desc_is_free[i] = 1;
}

void
virtio_disk_init(void)
{
  spin_init(&disk.lock, "virtio_disk");
  check_device_identity();

  reg_write(VIRTIO_MMIO_STATUS, 0);   /* reset */
  set_status_bit(VIRTIO_STATUS_ACKNOWLEDGE);
  set_status_bit(VIRTIO_STATUS_DRIVER);
  negotiate_features();
  setup_queue();
  set_status_bit(VIRTIO_STATUS_DRIVER_OK);
}

/* Take DESCS_PER_REQ free descriptors, all or none. Caller holds disk.lock. */
static int
take_descriptors(int idx[DESCS_PER_REQ])
{
  int found = 0;
  for (int i = 0; i < RING_SIZE && found < DESCS_PER_REQ; i++)
    if (disk.desc_is_free[i])
      idx[found++] = i;
  if (found < DESCS_PER_REQ)
    return -1;
  for (int i = 0; i < DESCS_PER_REQ; i++)
    disk.desc_is_free[idx[i]] = 0;
  return 0;
}

/* Give back the chain starting at head and wake anyone waiting for descriptors. */
static void
release_chain(int head)
{
  int i = head;
  for (;;) {
    KASSERT(!disk.desc_is_free[i]);
    struct virtq_desc *d = &disk.ring->desc[i];
    int more = d->flags & VIRTQ_DESC_F_NEXT;
    int next = d->next;
    memset(d, 0, sizeof(*d));
    disk.desc_is_free[i] = 1;
    if (!more)
      break;
    i = next;
  }
  proc_wakeup(&disk.desc_is_free);
}

static void
fill_desc(int i, void *addr, uint32 len, uint16 flags, int next)
{
  struct virtq_desc *d = &disk.ring->desc[i];
  d->addr = (uint64)addr;
  d->len = len;
  d->flags = flags;
  d->next = next;
}

/* Hand the chain at head to the device. Caller holds disk.lock. */
static void
publish(int head)
{
  struct virtq_avail *avail = &disk.ring->avail;
  avail->ring[avail->idx % RING_SIZE] = head;
  __sync_synchronize();   /* the entry must be visible before the index moves */
  avail->idx++;
  __sync_synchronize();   /* ... and the index before the device is told */
  reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, QUEUE_INDEX);
}

/*
 * Start one request: type on nblocks blocks from blockno at data. Sets
 * *busy, which the interrupt clears (and wakes) when the device is done.
 * Caller holds disk.lock; may sleep for descriptors.
 */
static void
submit(uint32 type, uint32 blockno, const void *data, int nblocks, volatile int *busy)
{
  int idx[DESCS_PER_REQ];
  while (take_descriptors(idx) < 0)
    proc_sleep(&disk.desc_is_free, &disk.lock);

  struct inflight *r = &disk.req[idx[0]];
  r->busy = busy;
  r->blockno = blockno;
  r->status = STATUS_PENDING;
  r->header.type = type;
  r->header.reserved = 0;
  r->header.sector = (uint64)blockno * (BSIZE / VIRTIO_BLK_SECTOR);

  uint16 data_flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
  fill_desc(idx[0], &r->header, sizeof(r->header), VIRTQ_DESC_F_NEXT, idx[1]);
  fill_desc(idx[1], (void *)data, (uint32)nblocks * BSIZE, data_flags, idx[2]);
  fill_desc(idx[2], (void *)&r->status, 1, VIRTQ_DESC_F_WRITE, 0);
  *busy = 1;
  publish(idx[0]);
}

/* Sleep until the request that set *busy is done. Caller holds disk.lock. */
static void
wait_for(volatile int *busy)
{
  while (*busy)
    proc_sleep((void *)busy, &disk.lock);
}

void
virtio_disk_rw(struct buf *b, int write)
{
  volatile int busy;
  spin_lock(&disk.lock);
  submit(write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, b->blockno, b->data, 1, &busy);
  wait_for(&busy);
  spin_unlock(&disk.lock);
}

void
virtio_disk_write(struct disk_write *w, int n)
{
  spin_lock(&disk.lock);
  for (int i = 0; i < n; i++)
    submit(VIRTIO_BLK_T_OUT, w[i].blockno, w[i].data, w[i].nblocks, &w[i].busy);
  for (int i = 0; i < n; i++)
    wait_for(&w[i].busy);
  spin_unlock(&disk.lock);
}

void
virtio_disk_intr(void)
{
  spin_lock(&disk.lock);

  /* Acknowledge first: a completion arriving while we scan raises a new interrupt. */
  reg_write(VIRTIO_MMIO_INTERRUPT_ACK,
            reg_read(VIRTIO_MMIO_INTERRUPT_STATUS) & (VIRTIO_INT_USED_RING | VIRTIO_INT_CONFIG));
  __sync_synchronize();

  volatile struct virtq_used *used = &disk.ring->used;
  while (disk.used_seen != used->idx) {
    __sync_synchronize();   /* read the entry only after seeing the index */
    uint32 head = used->ring[disk.used_seen % RING_SIZE].id;
    KASSERT(head < RING_SIZE);
    struct inflight *r = &disk.req[head];
    if (r->busy == 0)
      panic("virtio_disk: completion for idle descriptor %d", head);
    if (r->status != VIRTIO_BLK_S_OK)
      panic("virtio_disk: device error %d on block %d", r->status, r->blockno);
    *r->busy = 0;
    proc_wakeup((void *)r->busy);
    r->busy = 0;
    release_chain(head);
    disk.used_seen++;
  }

  spin_unlock(&disk.lock);
}
