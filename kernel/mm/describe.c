/*
 * describe.c: reading a user address space for observers (vmstat, vmmap,
 * ^P): how many pages are resident and shared, which pages of the system
 * are shared, and the runs of pages in one state that vmmap prints.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/vmstat.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/describe.h"

/*
 * Callers hold the address space's lock (proc.h, vm_lock), so no entry
 * changes while they read it; each PTE is still read once, into a local,
 * and every decision about it is made on that one value.
 */

/*
 * The owners of the page pte maps through leaf table `table`: the address
 * spaces that map it. A page holds a reference per leaf table that maps it
 * (page_refcount), and a leaf table one per address space that shares it:
 * this table's sharers, plus one for each other table.
 */
static uint32
page_owners(pte_t pte, pagetable_t table)
{
  return page_refcount((void *)PTE2PA(pte)) - 1 + page_refcount(table);
}

/* A user page that is somebody's memory: mapped, user, and not the zero page. */
static int
pte_is_user_memory(pte_t pte)
{
  return (pte & (PTE_V | PTE_U)) == (PTE_V | PTE_U) && !page_is_zero(PTE2PA(pte));
}

/* The leaf table that holds the PTE *pte. */
static pagetable_t
table_of(pte_t *pte)
{
  return (pagetable_t)PGROUNDDOWN((uint64)pte);
}

void
uvm_count(pagetable_t pt, uint64 sz, uint64 *resident, uint64 *shared)
{
  pte_t *pte;
  *resident = *shared = 0;
  for (uint64 va = 0; (pte = pt_next_leaf(pt, &va, sz)) != 0; va += PGSIZE) {
    pte_t entry = *pte;
    if (!pte_is_user_memory(entry))
      continue;                     /* the zero page is nobody's memory */
    (*resident)++;
    if (page_owners(entry, table_of(pte)) > 1)
      (*shared)++;
  }
}

/* Set bit n of a bitmap; returns whether it was set already. */
static int
bit_test_and_set(uint8 *bitmap, uint64 n)
{
  int was = (bitmap[n / 8] >> (n % 8)) & 1;
  bitmap[n / 8] |= 1 << (n % 8);
  return was;
}

void
uvm_mark_shared(pagetable_t pt, uint64 sz, uint8 *shared, uint8 *tables_seen)
{
  uint64 zero = (uint64)page_zero();
  uint64 va = 0;
  for (pte_t *dir; (dir = pt_next_dir(pt, &va, sz)) != 0; va += LEAF_TABLE_SPAN) {
    pagetable_t table = (pagetable_t)PTE2PA(*dir);
    uint32 table_owners = page_refcount(table);   /* panics unless table is a managed page */
    if (bit_test_and_set(tables_seen, page_frame(table)))
      continue;                     /* a shared table: its pages are marked already */
    for (int i = 0; i <= PXMASK; i++) {
      pte_t entry = table[i];
      /* pte_is_user_memory() spelled out: this loop is vmstat(0)'s whole cost. */
      if ((entry & (PTE_V | PTE_U)) != (PTE_V | PTE_U) || PTE2PA(entry) == zero)
        continue;
      void *page = (void *)PTE2PA(entry);
      if (page_refcount(page) - 1 + table_owners > 1)
        bit_test_and_set(shared, page_frame(page));
    }
  }
}

/* ---- describing an address space (vmmap) ---- */

/*
 * Runs are built one at a time in cursor->open and stored in out as they
 * finish (only counted when out is 0). One page of the walk finishes at
 * most RUNS_PER_STEP runs: the open run, a guard run and a lazy run.
 */
#define RUNS_PER_STEP 3

struct run_list {
  struct vmmap_cursor *cursor;
  struct vmmap_run *out;      /* 0: count the runs only */
  int cap;                    /* slots in out */
  int n;                      /* runs finished by this call */
};

static int
run_list_full(struct run_list *l)
{
  return l->out && l->n + RUNS_PER_STEP > l->cap;
}

static void
run_finish(struct run_list *l)
{
  struct vmmap_run *open = &l->cursor->open;
  if (open->npages == 0)
    return;
  if (l->out) {
    KASSERT(l->n < l->cap);
    l->out[l->n] = *open;
  }
  l->n++;
  open->npages = 0;
}

static void
run_add(struct run_list *l, uint64 va, uint64 npages, uint32 state, uint32 owners)
{
  struct vmmap_run *open = &l->cursor->open;
  if (npages == 0)
    return;
  if (open->npages && open->state == state && open->owners == owners &&
      open->start + open->npages * PGSIZE == va) {
    open->npages += npages;
    return;
  }
  run_finish(l);
  *open = (struct vmmap_run){ .start = va, .npages = npages, .state = state, .owners = owners };
}

/* Unmapped pages [from, to): the stack guard below the heap, lazy pages in it. */
static void
run_add_hole(struct run_list *l, uint64 from, uint64 to, uint64 heap_base)
{
  if (from >= to)
    return;
  uint64 split = MIN(MAX(from, heap_base), to);
  run_add(l, from, (split - from) / PGSIZE, VMMAP_GUARD, 0);
  run_add(l, split, (to - split) / PGSIZE, VMMAP_LAZY, 0);
}

/* The VMMAP_* state of the page a PTE (read once by the caller) maps, and its owners. */
static uint32
page_state(pte_t pte, pagetable_t table, uint32 *owners)
{
  *owners = 0;
  if ((pte & PTE_U) == 0)
    return VMMAP_GUARD;
  *owners = page_owners(pte, table);
  if (page_is_zero(PTE2PA(pte)))
    return VMMAP_ZERO;
  if (pte & PTE_X)
    return VMMAP_TEXT;
  if ((pte & PTE_COW) && *owners > 1)
    return VMMAP_SHARED;
  return VMMAP_PRIVATE;
}

int
uvm_describe(pagetable_t pt, uint64 sz, uint64 heap_base, struct vmmap_cursor *cursor,
             struct vmmap_run *runs, int cap)
{
  struct run_list l = { .cursor = cursor, .out = runs, .cap = cap };
  uint64 end = PGROUNDUP(sz);
  pte_t *pte;
  while (!run_list_full(&l)) {
    uint64 va = cursor->next;
    if ((pte = pt_next_leaf(pt, &va, end)) == 0) {
      run_add_hole(&l, cursor->next, end, heap_base);
      run_finish(&l);
      cursor->done = 1;
      break;
    }
    uint32 owners;
    uint32 state = page_state(*pte, table_of(pte), &owners);
    run_add_hole(&l, cursor->next, va, heap_base);
    run_add(&l, va, 1, state, owners);
    cursor->next = va + PGSIZE;
  }
  return l.n;
}

