/*
 * mmap.h: files and anonymous memory mapped into a process's address space
 * (mmap, munmap). A mapping is a range of pages above the heap, below the
 * trapframe, described by a struct vma; its pages come lazily, through the
 * fault path (fault.c's map fill), from the file or as zeros.
 *
 * MAP_PRIVATE pages are the process's own: copied from the file when first
 * touched, shared copy-on-write with a child at fork, never written back.
 * MAP_SHARED pages are written back to the file, those whose PTE is dirty,
 * when they are unmapped (munmap, exit, exec); fork shares them as they are,
 * so parent and child see each other's stores.
 *
 * Locking: a process's vmas change only by the process itself (mmap, munmap,
 * exit, exec) or, for a child not yet running, by its parent in fork; both
 * hold the address-space lock (proc.h, vm_lock) while they change them.
 * Observers read them under the same lock.
 */
#ifndef KERNEL_MM_MMAP_H
#define KERNEL_MM_MMAP_H

#include "kernel/types.h"
#include "kernel/mm/fault.h"

#define NVMA 16                 /* mappings per process, as in the xv6 mmap lab */

struct file;
struct proc;
struct mapobj;

/* One mapping: [start, end) page-aligned; end == 0 marks a free slot. */
struct vma {
  uint64 start;
  uint64 end;
  int prot;                     /* PROT_READ | PROT_WRITE | PROT_EXEC (kernel/fcntl.h) */
  int flags;                    /* MAP_SHARED or MAP_PRIVATE, maybe | MAP_ANONYMOUS */
  struct file *file;            /* its own reference; 0 for anonymous memory */
  uint64 offset;                /* the object's byte that start maps (file offset; anonymous: from its start) */
  struct mapobj *obj;           /* MAP_SHARED: the object whose pages it maps (mapcache.h); else 0 */
};

/* The mapping of p that contains va, or 0. */
struct vma *mmap_find(struct proc *p, uint64 va);
/*
 * The page to map at va of mapping v, with a reference for the mapping: the
 * shared object's page, or for a private mapping a fresh copy of the file's
 * bytes there (zeros past its end, or for anonymous memory). 0 when memory
 * is out. May sleep (reads the file); no spinlock may be held.
 */
void *mmap_page(struct vma *v, uint64 va);
/* The PTE permission bits (PTE_R, PTE_W, PTE_X, PTE_U) of v's pages. */
int mmap_pte_perm(const struct vma *v);
/* The highest the heap's break may go: a gap below p's lowest mapping, or TRAPFRAME. */
uint64 mmap_heap_limit(struct proc *p);
/*
 * Fault in now the pages of the current process's file mappings that
 * [uva, uva+len) touches, for access: read() and write() call it before they
 * lock an inode, as filling such a page reads its file (and may need the
 * very inode they would hold).
 */
void mmap_prepare(uint64 uva, uint64 len, enum fault_access access);
/* Give child (not yet running) parent's mappings and share their pages; 0, or -1 out of memory. */
int mmap_fork(struct proc *parent, struct proc *child);
/* Write back and drop every mapping of p (exit and exec, before p's old page table goes). */
void mmap_drop_all(struct proc *p);

struct vmmap_run;
/* Describe each of p's mappings as one VMMAP_MAPPING run (at most NVMA); the caller holds p's vm_lock. */
int mmap_describe(struct proc *p, struct vmmap_run *runs);

uint64 sys_mmap(void);
uint64 sys_munmap(void);

#endif
