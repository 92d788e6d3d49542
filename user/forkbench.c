/*
 * forkbench: how long fork() takes as the parent grows, and how many pages
 * it costs. For each size: grow the heap to that many pages (touching each),
 * then time ROUNDS rounds of fork + child exit + wait with the cycle-accurate
 * time CSR (10 MHz on QEMU virt). One line per size:
 *   forkbench: pages N us_per_fork U pages_used_by_fork P
 * tools/bench.sh runs it on the copy-on-write and the eager kernel and
 * prints the ratios side by side.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define ROUNDS 20
#define TIME_HZ 10000000UL    /* QEMU virt's timebase */
#define USEC 1000000UL

static uint64
now(void)
{
  uint64 t;
  asm volatile("rdtime %0" : "=r"(t));
  return t;
}

/* Free pages while one forked child exists: what fork itself allocated. */
static int
pages_taken_by_fork(void)
{
  int ready[2], hold[2];
  char c;
  if (pipe(ready) < 0 || pipe(hold) < 0)
    return -1;
  int before = freepages();
  int pid = fork();
  if (pid == 0) {
    close(ready[0]);
    close(hold[1]);
    write(ready[1], "r", 1);
    read(hold[0], &c, 1);       /* stay alive until measured */
    exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  read(ready[0], &c, 1);
  int during = freepages();
  close(hold[1]);
  close(ready[0]);
  wait(0);
  return before - during;
}

int
main(int argc, char *argv[])
{
  static const int sizes[] = { 16, 256, 1024, 4096, 16384 };
  for (int s = 0; s < (int)(sizeof(sizes) / sizeof(sizes[0])); s++) {
    char *heap = sbrk(0);
    int pages = sizes[s];
    if (sbrk(pages * PGSIZE) == SBRK_ERROR) {
      printf("forkbench: pages %d skipped (out of memory)\n", pages);
      continue;
    }
    for (int i = 0; i < pages; i++)
      heap[i * PGSIZE] = (char)i;

    uint64 start = now();
    int r;
    for (r = 0; r < ROUNDS; r++) {
      int pid = fork();
      if (pid < 0)
        break;                  /* the eager kernel runs out of memory first */
      if (pid == 0)
        exit(0);
      wait(0);
    }
    uint64 us = (now() - start) * USEC / TIME_HZ / ROUNDS;
    if (r < ROUNDS)
      printf("forkbench: pages %d fork failed (out of memory)\n", pages);
    else
      printf("forkbench: pages %d us_per_fork %d pages_used_by_fork %d\n", pages, (int)us,
             pages_taken_by_fork());
    sbrk(-(pages * PGSIZE));
  }
  printf("forkbench: done\n");
  exit(0);
}
