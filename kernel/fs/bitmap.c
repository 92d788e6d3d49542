/*
 * bitmap.c: the free-block bitmap (one bit per disk block, 1 = in use) and
 * the free-space counts that fsstat() reports. Only data blocks, which mkfs
 * places after all metadata, are ever handed out or counted.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/vmstat.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/fs/bio.h"
#include "kernel/fs/log.h"
#include "kernel/fs/inode.h"

#define BITS_PER_BYTE 8

/* The first data block: everything before it is boot block, superblock, log, inodes, bitmap. */
static uint
first_data_block(void)
{
  return fs_sb.size - fs_sb.nblocks;
}

static int
bit_is_set(struct buf *b, uint bit)
{
  return (b->data[bit / BITS_PER_BYTE] >> (bit % BITS_PER_BYTE)) & 1;
}

static void
bit_flip(struct buf *b, uint bit)
{
  b->data[bit / BITS_PER_BYTE] ^= 1 << (bit % BITS_PER_BYTE);
}

static void
zero_block(uint dev, uint blockno)
{
  struct buf *b = bread(dev, blockno);
  memset(b->data, 0, BSIZE);
  log_write(b);
  brelse(b);
}

uint
block_alloc(uint dev)
{
  uint first = first_data_block();

  /* One bitmap block at a time; holding its buffer makes test-and-set atomic. */
  for (uint base = first - first % BPB; base < fs_sb.size; base += BPB) {
    struct buf *b = bread(dev, BBLOCK(base, fs_sb));
    uint lo = base < first ? first - base : 0;
    uint hi = MIN(BPB, fs_sb.size - base);
    for (uint bit = lo; bit < hi; bit++) {
      if (!bit_is_set(b, bit)) {
        bit_flip(b, bit);
        log_write(b);
        brelse(b);
        zero_block(dev, base + bit);
        return base + bit;
      }
    }
    brelse(b);
  }
  return 0;
}

void
block_free(uint dev, uint blockno)
{
  if (blockno < first_data_block() || blockno >= fs_sb.size)
    panic("block_free: block %d is not a data block", blockno);
  struct buf *b = bread(dev, BBLOCK(blockno, fs_sb));
  uint bit = blockno % BPB;
  if (!bit_is_set(b, bit))
    panic("block_free: block %d is already free", blockno);
  bit_flip(b, bit);
  log_write(b);
  brelse(b);
}

static uint64
count_free_blocks(uint dev)
{
  uint first = first_data_block();
  uint64 free = 0;

  for (uint base = first - first % BPB; base < fs_sb.size; base += BPB) {
    struct buf *b = bread(dev, BBLOCK(base, fs_sb));
    uint lo = base < first ? first - base : 0;
    uint hi = MIN(BPB, fs_sb.size - base);
    for (uint bit = lo; bit < hi; bit++)
      if (!bit_is_set(b, bit))
        free++;
    brelse(b);
  }
  return free;
}

/* Inode 0 is never used, so the free ones are those of 1 .. ninodes-1 with type 0. */
static uint64
count_free_inodes(uint dev)
{
  uint64 free = 0;

  for (uint inum = 1; inum < fs_sb.ninodes; ) {
    struct buf *b = bread(dev, IBLOCK(inum, fs_sb));
    do {
      if (((struct dinode *)b->data)[inum % IPB].type == 0)
        free++;
      inum++;
    } while (inum < fs_sb.ninodes && inum % IPB != 0);
    brelse(b);
  }
  return free;
}

void
fs_stat(struct fsstat *st)
{
  st->free_blocks = count_free_blocks(ROOTDEV);
  st->free_inodes = count_free_inodes(ROOTDEV);
  st->total_blocks = fs_sb.nblocks;
  st->total_inodes = fs_sb.ninodes;
}
