/* pageref.c: the page reference table (see pageref.h for the rules). */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/pageref.h"

void
pageref_init(struct pageref_table *t, uint64 base, uint64 nframes, uint32 *counts)
{
  t->base = base;
  t->nframes = nframes;
  t->counts = counts;
  for (uint64 i = 0; i < nframes; i++)
    counts[i] = 0;
}

/* Inlined even at -Og: every reference-count operation starts here (see klib.h's HOT_INLINE). */
static inline __attribute__((always_inline)) int
covers(const struct pageref_table *t, uint64 pa)
{
  return pa % PGSIZE == 0 && pa >= t->base && (pa - t->base) / PGSIZE < t->nframes;
}

int
pageref_covers(const struct pageref_table *t, uint64 pa)
{
  return covers(t, pa);
}

static inline __attribute__((always_inline)) uint32 *
slot(struct pageref_table *t, uint64 pa, const char *who)
{
  if (!covers(t, pa))
    panic("%s: %p is not a managed page", who, (void *)pa);
  return &t->counts[(pa - t->base) / PGSIZE];
}

uint32
pageref_get(struct pageref_table *t, uint64 pa)
{
  return __atomic_load_n(slot(t, pa, "pageref_get"), __ATOMIC_ACQUIRE);
}

void
pageref_claim(struct pageref_table *t, uint64 pa)
{
  uint32 expected = 0;
  if (!__atomic_compare_exchange_n(slot(t, pa, "pageref_claim"), &expected, 1, 0,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    panic("pageref_claim: page %p already has %u owners", (void *)pa, expected);
}

uint32
pageref_inc(struct pageref_table *t, uint64 pa)
{
  uint32 now = __atomic_add_fetch(slot(t, pa, "pageref_inc"), 1, __ATOMIC_ACQ_REL);
  if (now == 1)
    panic("pageref_inc: page %p had no owner", (void *)pa);
  return now;
}

uint32
pageref_dec(struct pageref_table *t, uint64 pa)
{
  uint32 *c = slot(t, pa, "pageref_dec");
  uint32 now = __atomic_sub_fetch(c, 1, __ATOMIC_ACQ_REL);
  if (now == (uint32)-1)
    panic("pageref_dec: page %p freed twice", (void *)pa);
  return now;
}
