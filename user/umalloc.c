/*
 * umalloc.c: malloc() and free() for user programs.
 *
 * Design: memory is handed out in 16-byte units. Every block starts with a
 * one-unit header recording its size. Free blocks sit on a singly linked list
 * kept in address order, so free() can merge a block with the free neighbours
 * directly before and after it. malloc() takes the first block that is large
 * enough and leaves the part it does not need on the list; when none fits, it
 * asks the kernel for at least GROW_MIN_BYTES more with sbrk() and frees that
 * into the list.
 */
#include "kernel/types.h"
#include "user/user.h"

#define UNIT           16     /* allocation granule and alignment, in bytes */
#define GROW_MIN_BYTES 4096   /* smallest request to sbrk() */
#define MAX_REQUEST    0x7fff0000u   /* larger requests could overflow sbrk's int */

/* The header: a pointer and a count fill exactly one unit, so payloads stay UNIT-aligned. */
struct block {
  struct block *next;   /* next free block (only while free) */
  uint64 units;         /* block size in units, header included */
};

_Static_assert(sizeof(struct block) == UNIT, "a block header must be one unit");

static struct block *free_list;   /* lowest-addressed free block, or 0 */

/* Links b into the address-ordered free list, merging it with adjacent free blocks. */
static void
insert_free(struct block *b)
{
  struct block *prev = 0;
  struct block *next = free_list;

  while (next != 0 && next < b) {
    prev = next;
    next = next->next;
  }

  if (next != 0 && b + b->units == next) {
    b->units += next->units;
    b->next = next->next;
  } else {
    b->next = next;
  }

  if (prev != 0 && prev + prev->units == b) {
    prev->units += b->units;
    prev->next = b->next;
  } else if (prev != 0) {
    prev->next = b;
  } else {
    free_list = b;
  }
}

/* Gets at least units more units from the kernel onto the free list; 0 on failure. */
static int
grow_heap(uint64 units)
{
  uint64 bytes = units * UNIT;
  uint64 brk = (uint64)sbrk(0);
  uint64 misalign;
  char *mem;
  struct block *b;

  if (brk == (uint64)SBRK_ERROR)
    return 0;
  if (bytes < GROW_MIN_BYTES)
    bytes = GROW_MIN_BYTES;
  /* Someone may have moved the break by an odd amount; start on a unit boundary. */
  misalign = (UNIT - brk % UNIT) % UNIT;
  if (bytes + misalign > MAX_REQUEST)
    return 0;
  mem = sbrk(bytes + misalign);
  if (mem == SBRK_ERROR)
    return 0;

  b = (struct block *)(mem + misalign);
  b->units = bytes / UNIT;
  insert_free(b);
  return 1;
}

/*
 * Unlinks the first free block of at least units. A bigger block is split:
 * its front is handed out and the rest takes its place in the list.
 */
static struct block *
take_first_fit(uint64 units)
{
  struct block **link = &free_list;   /* the pointer that leads to b */
  struct block *b;

  for (b = free_list; b != 0; link = &b->next, b = b->next) {
    if (b->units < units)
      continue;
    if (b->units == units) {
      *link = b->next;
    } else {
      struct block *rest = b + units;

      rest->units = b->units - units;
      rest->next = b->next;
      *link = rest;
      b->units = units;
    }
    return b;
  }
  return 0;
}

void *
malloc(unsigned int n)
{
  uint64 units;
  struct block *b;

  if (n > MAX_REQUEST)
    return 0;
  units = ((uint64)n + UNIT - 1) / UNIT + 1;   /* payload plus header */

  b = take_first_fit(units);
  if (b == 0) {
    if (!grow_heap(units))
      return 0;
    b = take_first_fit(units);
    if (b == 0)
      return 0;
  }
  return b + 1;
}

void
free(void *p)
{
  if (p == 0)
    return;
  insert_free((struct block *)p - 1);
}
