/*
 * pageref.h: one reference count per physical page frame.
 *
 * A count says how many references a frame has: for a user page, one per
 * leaf page table that maps it; for a leaf table, one per address space
 * that shares it (fork with shared tables); for any other kernel page, its
 * one user. (A user page's owners, the address spaces that map it, follow
 * from both: kernel/mm/describe.c.) Changes are single atomic
 * instructions, so no lock is needed and the counts are exact on many harts;
 * "decrement and test for zero" is one step, so exactly one releaser sees
 * zero. This file is pure logic: the host unit tests compile it unchanged.
 */
#ifndef KERNEL_MM_PAGEREF_H
#define KERNEL_MM_PAGEREF_H

#include "kernel/types.h"

struct pageref_table {
  uint64 base;       /* physical address of frame 0 */
  uint64 nframes;    /* frames covered */
  uint32 *counts;    /* nframes counters, owned by the caller */
};

/* Cover [base, base + nframes pages) with counts all zero. */
void pageref_init(struct pageref_table *t, uint64 base, uint64 nframes, uint32 *counts);
/* Is pa a page-aligned address inside the table? */
int  pageref_covers(const struct pageref_table *t, uint64 pa);
uint32 pageref_get(struct pageref_table *t, uint64 pa);
/* A free frame gets its first reference: 0 -> 1. Panics if the frame was not free. */
void pageref_claim(struct pageref_table *t, uint64 pa);
/* One more reference; panics if the frame had none. Returns the new count. */
uint32 pageref_inc(struct pageref_table *t, uint64 pa);
/* One reference fewer; returns the new count: 0 means the caller must free the frame. */
uint32 pageref_dec(struct pageref_table *t, uint64 pa);

#endif
