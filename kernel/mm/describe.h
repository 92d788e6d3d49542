/*
 * describe.h: reading a user address space for observers (vmstat, vmmap,
 * ^P).
 */
#ifndef KERNEL_MM_DESCRIBE_H
#define KERNEL_MM_DESCRIBE_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"

/*
 * Observers (vmstat, vmmap, ^P): the caller holds the address space's lock
 * (proc.h, vm_lock), so nothing they read changes under them.
 */
/* Count the user pages mapped below sz, and how many of them have other owners too (the zero page is neither). */
void uvm_count(pagetable_t pt, uint64 sz, uint64 *resident, uint64 *shared);
/*
 * Set the bit of every user page below sz that has other owners too (one
 * bit per page of RAM from KERNBASE): vmstat counts the system's shared
 * pages this way, each once however many address spaces map it. A leaf
 * table whose bit is set in tables_seen is skipped (its pages are marked
 * already), and the bit of each table read is set: a table shared by many
 * address spaces is read once.
 */
void uvm_mark_shared(pagetable_t pt, uint64 sz, uint8 *shared, uint8 *tables_seen);

/* Where a description of an address space stopped; zeroed to start at address 0. */
struct vmmap_cursor {
  uint64 next;              /* first page not described yet */
  struct vmmap_run open;    /* the run being extended (npages 0: none) */
  int done;                 /* the walk reached the break */
};
/*
 * Describe [0, sz) as runs of pages in one state (kernel/vmstat.h, VMMAP_*),
 * continuing at *cursor: stores finished runs in runs until fewer than a
 * step's worth of its cap slots are left (runs 0: counts them all), and
 * returns how many it finished. Unmapped pages below heap_base are the
 * guard. So a caller that copies each batch out between calls walks the
 * address space once in all.
 */
int uvm_describe(pagetable_t pt, uint64 sz, uint64 heap_base, struct vmmap_cursor *cursor,
                 struct vmmap_run *runs, int cap);

#endif
