/*
 * vmcheck.h: the invariant walker. It recomputes, from every page table in
 * the system, how many references each page should have, and compares that
 * with the counts the allocator keeps; and it checks that every free page is
 * on the free list once. Tests run it (the vmcheck() system call) after their
 * workloads; a mismatch is a kernel bug, reported with the page's address.
 *
 * A snapshot: the caller keeps every page table it adds, and every count
 * they account for, from changing until vmcheck_end (proc_vm_check holds
 * every address-space lock). Usage: vmcheck_begin(); vmcheck_add(pt) for
 * every live page table; vmcheck_end(). Process context only.
 */
#ifndef KERNEL_MM_VMCHECK_H
#define KERNEL_MM_VMCHECK_H

#include "kernel/types.h"
#include "kernel/riscv.h"

/* Boot, before page_allocator_init: carves the walker's per-page tables (ram.h). */
void vmcheck_init(void);
/* Takes the walker's lock (a sleeplock, held until vmcheck_end) and clears its counts. */
void vmcheck_begin(void);
/* Count the references one address space's page tables hold. */
void vmcheck_add(pagetable_t root);
/* Count one reference held by something other than a page table (the mapping cache's). */
void vmcheck_add_ref(uint64 pa);
/* Compare, print one console line per problem (a few at most), release the lock: the number of problems. */
int vmcheck_end(void);

#endif
