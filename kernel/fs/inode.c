/*
 * inode.c: the superblock, the in-memory inode cache, the inode life cycle
 * (allocate, read, update, free) and the mapping from file offsets to disk
 * blocks (NDIRECT direct blocks plus one indirect block) used by
 * inode_read and inode_write.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/fs/bio.h"
#include "kernel/fs/log.h"
#include "kernel/fs/inode.h"

#define SUPERBLOCK_BLOCKNO 1   /* block 0 is left for a boot loader */
#define INDIRECT_SLOT NDIRECT  /* addrs[] index of the indirect block */

struct superblock fs_sb;

static struct {
  struct spinlock lock;   /* protects dev, inum and ref of every entry */
  struct inode inode[NINODE];
} icache;

void
inode_cache_init(void)
{
  spin_init(&icache.lock, "icache");
  for (int i = 0; i < NINODE; i++)
    sleeplock_init(&icache.inode[i].lock, "inode");
}

/*
 * Free the inodes still allocated on disk that no directory names (nlink 0):
 * files unlinked while open, whose last close never came because the
 * machine stopped. Without this they and their blocks would leak for good.
 * At this disk size a scan of the inode blocks is quick; it runs once, at
 * boot, after the log's recovery, in process context. Each inode is freed
 * by dropping the only reference to it, in a transaction of its own, just
 * as the last close would have.
 */
static void
reclaim_orphans(int dev)
{
  int freed = 0;
  for (uint inum = ROOTINO; inum < fs_sb.ninodes; inum++) {
    struct buf *b = bread(dev, IBLOCK(inum, fs_sb));
    struct dinode *di = (struct dinode *)b->data + inum % IPB;
    int orphan = di->type != 0 && di->nlink == 0;
    brelse(b);
    if (!orphan)
      continue;
    log_begin_op();
    struct inode *ip = inode_get(dev, inum);
    if (ip != 0) {
      inode_lock(ip);                 /* read it: inode_put frees only what it has read */
      inode_unlock(ip);
      inode_put(ip);
      freed++;
    }
    log_end_op();
  }
  if (freed > 0)
    kprintf("fs: freed %d orphaned inode%s (unlinked while open when the system stopped)\n",
            freed, freed == 1 ? "" : "s");
}

void
fs_init(int dev)
{
  struct buf *b = bread(dev, SUPERBLOCK_BLOCKNO);
  memmove(&fs_sb, b->data, sizeof(fs_sb));
  brelse(b);

  if (fs_sb.magic != FSMAGIC)
    panic("fs_init: device %d has no file system (magic %x, want %x)", dev, fs_sb.magic, FSMAGIC);
  if (fs_sb.nblocks > fs_sb.size || fs_sb.ninodes == 0)
    panic("fs_init: inconsistent superblock (size %d, nblocks %d, ninodes %d)",
          fs_sb.size, fs_sb.nblocks, fs_sb.ninodes);
  log_init(dev, &fs_sb);
  reclaim_orphans(dev);
}

/* ---- the inode cache ---- */

struct inode *
inode_get(uint dev, uint inum)
{
  struct inode *unused = 0;

  spin_lock(&icache.lock);
  for (struct inode *ip = icache.inode; ip < icache.inode + NINODE; ip++) {
    if (ip->ref > 0 && ip->dev == dev && ip->inum == inum) {
      ip->ref++;
      spin_unlock(&icache.lock);
      return ip;
    }
    if (ip->ref == 0 && unused == 0)
      unused = ip;
  }
  if (unused) {
    unused->dev = dev;
    unused->inum = inum;
    unused->ref = 1;
    unused->valid = 0;
  }
  spin_unlock(&icache.lock);
  return unused;
}

struct inode *
inode_dup(struct inode *ip)
{
  spin_lock(&icache.lock);
  KASSERT(ip->ref > 0);
  ip->ref++;
  spin_unlock(&icache.lock);
  return ip;
}

/* The on-disk copy of ip inside buffer b (which holds IBLOCK(ip->inum)). */
static struct dinode *
dinode_in(struct buf *b, uint inum)
{
  return (struct dinode *)b->data + inum % IPB;
}

struct inode *
inode_alloc(uint dev, short type)
{
  for (uint inum = 1; inum < fs_sb.ninodes; inum++) {
    struct buf *b = bread(dev, IBLOCK(inum, fs_sb));
    struct dinode *d = dinode_in(b, inum);
    if (d->type == 0) {
      /* Claim the cache entry first: if the cache is full, the disk stays untouched. */
      struct inode *ip = inode_get(dev, inum);
      if (ip) {
        memset(d, 0, sizeof(*d));
        d->type = type;
        log_write(b);
      }
      brelse(b);
      return ip;
    }
    brelse(b);
  }
  return 0;
}

void
inode_update(struct inode *ip)
{
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, fs_sb));
  struct dinode *d = dinode_in(b, ip->inum);
  d->type = ip->type;
  d->major = ip->major;
  d->minor = ip->minor;
  d->nlink = ip->nlink;
  d->size = ip->size;
  memmove(d->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(b);
  brelse(b);
}

static void
load_from_disk(struct inode *ip)
{
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, fs_sb));
  struct dinode *d = dinode_in(b, ip->inum);
  ip->type = d->type;
  ip->major = d->major;
  ip->minor = d->minor;
  ip->nlink = d->nlink;
  ip->size = d->size;
  memmove(ip->addrs, d->addrs, sizeof(ip->addrs));
  brelse(b);
  ip->valid = 1;
  if (ip->type == 0)
    panic("inode_lock: inode %d is referenced but free on disk", ip->inum);
}

