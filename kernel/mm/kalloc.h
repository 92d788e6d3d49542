/*
 * kalloc.h: the physical page allocator, for the kernel and user memory.
 *
 * Every page of RAM from the end of the boot-time tables (ram.h) to
 * ram_end() is managed. A page carries a reference count (pageref.h):
 * page_alloc hands it out with one reference, page_ref_inc adds one when a
 * page is shared, and page_free drops one, returning the page to the free
 * list when the last goes.
 * Failure convention: allocation returns 0 when memory is exhausted.
 */
#ifndef KERNEL_MM_KALLOC_H
#define KERNEL_MM_KALLOC_H

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"

/*
 * The number of the page at pa in one-bit- or one-count-per-page maps, which
 * have ram_pages() entries counted from KERNBASE (pa must be in RAM).
 */
static inline uint64
page_frame(void *pa)
{
  return ((uint64)pa - KERNBASE) / PGSIZE;
}

/* Boot, after every ram_carve(): ends the carving and frees every page above it. */
void page_allocator_init(void);

void *page_alloc(void);          /* zero-filled page, or 0 */
void *page_alloc_nozero(void);   /* for callers that overwrite all of it at once */
void  page_free(void *pa);       /* drop one reference */
void  page_ref_inc(void *pa);    /* one more reference (a new mapping of a shared page) */
/*
 * Drop one reference to a page that holds references of its own (a shared
 * leaf page table). Returns 1 if it was the last: the page then stays
 * allocated, with one reference, for the caller to release what it holds
 * and page_free() it; 0 otherwise. Exactly one dropper sees 1.
 */
int   page_drop_ref(void *pa);
uint32 page_refcount(void *pa);
/*
 * The system's one page of zeros, mapped read-only (and copy-on-write) by
 * every lazy heap page that has been read but not written. Map it with
 * page_ref_inc and unmap it with page_free like any shared page: the
 * allocator keeps a reference of its own, so it is never freed or reused.
 */
void *page_zero(void);
/* Is pa the zero page? */
static inline int
page_is_zero(uint64 pa)
{
  return pa == (uint64)page_zero();
}

uint64 page_free_count(void);
/*
 * The invariant walker's part here: every page on the free list has no
 * references and is there once, and the list is as long as the count says.
 * Prints at most report problems; returns how many it found.
 */
int page_check_free_list(int report);
uint64 page_total_count(void);

#endif
