/*
 * vmstat.h: what the kernel tells user programs about memory and disk:
 * vmstat(), vmmap() and fsstat().
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
  uint64 zero_fills;      /* lazy pages whose first access was a read: mapped to the zero page */
  uint64 page_fills;      /* lazy or zero-page pages first written: given a fresh zeroed page */
  uint64 cow_ahead;       /* of cow_faults: pages resolved ahead of a sequential writer */
  uint64 cow_ahead_unused;/* system: of those, pages unmapped or shared again never written */
  uint64 idle_late_wakeups;/* system: wakeups an interrupt made on a hart idling after an empty
                             scan of the run queue; it must not then sleep through them (stays 0) */
  uint64 cow_copy_ns;     /* time the cow_copies took: taking a page and copying into it */
  uint64 page_fill_ns;    /* time the page_fills took: taking a page and zeroing it */
  uint64 map_fills;       /* mmap pages first touched: given a page with the file's bytes or zeros */
  uint64 map_writebacks;  /* pages of shared file mappings written back to the file (dirty ones only) */
  uint64 fork_design;     /* system: how this build's fork shares memory, FORK_DESIGN_* (make COW=N) */
};

/* vmstat's fork_design: the Makefile's COW switch, so a test can tell the builds apart. */
#define FORK_DESIGN_EAGER   0   /* COW=0: fork copies every page at once */
#define FORK_DESIGN_PAGES   1   /* COW=1: fork shares each page copy-on-write */
#define FORK_DESIGN_TABLES  2   /* COW=2, the default: fork shares each leaf page table */

/*
 * vmmap(pid, runs, max): a process's address space below its break, as runs
 * of pages in the same state, then one run per mapping (mmap) above it.
 * Writes at most max runs and returns how many the whole map has (so a
 * return above max means the map was cut short), or -1 for no such process
 * or a bad buffer.
 */
#define VMMAP_GUARD    1   /* unmapped, below the heap: the stack guard page */
#define VMMAP_TEXT     2   /* mapped executable: program text */
#define VMMAP_PRIVATE  3   /* mapped, this process's own page */
#define VMMAP_SHARED   4   /* mapped copy-on-write, with owners page tables sharing it */
#define VMMAP_ZERO     5   /* mapped read-only to the system's one page of zeros */
#define VMMAP_LAZY     6   /* heap below the break, not touched yet: nothing mapped */
#define VMMAP_MAPPING  7   /* one mapping made by mmap: the fields below say which */

#define VMMAP_NAME_BYTES 14   /* DIRSIZ (kernel/fs.h) */

struct vmmap_run {
  uint64 start;     /* virtual address of the first page */
  uint64 npages;
  uint32 state;     /* VMMAP_* */
  uint32 owners;    /* page tables mapping each page of the run; 0 for GUARD, LAZY and MAPPING */
  /* VMMAP_MAPPING runs only: */
  uint64 offset;    /* the byte of the file (or anonymous object) start maps */
  uint32 resident;  /* pages of the mapping mapped now */
  uint32 dirty;     /* of those, written since (PTE_D): a shared file's go back to it when unmapped */
  uint16 prot;      /* PROT_* (kernel/fcntl.h) */
  uint16 flags;     /* MAP_* */
  char name[VMMAP_NAME_BYTES];   /* the file's name as opened (no NUL when full); "" if anonymous */
};

/* A VMMAP_* state in words (what vmmap prints), or 0 for a number that is not one. */
static inline const char *
vmmap_state_name(uint32 state)
{
  switch (state) {
  case VMMAP_GUARD:   return "guard";
  case VMMAP_TEXT:    return "text";
  case VMMAP_PRIVATE: return "private";
  case VMMAP_SHARED:  return "shared cow";
  case VMMAP_ZERO:    return "zero page";
  case VMMAP_LAZY:    return "lazy (unmapped)";
  case VMMAP_MAPPING: return "mapping";
  default:            return 0;
  }
}

/* fsstat(&st): free space on the root file system. */
struct fsstat {
  uint64 free_blocks;
  uint64 free_inodes;
  uint64 total_blocks;
  uint64 total_inodes;
  uint64 log_commits;     /* groups the log has committed since boot */
  uint64 log_ops;         /* operations those groups held */
  uint64 log_overlapped;  /* groups that took an operation while the group before was written */
  uint64 log_checkpoints; /* times the log's committed groups were written home and the log emptied */
  uint64 log_pending;     /* log slots committed but not yet written home (the checkpointer's work) */
  uint64 log_image_reads; /* cache misses the log served: committed blocks not yet home */
};

#endif