void
inode_lock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1)
    panic("inode_lock: inode not referenced");
  sleeplock_acquire(&ip->lock);
  if (!ip->valid)
    load_from_disk(ip);
}

void
inode_unlock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1 || !sleeplock_held(&ip->lock))
    panic("inode_unlock: inode not locked by this process");
  sleeplock_release(&ip->lock);
}

void
inode_put(struct inode *ip)
{
  spin_lock(&icache.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    /*
     * Ours is the only reference and no directory names the inode, so no
     * one else can reach it to lock it: free it on disk. valid = 0 makes a
     * process that re-allocates this inode number meanwhile (inode_alloc
     * sees type 0 and shares this entry) read the new state from disk.
     */
    spin_unlock(&icache.lock);
    sleeplock_acquire(&ip->lock);
    inode_truncate(ip);
    ip->type = 0;
    inode_update(ip);
    ip->valid = 0;
    sleeplock_release(&ip->lock);
    spin_lock(&icache.lock);
  }
  KASSERT(ip->ref > 0);
  ip->ref--;
  spin_unlock(&icache.lock);
}

void
inode_unlock_put(struct inode *ip)
{
  inode_unlock(ip);
  inode_put(ip);
}

void
inode_stat(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

/* ---- block map ---- */

/*
 * The disk block holding file block fbn of ip. A missing block is allocated
 * (zeroed) when alloc is set; returns 0 if it is missing and not allocated.
 */
static uint
block_of(struct inode *ip, uint fbn, int alloc)
{
  if (fbn < NDIRECT) {
    if (ip->addrs[fbn] == 0 && alloc)
      ip->addrs[fbn] = block_alloc(ip->dev);
    return ip->addrs[fbn];
  }
  fbn -= NDIRECT;
  if (fbn >= NINDIRECT)
    panic("block_of: file block %d beyond the largest file", fbn + NDIRECT);

  if (ip->addrs[INDIRECT_SLOT] == 0) {
    if (!alloc)
      return 0;
    ip->addrs[INDIRECT_SLOT] = block_alloc(ip->dev);
    if (ip->addrs[INDIRECT_SLOT] == 0)
      return 0;
  }
  struct buf *ib = bread(ip->dev, ip->addrs[INDIRECT_SLOT]);
  uint *slots = (uint *)ib->data;
  if (slots[fbn] == 0 && alloc) {
    slots[fbn] = block_alloc(ip->dev);
    if (slots[fbn] != 0)
      log_write(ib);
  }
  uint blockno = slots[fbn];
  brelse(ib);
  return blockno;
}

void
inode_truncate(struct inode *ip)
{
  for (int i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i]) {
      block_free(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if (ip->addrs[INDIRECT_SLOT]) {
    struct buf *ib = bread(ip->dev, ip->addrs[INDIRECT_SLOT]);
    uint *slots = (uint *)ib->data;
    for (uint i = 0; i < NINDIRECT; i++)
      if (slots[i])
        block_free(ip->dev, slots[i]);
    brelse(ib);
    block_free(ip->dev, ip->addrs[INDIRECT_SLOT]);
    ip->addrs[INDIRECT_SLOT] = 0;
  }
  ip->size = 0;
  inode_update(ip);
}

/* ---- contents ---- */

struct buf *
inode_block(struct inode *ip, uint off)
{
  uint blockno = off < ip->size ? block_of(ip, off / BSIZE, 0) : 0;
  if (blockno == 0)
    panic("inode_block: inode %d has no block at offset %d (size %d)", ip->inum, off, ip->size);
  return bread(ip->dev, blockno);
}

int
inode_read(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  if (off >= ip->size || off + n < off)
    return 0;
  n = MIN(n, ip->size - off);

  uint done = 0;
  while (done < n) {
    uint blockno = block_of(ip, off / BSIZE, 0);
    if (blockno == 0)
      break;   /* cannot happen below ip->size: writes never leave holes */
    struct buf *b = bread(ip->dev, blockno);
    uint in_block = off % BSIZE;
    uint m = MIN(n - done, BSIZE - in_block);
    int bad = either_copyout(user_dst, dst, b->data + in_block, m) < 0;
    brelse(b);
    if (bad)
      return -1;
    done += m;
    off += m;
    dst += m;
  }
  return done;
}

int
inode_write(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  if (off > ip->size || off + n < off)
    return -1;
  if (n > 0 && off >= MAX_FILE_BYTES)
    return -1;
  n = MIN(n, MAX_FILE_BYTES - off);

  uint done = 0;
  int bad = 0;
  while (done < n) {
    uint blockno = block_of(ip, off / BSIZE, 1);
    if (blockno == 0)
      break;   /* disk full */
    struct buf *b = bread(ip->dev, blockno);
    uint in_block = off % BSIZE;
    uint m = MIN(n - done, BSIZE - in_block);
    bad = either_copyin(b->data + in_block, user_src, src, m) < 0;
    if (!bad)
      log_write(b);
    brelse(b);
    if (bad)
      break;
    done += m;
    off += m;
    src += m;
  }

  if (off > ip->size)
    ip->size = off;
  /* Even a failed write may have added blocks to addrs[]: always record them. */
  inode_update(ip);
  if (done == 0 && n > 0)
    return -1;
  return done;
}
