/*
 * vmstat.h: counters the kernel exports through vmstat() and fsstat().
 * Shared by the kernel and user programs (vmstat, usertests, cowtest).
 */
#ifndef KERNEL_VMSTAT_H
#define KERNEL_VMSTAT_H

#include "kernel/types.h"

/*
 * vmstat(pid, &st): pid 0 asks for the whole system, any other pid for that
 * process. free_pages and total_pages are always system-wide.
 */
struct vmstat {
  uint64 free_pages;      /* pages on the allocator's free list */
  uint64 total_pages;     /* pages the allocator manages */
  uint64 cow_faults;      /* write faults that found a copy-on-write page */
  uint64 cow_copies;      /* ... and had to copy it */
  uint64 cow_reuses;      /* ... and found no other sharer, so reused it in place */
  uint64 cow_shared;      /* system: physical pages mapped more than once now;
                             process: its pages that some other process also maps */
  uint64 resident_pages;  /* system: pages in use; process: user pages mapped */
  uint64 sleeping;        /* process: 1 while it is blocked in the kernel (pause, read, wait, ...) */
};

/* fsstat(&st): free space on the root file system. */
struct fsstat {
  uint64 free_blocks;
  uint64 free_inodes;
  uint64 total_blocks;
  uint64 total_inodes;
};

#endif
