/*
 * logtest: a block committed to the log but not yet written home reads back
 * as committed, even once the buffer cache has let it go; and one write()
 * bigger than the log returns, whole.
 *
 * The log writes committed blocks home only at a checkpoint (when it fills,
 * or when the file system has been idle a tick). Until then the disk's home
 * copy is old, and a read that misses the cache must get the block from the
 * log's in-memory image. Each round writes a new pattern over one block of
 * a small file, reads a file of BIG_BLOCKS blocks (more than the cache
 * holds, so the small file's block is pushed out), then reads the small
 * file back. The rounds run back to back, so no idle tick lets the
 * checkpointer in between.
 *
 * A system call waits for its operations' commit once, on its way out. A
 * write() of BIG_WRITE bytes runs as many operations, more blocks than the
 * log holds: its own earlier operations must be committed to make room for
 * its later ones, or it would wait for ever. It is read back and compared.
 *
 *   logtest: ok rounds 20 image_reads 20
 * or "logtest: FAILED WHAT". image_reads counts the blocks the log served
 * (fsstat's log_image_reads) over the run; it must have grown.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define ROUNDS      20
#define BIG_BLOCKS  (NBUF * 2)   /* a read of these pushes every unpinned buffer out */
#define BIG_WRITE   (LOGSIZE * 2 * BSIZE)   /* one write() of more blocks than the log holds */
#define SMALL_NAME  "logtest.small"
#define BIG_NAME    "logtest.big"

static char block[BSIZE], back[BSIZE];
static char big[BIG_WRITE], big_back[BIG_WRITE];

static void
fail(const char *what)
{
  printf("logtest: FAILED %s\n", what);
  unlink(SMALL_NAME);
  unlink(BIG_NAME);
  exit(1);
}

/* Write one block's worth at offset 0 of name (created or truncated if create). */
static void
put(const char *name, int create, int blocks)
{
  int fd = open(name, O_WRONLY | (create ? O_CREATE | O_TRUNC : 0));
  if (fd < 0)
    fail("open for writing");
  for (int i = 0; i < blocks; i++)
    if (write(fd, block, BSIZE) != BSIZE)
      fail("write");
  close(fd);
}

/* Read name's first n blocks; the last one is left in back. */
static void
get(const char *name, int blocks)
{
  int fd = open(name, O_RDONLY);
  if (fd < 0)
    fail("open for reading");
  for (int i = 0; i < blocks; i++)
    if (read(fd, back, BSIZE) != BSIZE)
      fail("read");
  close(fd);
}

static uint64
image_reads(void)
{
  struct fsstat st;
  if (fsstat(&st) < 0)
    fail("fsstat");
  return st.log_image_reads;
}

/* One write() of BIG_WRITE bytes into a new file, read back whole. */
static void
one_big_write(void)
{
  for (int i = 0; i < BIG_WRITE; i++)
    big[i] = 'A' + i % 23;
  int fd = open(BIG_NAME, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0 || write(fd, big, BIG_WRITE) != BIG_WRITE)
    fail("one write() bigger than the log");
  close(fd);
  fd = open(BIG_NAME, O_RDONLY);
  if (fd < 0 || read(fd, big_back, BIG_WRITE) != BIG_WRITE || memcmp(big, big_back, BIG_WRITE) != 0)
    fail("reading back one write() bigger than the log");
  close(fd);
}

int
main(void)
{
  one_big_write();
  memset(block, 'b', BSIZE);
  put(BIG_NAME, 1, BIG_BLOCKS);
  put(SMALL_NAME, 1, 1);
  uint64 before = image_reads();
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < BSIZE; i++)
      block[i] = 'a' + (round + i) % 26;
    put(SMALL_NAME, 0, 1);
    get(BIG_NAME, BIG_BLOCKS);
    get(SMALL_NAME, 1);
    if (memcmp(block, back, BSIZE) != 0)
      fail("a block read back is not the one just written");
  }
  uint64 served = image_reads() - before;
  unlink(SMALL_NAME);
  unlink(BIG_NAME);
  if (served == 0)
    fail("the log served no block: the reads never missed the cache, or went to the disk");
  printf("logtest: ok rounds %d image_reads %d\n", ROUNDS, (int)served);
  exit(0);
}
