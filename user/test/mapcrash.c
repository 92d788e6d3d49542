/*
 * mapcrash: the workload of tests/test_mmap_crash.py, which kills QEMU
 * while shared mappings are written back and checks the disk after every
 * single write it made.
 *
 *   mapcrash PAGES
 *
 * Makes the file mapcrash.f, PAGES pages of byte 0, and says
 * "mapcrash: ready". Then round K = 1, 2, ... ROUNDS: maps the file shared,
 * fills every page with byte K, unmaps it (each dirty page goes back to the
 * file, in page order, one log operation each) and says "mapcrash: K": from
 * then on every page holds K on the disk. After ROUNDS rounds it says
 * "mapcrash: done". "mapcrash: failed WHAT" if a call fails.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define FILE_NAME  "mapcrash.f"
#define ROUNDS     200            /* page bytes stay below 256 */
#define MAX_PAGES  16

static char zeros[PGSIZE];

static void
fail(const char *what)
{
  printf("mapcrash: failed %s\n", what);
  exit(1);
}

int
main(int argc, char *argv[])
{
  int pages = argc == 2 ? atoi(argv[1]) : 0;
  if (pages < 1 || pages > MAX_PAGES) {
    printf("usage: mapcrash PAGES (1 to %d)\n", MAX_PAGES);
    exit(1);
  }
  int fd = open(FILE_NAME, O_CREATE | O_TRUNC | O_RDWR);
  if (fd < 0)
    fail("create");
  for (int i = 0; i < pages; i++)
    if (write(fd, zeros, PGSIZE) != PGSIZE)
      fail("write");
  printf("mapcrash: ready\n");
  for (int k = 1; k <= ROUNDS; k++) {
    char *p = mmap(0, pages * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == (char *)-1)
      fail("mmap");
    memset(p, k, pages * PGSIZE);
    if (munmap(p, pages * PGSIZE) != 0)
      fail("munmap");
    printf("mapcrash: %d\n", k);
  }
  close(fd);
  printf("mapcrash: done\n");
  exit(0);
}
