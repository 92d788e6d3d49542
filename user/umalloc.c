/*
 * umalloc.c: malloc() and free() for user programs.
 *
 * Design: memory is handed out in 16-byte units. Every block starts with a
 * one-unit header recording its size. Free blocks sit on a singly linked list
 * kept in address order, so free() can merge a block with the free neighbours
 * directly before and after it. malloc() takes the first block that is large
 * enough, splitting off the tail it needs; when none fits, it asks the kernel
 * for at least GROW_MIN_BYTES more with sbrk() and frees that into the list.
 */
#include "kernel/types.h"
#include "user/user.h"

#define UNIT           16     /* allocation granule and alignment, in bytes */
#define GROW_MIN_BYTES 4096   /* smallest request to sbrk() */
#define MAX_REQUEST    0x7fff0000u   /* larger requests could overflow sbrk's int */

/* The header is exactly one unit, so payloads stay UNIT-aligned. */
union block {
  struct {
    union block *next;   /* next free block (only while free) */
    uint64 units;        /* block size in units, header included */
  } h;
  char align[UNIT];
};

static union block *free_list;   /* lowest-addressed free block, or 0 */

/* Links b into the address-ordered free list, merging it with adjacent free blocks. */
static void
insert_free(union block *b)
{
  union block *prev = 0;
  union block *next = free_list;

  while (next != 0 && next < b) {
    prev = next;
    next = next->h.next;
  }

  if (next != 0 && b + b->h.units == next) {
    b->h.units += next->h.units;
    b->h.next = next->h.next;
  } else {
    b->h.next = next;
  }

  if (prev != 0 && prev + prev->h.units == b) {
    prev->h.units += b->h.units;
    prev->h.next = b->h.next;
  } else if (prev != 0) {
    prev->h.next = b;
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
  union block *b;

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

  b = (union block *)(mem + misalign);
  b->h.units = bytes / UNIT;
  insert_free(b);
  return 1;
}

/* Unlinks the first free block of at least units, splitting it if it is bigger. */
static union block *
take_first_fit(uint64 units)
{
  union block *prev = 0;
  union block *b;

  for (b = free_list; b != 0; prev = b, b = b->h.next) {
    if (b->h.units < units)
      continue;
    if (b->h.units > units) {
      /* Hand out the tail; the front stays on the list where it was. */
      b->h.units -= units;
      b += b->h.units;
      b->h.units = units;
      return b;
    }
    if (prev != 0)
      prev->h.next = b->h.next;
    else
      free_list = b->h.next;
    return b;
  }
  return 0;
}

void *
malloc(unsigned int n)
{
  uint64 units;
  union block *b;

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
  insert_free((union block *)p - 1);
}
