/*
 * pagetable.h: Sv39 page tables, the kernel's address space, user address
 * spaces and the checked copies between kernel and user memory.
 *
 * Convention: functions returning int give 0 on success and -1 on failure;
 * functions returning a pointer give 0 on failure. Those failures are the
 * ones a user can cause (bad address, out of memory) and never panic. The
 * panics here are for kernel bugs only: pt_walk meeting a superpage (we never
 * make one), pt_map asked to remap a page or to map an unaligned range,
 * pt_unmap finding a table where a leaf should be or a shared leaf table
 * that maps pages outside its range (its caller skipped pt_unmap_prepare),
 * kvm_map after paging started, and running out of memory while the kernel
 * itself boots.
 */
#ifndef KERNEL_MM_PAGETABLE_H
#define KERNEL_MM_PAGETABLE_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/mm/fault.h"
#include "kernel/vmstat.h"

extern pagetable_t kernel_pagetable;

#define LEAF_TABLE_SPAN  (1UL << PXSHIFT(1))  /* bytes one leaf page table maps: 2 MiB */
#define MID_TABLE_SPAN   (1UL << PXSHIFT(2))  /* bytes one level-1 table maps: 1 GiB */
/* The first address the leaf table that maps va maps. */
#define LEAF_TABLE_BASE(va) ((uint64)(va) & ~(LEAF_TABLE_SPAN - 1))
/*
 * The first address of the topmost leaf table. Each address space maps its
 * own trapframe and the trampoline there, so fork never shares that table;
 * every table below it may be shared.
 */
#define USER_TOP_TABLE   (TRAPFRAME & ~(LEAF_TABLE_SPAN - 1))

void kvm_init(void);        /* build the kernel page table (boot hart) */
void kvm_init_hart(void);   /* switch this hart to it */
void kvm_map(pagetable_t kpt, uint64 va, uint64 pa, uint64 size, int perm);

/*
 * The leaf PTE for va; 0 if absent, or out of memory. With modify the
 * caller is about to change it: missing tables are made, and a leaf table
 * shared with other address spaces (fork with shared tables) is first
 * copied, so the PTE returned is this address space's own.
 */
pte_t *pt_walk(pagetable_t pt, uint64 va, int modify);
/* Map [va, va+size) to pa; -1 when out of memory. Panics on a remap or an unaligned range. */
int  pt_map(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm);
/*
 * The next mapped (valid) leaf PTE at or above *va and below end, with *va
 * moved to its page; 0 if none. Skips missing tables whole, so a sparse
 * range costs what is mapped in it, not its size: fork, exit, shrink and
 * the counters use it to cross a huge lazy heap.
 */
pte_t *pt_next_leaf(pagetable_t pt, uint64 *va, uint64 end);
/*
 * The same a leaf table at a time: the next level-1 entry that points at a
 * leaf table serving an address in [*va, end), with *va moved to the first
 * address that table maps; 0 if none.
 */
pte_t *pt_next_dir(pagetable_t pt, uint64 *va, uint64 end);
/*
 * Unmap what is mapped in npages pages from va (holes are fine), dropping a
 * page reference for each when free_pages. A leaf table shared with other
 * address spaces must lie wholly in the range (it is dropped whole): see
 * pt_unmap_prepare.
 */
void pt_unmap(pagetable_t pt, uint64 va, uint64 npages, int free_pages);
/*
 * Before unmapping [start, end) while keeping what lies around it: the
 * leaf tables at its two edges may map pages outside it, and if fork
 * shares them they must first become this address space's own (a copy:
 * leaf_table_make_private in pagetable.c). 0, or -1 when out of memory,
 * with nothing changed that anyone could see.
 */
int pt_unmap_prepare(pagetable_t pt, uint64 start, uint64 end);
/* The physical address of user page va, or 0 when unmapped or not a user page. */
uint64 pt_user_pa(pagetable_t pt, uint64 va);

pagetable_t uvm_create(void);
/* Grow from oldsz to newsz with zeroed pages with PTE_R|PTE_U|xperm: new size, or 0. */
uint64 uvm_alloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm);
/* Shrink from oldsz to newsz: returns newsz, or oldsz (nothing changed) when out of memory. */
uint64 uvm_dealloc(pagetable_t pt, uint64 oldsz, uint64 newsz);
/* Free every user page pt maps (the trapframe and trampoline unmapped first) and the tables. */
void uvm_free(pagetable_t pt);
/*
 * Give child the parent's first sz bytes: shared copy-on-write, or copied
 * when COW_FORK=0. On failure (-1, out of memory) what was given stays in
 * the child's table, for uvm_free.
 */
int  uvm_fork(pagetable_t parent, pagetable_t child, uint64 sz);
/*
 * What fork makes of a PTE it shares: a writable page turns read-only and
 * copy-on-write (and no longer counts as resolved ahead); a read-only one
 * (text) is left as it is, read-only for good.
 */
void pte_make_cow(pte_t *pte);
/*
 * Does fork share whole leaf tables (COW_FORK=2, the default)? Then
 * uvm_fork_tables gives child every leaf table that maps anything in
 * [start, end), below USER_TOP_TABLE: a table the child has already (the
 * heap's last one) is left as it is. Every writable page in those tables
 * turns copy-on-write, in both. 0, or -1 when out of memory.
 */
#define FORK_SHARES_TABLES (COW_FORK == 2)
int  uvm_fork_tables(pagetable_t parent, pagetable_t child, uint64 start, uint64 end);

int copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len);
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len);
/* Copy a string of at most max bytes including its NUL: 0, or -1 if bad or too long. */
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max);
/*
 * Do now whatever fault work the first len bytes at uva need for access
 * (FAULT_READ or FAULT_WRITE), and return how many leading bytes are ready.
 * Code that must copy to or from user memory around a spinlock prepares
 * before locking, moves data through a kernel buffer under the lock, and
 * copies after unlocking: that copy cannot fail, because only the process
 * itself changes its address space.
 */
uint64 user_prepare(pagetable_t pt, uint64 uva, uint64 len, enum fault_access access);

#endif
