/*
 * allocfail: allocation failures at every step of a workload. For n = 1, 2,
 * ...: make the n-th page allocation from now fail (failalloc(n)), run one
 * round of a workload in a child (fork, copy-on-write faults and a copy in
 * copyout, lazy fills, a shrink inside a shared page table, a pipe, the file
 * system, mappings, exec), stop injecting, and check that free pages, free
 * inodes and free blocks are back at their values before the round and that
 * the page counts match the page tables (vmcheck()). The failure must have
 * cost at most the workload's child (killed, or a system call returning -1).
 * The sweep ends at the first n the round no longer reaches.
 *
 *   allocfail [MAX]     sweep n = 1 .. MAX at most (default: to the end)
 *
 * One line per round, "allocfail: n N ok", then "allocfail: swept N steps".
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define LAZY_PAGES   64
#define EAGER_PAGES  8
#define TABLE_SPAN   (512 * PGSIZE)       /* the memory one leaf page table maps */
#define FAR_BYTES    (2 * TABLE_SPAN)     /* a lazy range whose top is in a leaf table of its own */
#define SHRINK_PAGES 2
#define FILE_BYTES   3000
#define SCRATCH_FILE "af_scratch"
#define MAP_FILE     "af_mapped"
#define MAP_BYTES    (2 * PGSIZE)         /* past the file's FILE_BYTES: the rest reads zeros */
#define NO_LIMIT     1000000

static char filler[FILE_BYTES];

/*
 * Mappings: a file mapped shared and private and anonymous memory shared,
 * each touched (map fills), then a child stores to all three (a private
 * copy-on-write copy) and exits (its shared page written back), and the
 * parent unmaps them (written back again). The file is unlinked at once, so
 * a kill leaves nothing behind.
 */
static void
mappings(void)
{
  int fd = open(MAP_FILE, O_CREATE | O_RDWR);
  if (fd < 0)
    return;
  unlink(MAP_FILE);
  write(fd, filler, sizeof(filler));
  char *shared = mmap(0, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *private = mmap(0, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  char *anon = mmap(0, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  close(fd);
  char *maps[] = { shared, private, anon };
  for (int m = 0; m < 3; m++)
    if (maps[m] != (char *)-1)
      filler[m] += maps[m][0];                        /* map fills */
  int pid = fork();
  if (pid == 0) {
    for (int m = 0; m < 3; m++)
      if (maps[m] != (char *)-1)
        maps[m][PGSIZE] = 6;                          /* fills, a private copy, dirty pages */
    exit(0);                                          /* writes the shared file page back */
  }
  if (pid > 0)
    wait(0);
  for (int m = 0; m < 3; m++)
    if (maps[m] != (char *)-1)
      munmap(maps[m], MAP_BYTES);
}

/* One round of everything that allocates pages; any step may fail. */
static void
workload(void)
{
  char *lazy = sbrklazy(LAZY_PAGES * PGSIZE);
  if (lazy != SBRK_ERROR) {
    for (int i = 0; i < LAZY_PAGES; i += 4)
      filler[i] += lazy[(uint64)i * PGSIZE];          /* zero-page fills */
    for (int i = 1; i < LAZY_PAGES; i += 4)
      lazy[(uint64)i * PGSIZE] = 1;                   /* fresh-page fills */
  }
  char *eager = sbrk(EAGER_PAGES * PGSIZE);
  if (eager != SBRK_ERROR)
    for (int i = 0; i < EAGER_PAGES; i++)
      eager[(uint64)i * PGSIZE] = 2;
  char *far = sbrklazy(FAR_BYTES);
  if (far != SBRK_ERROR)
    far[FAR_BYTES - PGSIZE] = 5;                      /* a fill, and a leaf table */
  int pid = fork();
  if (pid == 0) {
    int fds[2];
    if (eager != SBRK_ERROR && pipe(fds) == 0) {
      char c = 'c';
      write(fds[1], &c, 1);
      read(fds[0], eager, 1);                         /* a copy inside copyout */
      close(fds[0]);
      close(fds[1]);
    }
    if (eager != SBRK_ERROR)
      for (int i = 1; i < EAGER_PAGES; i++)
        eager[(uint64)i * PGSIZE] = 3;                /* copy-on-write copies */
    if (lazy != SBRK_ERROR)
      for (int i = 0; i < LAZY_PAGES; i += 2)
        lazy[(uint64)i * PGSIZE] = 4;                 /* zero-page copies and fills */
    if (far != SBRK_ERROR)
      sbrk(-(SHRINK_PAGES * PGSIZE));                 /* ends inside a shared table: owns it first */
    exit(0);
  }
  if (pid > 0)
    wait(0);

  int fds[2];
  if (pipe(fds) == 0) {
    char c = 'p';
    write(fds[1], &c, 1);
    read(fds[0], &c, 1);
    close(fds[0]);
    close(fds[1]);
  }

  int fd = open(SCRATCH_FILE, O_CREATE | O_RDWR);
  if (fd >= 0) {
    write(fd, filler, sizeof(filler));
    close(fd);
    unlink(SCRATCH_FILE);
  }

  mappings();

  pid = fork();
  if (pid == 0) {
    char *argv[] = { "true", 0 };
    exec("/true", argv);
    exit(1);
  }
  if (pid > 0)
    wait(0);
  exit(0);
}

static int
free_counts(uint64 *pages, uint64 *inodes, uint64 *blocks)
{
  struct vmstat vm;
  struct fsstat fs;
  if (vmstat(0, &vm) < 0 || fsstat(&fs) < 0)
    return -1;
  *pages = vm.free_pages;
  *inodes = fs.free_inodes;
  *blocks = fs.free_blocks;
  return 0;
}

int
main(int argc, char *argv[])
{
  int max = argc > 1 ? atoi(argv[1]) : NO_LIMIT;
  int n;

  for (n = 1; n <= max; n++) {
    uint64 pages, inodes, blocks, pages2, inodes2, blocks2;
    if (free_counts(&pages, &inodes, &blocks) < 0) {
      printf("allocfail: n %d FAILED: vmstat or fsstat failed before the round\n", n);
      exit(1);
    }
    failalloc(n);
    int pid = fork();
    if (pid == 0)
      workload();
    if (pid > 0)
      wait(0);
    int untouched = failalloc(0);                     /* > 0: the round never reached allocation n */
    unlink(SCRATCH_FILE);                             /* a child killed midway may leave it */
    if (free_counts(&pages2, &inodes2, &blocks2) < 0) {
      printf("allocfail: n %d FAILED: vmstat or fsstat failed after the round\n", n);
      exit(1);
    }
    if (pages2 != pages || inodes2 != inodes || blocks2 != blocks) {
      printf("allocfail: n %d FAILED: free pages %lu -> %lu, inodes %lu -> %lu, blocks %lu -> %lu\n",
             n, pages, pages2, inodes, inodes2, blocks, blocks2);
      exit(1);
    }
    if (vmcheck() != 0) {
      printf("allocfail: n %d FAILED: page counts disagree with the page tables\n", n);
      exit(1);
    }
    if (untouched > 0)
      break;
    printf("allocfail: n %d ok\n", n);
  }
  printf("allocfail: swept %d steps\n", n - 1);
  exit(0);
}
