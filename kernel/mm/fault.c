/*
 * fault.c: resolve faults on user pages: the reuse and copy steps of
 * copy-on-write, and the counters that let users watch them (vmstat).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/fault.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/proc.h"

/*
 * Everything known about one fault, from the walk through the decision to
 * the step that acts on it. Kept together so that the steps take one
 * argument, and so that a student stopped anywhere in the fault path sees
 * the whole story with `print *f` (or `print f` in fault_resolve).
 */
struct fault_ctx {
  uint64 va;                    /* page-aligned */
  pte_t *pte;                   /* the leaf PTE; 0 if the walk found none */
  pte_t old_pte;                /* its value when the fault was decided */
  uint64 old_pa;                /* the page mapped now */
  uint32 refs;                  /* owners of old_pa; read for copy-on-write pages only */
  enum fault_step step;         /* what fault_decide chose */
  struct proc_vmcount *counts;  /* the faulting process's counters, or 0 */
};

static struct proc_vmcount totals;   /* atomic updates only */

/* Count one event system-wide and for the faulting process. */
#define COUNT(f, field)                                           \
  do {                                                            \
    __atomic_add_fetch(&totals.field, 1, __ATOMIC_RELAXED);       \
    if ((f)->counts)                                              \
      (f)->counts->field++;                                       \
  } while (0)

/* The PTE for a now-private page: writable, no longer copy-on-write. */
static pte_t
private_pte(pte_t old, uint64 pa)
{
  return PA2PTE(pa) | ((PTE_FLAGS(old) | PTE_W) & ~PTE_COW);
}

/*
 * Reuse: no lock held on entry or exit, none taken. We are the page's only
 * owner, so nobody can see a write but us.
 */
static void
fault_reuse(struct fault_ctx *f)
{
  *f->pte = private_pte(*f->pte, f->old_pa);
  tlb_flush_page(f->va);
  COUNT(f, cow_reuses);
}

/*
 * Copy: no lock held on entry or exit (the allocator takes its own). Others
 * share the page. Copy it before dropping our share: the moment our
 * reference goes, the last other owner may reuse the page in place.
 */
static enum fault_result
fault_copy(struct fault_ctx *f)
{
  void *copy = page_alloc_nozero();
  if (copy == 0)
    return FAULT_NO_MEMORY;
  memmove(copy, (void *)f->old_pa, PGSIZE);
  *f->pte = private_pte(*f->pte, (uint64)copy);
  tlb_flush_page(f->va);
  page_free((void *)f->old_pa);
  COUNT(f, cow_copies);
  return FAULT_RESOLVED;
}

static struct proc_vmcount *
counters_for(pagetable_t pt)
{
  struct proc *p = myproc();
  return (p && p->pagetable == pt) ? &p->vm : 0;
}

enum fault_result
fault_resolve(pagetable_t pt, uint64 va, enum fault_access access, uint64 *pa)
{
  struct fault_ctx f = { .va = PGROUNDDOWN(va) };
  f.pte = pt_walk(pt, f.va, 0);             /* 0 at or above MAXVA: decide kills */
  f.old_pte = f.pte ? *f.pte : 0;
  f.old_pa = PTE2PA(f.old_pte);
  /* Only a copy-on-write page's owners matter; skip the lookup on the common path. */
  if ((f.old_pte & PTE_V) && (f.old_pte & PTE_COW))
    f.refs = page_refcount((void *)f.old_pa);

  f.step = fault_decide(f.va, f.old_pte, f.refs, access);
  if (f.step == FAULT_KILL)
    return FAULT_BAD_ADDRESS;
  if (f.step != FAULT_NONE) {
    /* Off the common path: a step allocates, and demand paging's fill will sleep. */
    KASSERT(spin_none_held());
    f.counts = counters_for(pt);
    COUNT(&f, cow_faults);
    if (f.step == FAULT_REUSE)
      fault_reuse(&f);                      /* cannot fail */
    else if (fault_copy(&f) != FAULT_RESOLVED)
      return FAULT_NO_MEMORY;
  }
  if (pa)
    *pa = PTE2PA(*f.pte);
  return FAULT_RESOLVED;
}

void
fault_counters(struct proc_vmcount *out)
{
  out->cow_faults = __atomic_load_n(&totals.cow_faults, __ATOMIC_RELAXED);
  out->cow_copies = __atomic_load_n(&totals.cow_copies, __ATOMIC_RELAXED);
  out->cow_reuses = __atomic_load_n(&totals.cow_reuses, __ATOMIC_RELAXED);
}
