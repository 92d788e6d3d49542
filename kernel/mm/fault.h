/*
 * fault.h: the one place that decides what a page fault on a user address
 * means, and acts on it. The trap path (store page faults) and the kernel's
 * user copies (copyout, copyin, copyinstr) all come here, so an access is
 * treated the same whether the CPU or the kernel makes it.
 *
 * The steps, named as in the design (docs/cow.md, docs/vm.md):
 *   decide     fault_decide(): pure function of the PTE, the page's owners
 *              and what the address lies in (lazy heap, a mapping)
 *   fill       a lazy heap page nothing maps yet: a read maps the zero page,
 *              a write maps a fresh zeroed page; a mapping's page nothing
 *              maps yet: its file's bytes, or its shared object's page
 *   reuse      the faulting process is the page's only owner: make it writable
 *   copy       others share the page: copy it, map the copy, drop the old
 *              share (a write to the zero page is a copy that needs no copying)
 *   unprotect  a shared mapping's page that fork write-protected with its
 *              leaf table: writable again, the same page (sharing is the point)
 */
#ifndef KERNEL_MM_FAULT_H
#define KERNEL_MM_FAULT_H

#include "kernel/types.h"
#include "kernel/riscv.h"

enum fault_access { FAULT_READ, FAULT_WRITE, FAULT_EXEC };

enum fault_step {
  FAULT_KILL,       /* not a legal access: the process dies, or copyout fails */
  FAULT_NONE,       /* the mapping already allows the access */
  FAULT_FILL_ZERO,  /* lazy page, first read: map the zero page read-only */
  FAULT_FILL,       /* lazy page, first write: map a fresh zeroed page */
  FAULT_REUSE,      /* copy-on-write page with one owner: make it writable in place */
  FAULT_COPY,       /* copy-on-write page with other owners: give this process a copy */
  FAULT_FILL_MAP,   /* mmap page, first touch: a fresh page with the file's bytes (or zeros) */
  FAULT_UNPROTECT,  /* shared mapping's page write-protected by fork: make it writable in place */
};

/* What a user address lies in, as far as a fault cares. */
struct fault_where {
  int lazy;         /* the process's lazy heap: between the heap's base and the break */
  int map_prot;     /* the PROT_ bits of the mapping it lies in (kernel/fcntl.h), or 0: none */
  int map_shared;   /* that mapping is MAP_SHARED */
};

/*
 * Decide, from the page-aligned address, its PTE (0 if none), the page's
 * reference count and what the address lies in, what an access needs.
 * Pure: no locks, no side effects.
 */
enum fault_step fault_decide(uint64 va, pte_t pte, uint32 refs, enum fault_access access,
                             struct fault_where where);

enum fault_result {
  FAULT_RESOLVED = 0,
  FAULT_BAD_ADDRESS = -1,      /* unmapped outside the heap, not user, or not permitted */
  FAULT_NO_MEMORY = -2,        /* the copy step found no free page */
  FAULT_NO_MEMORY_FILL = -3,   /* a fill (or a write to the zero page) found no free page */
};

/*
 * Make user address va in pt usable for access, doing whichever step
 * fault_decide picks; on success stores the page's physical address in *pa
 * (if pa is not 0). Call from process context with no spinlocks held
 * (asserted whenever a step has work to do): see user_prepare() in
 * pagetable.h for copying around a lock.
 * pt must belong to the current process or to one not yet running.
 */
enum fault_result fault_resolve(pagetable_t pt, uint64 va, enum fault_access access, uint64 *pa);

/* n pages of pt's shared mappings were written back (vmstat's map_writebacks); pt's lock held. */
void fault_count_writebacks(pagetable_t pt, uint64 n);
/* System-wide copy-on-write counters since boot. */
struct proc_vmcount;
void fault_counters(struct proc_vmcount *out);
/* Pages resolved ahead of a write that were never written (system-wide, since boot). */
uint64 fault_ahead_unused(void);

#define WRITE_AHEAD_MAX  512                  /* pages one write fault may resolve */

/*
 * After the CPU's write fault at va in process p (the current one) was
 * resolved: if p writes its pages in order, resolve the next few shared
 * pages now (see fault.c). No lock held: it takes p's address-space lock.
 */
struct proc;
void fault_write_ahead(struct proc *p, uint64 va);
/* A leaf PTE is going away or being shared again: count it if it was resolved ahead and never written. */
void fault_ahead_dropped(pte_t pte);

#endif
