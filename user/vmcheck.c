/*
 * vmcheck: run the kernel's invariant walker (vmcheck()): every page's
 * reference count against the page tables, and the free list. Prints
 * "vmcheck: ok", or exits 1 after the kernel has named the pages.
 */
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
  if (vmcheck() != 0) {
    printf("vmcheck: FAILED\n");
    exit(1);
  }
  printf("vmcheck: ok\n");
  exit(0);
}
