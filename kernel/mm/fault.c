/*
 * fault.c: resolve faults on user pages: the fill step of demand paging, the
 * reuse and copy steps of copy-on-write, and the counters that let users
 * watch them (vmstat).
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/fault.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/mmap.h"
#include "kernel/trap/timer.h"

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
  uint32 refs;                  /* references to old_pa (page_refcount); read for copy-on-write pages only */
  struct fault_where where;     /* lazy heap, a mapping, or neither */
  struct vma *vma;              /* the mapping va lies in (mmap), or 0 */
  enum fault_step step;         /* what fault_decide chose */
  int table_owned;              /* pte's leaf table is known to be this space's alone */
  struct proc_vmcount *counts;  /* the faulting process's counters, or 0 */
};

static struct proc_vmcount totals;   /* atomic updates only */

/* Add n to a counter, system-wide and for the faulting process. */
#define COUNT_N(f, field, n)                                      \
  do {                                                            \
    uint64 count_n_ = (n);                                        \
    __atomic_add_fetch(&totals.field, count_n_, __ATOMIC_RELAXED); \
    if ((f)->counts)                                              \
      (f)->counts->field += count_n_;                             \
  } while (0)
#define COUNT(f, field) COUNT_N(f, field, 1)

/*
 * A fresh page holding a copy of from, or zeros when from is 0; 0 when
 * memory is out. *ns is how long the copy or the zeroing took (not the
 * allocation): vmstat's cow_copy_ns and page_fill_ns, the rate of the
 * kernel's copies that make bench shows. Inlined so that failalloc's line
 * names the step that asked, fault_fill or fault_copy (docs/robustness.md).
 */
static inline __attribute__((always_inline)) void *
new_page(const void *from, uint64 *ns)
{
  void *page = page_alloc_nozero();
  if (page == 0)
    return 0;
  uint64 start = r_time();
  if (from)
    memmove(page, from, PGSIZE);
  else
    memset(page, 0, PGSIZE);
  *ns = (r_time() - start) * NS_PER_TIME_TICK;
  return page;
}

/* The PTE for a page this space may now write: writable (and written: a write resolves it), no longer copy-on-write. */
static pte_t
writable_pte(pte_t old, uint64 pa)
{
  return PA2PTE(pa) | ((PTE_FLAGS(old) | PTE_W | PTE_A | PTE_D) & ~(PTE_COW | PTE_AHEAD));
}

/*
 * Fill: the address-space lock held on entry and exit, as for every step
 * (fault_act); the allocator takes its own spinlock. Nothing
 * maps the page yet, and only this process can map it, so no other hart
 * races us. A read maps the zero page, read-only and copy-on-write, and
 * allocates nothing but page-table pages the walk may need; a write maps a
 * fresh zeroed page, writable at once.
 */
static enum fault_result
fault_fill(struct fault_ctx *f, pagetable_t pt)
{
  if (f->step == FAULT_FILL_ZERO) {
    void *zero = page_zero();
    if (pt_map(pt, f->va, PGSIZE, (uint64)zero, PTE_R | PTE_U | PTE_COW) != 0)
      return FAULT_NO_MEMORY_FILL;
    page_ref_inc(zero);
    COUNT(f, zero_fills);
  } else {
    uint64 took;
    void *page = new_page(0, &took);
    if (page == 0)
      return FAULT_NO_MEMORY_FILL;
    if (pt_map(pt, f->va, PGSIZE, (uint64)page, PTE_R | PTE_W | PTE_U) != 0) {
      page_free(page);
      return FAULT_NO_MEMORY_FILL;
    }
    COUNT(f, page_fills);
    COUNT_N(f, page_fill_ns, took);
  }
  f->pte = pt_walk(pt, f->va, 0);
  return FAULT_RESOLVED;
}

/*
 * Map fill: the address-space lock held; reading the file takes its inode's
 * lock (read() and write() fault such pages in before they lock an inode:
 * mmap_prepare). A private mapping's page is its own copy of the file's
 * bytes; a shared mapping maps its object's page (mapcache.h), the same one
 * every sharer maps, written back when unmapped where its PTE is dirty.
 */
static enum fault_result
fault_fill_map(struct fault_ctx *f, pagetable_t pt, enum fault_access access)
{
  void *page = mmap_page(f->vma, f->va);
  if (page == 0)
    return FAULT_NO_MEMORY_FILL;
  if (pt_map(pt, f->va, PGSIZE, (uint64)page, mmap_pte_perm(f->vma)) != 0) {
    page_free(page);
    return FAULT_NO_MEMORY_FILL;
  }
  COUNT(f, map_fills);
  f->pte = pt_walk(pt, f->va, 0);
  if (access != FAULT_WRITE)
    *f->pte &= ~PTE_D;                      /* dirty only once written: write-back goes by it */
  return FAULT_RESOLVED;
}

/*
 * Reuse: the address-space lock held, nothing else taken. We are the page's only
 * reference, so nobody can see a write but us.
 */
static void
fault_reuse(struct fault_ctx *f)
{
  KASSERT(!page_is_zero(f->old_pa));   /* its allocator reference never goes */
  *f->pte = writable_pte(*f->pte, f->old_pa);
  COUNT(f, cow_reuses);
}

/*
 * Unprotect: the address-space lock held, nothing else taken. Fork shared
 * the leaf table holding this page of a shared mapping, and sharing a table
 * write-protects all of it; the table is ours now (fault_own_table), and
 * the page is meant to be shared: writable again, the same page.
 */
static void
fault_unprotect(struct fault_ctx *f)
{
  *f->pte = writable_pte(*f->pte, f->old_pa);
}

/*
 * Copy: the address-space lock held (the allocator takes its own). Others
 * share the page. Copy it before dropping our share: the moment our
 * reference goes, the last other holder may reuse the page in place. A copy
 * of the zero page is a fresh zeroed page: nothing to copy, and it counts
 * as a fill.
 */
static enum fault_result
fault_copy(struct fault_ctx *f)
{
  int from_zero = page_is_zero(f->old_pa);
  uint64 took;
  void *copy = new_page(from_zero ? 0 : (void *)f->old_pa, &took);
  if (copy == 0)
    return from_zero ? FAULT_NO_MEMORY_FILL : FAULT_NO_MEMORY;
  *f->pte = writable_pte(*f->pte, (uint64)copy);
  page_free((void *)f->old_pa);
  if (from_zero) {
    COUNT(f, page_fills);
    COUNT_N(f, page_fill_ns, took);
  } else {
    COUNT(f, cow_copies);
    COUNT_N(f, cow_copy_ns, took);
  }
  return FAULT_RESOLVED;
}

/*
 * Before reuse or copy changes the PTE: the address-space lock held. If
 * the PTE's leaf table is shared (fork with shared tables), we first get a
 * copy of the table of our own, and every page in it gains a reference, so
 * decide again with the new count: a page that was ours alone is now shared
 * with the table's other users and must be copied.
 */
static enum fault_result
fault_own_table(struct fault_ctx *f, pagetable_t pt, enum fault_access access)
{
  if (f->table_owned)
    return FAULT_RESOLVED;
  pte_t *own = pt_walk(pt, f->va, 1);
  if (own == 0)
    return FAULT_NO_MEMORY;
  if (own != f->pte) {
    f->pte = own;
    f->refs = page_refcount((void *)f->old_pa);
    f->step = fault_decide(f->va, f->old_pte, f->refs, access, f->where);
  }
  return FAULT_RESOLVED;
}

static struct proc_vmcount *
counters_for(pagetable_t pt)
{
  struct proc *p = myproc();
  return (p && p->pagetable == pt) ? &p->vm : 0;
}

/*
 * The lock a step on pt must hold: the current process's address-space
 * lock when pt is its table; none for a table no one else can see yet
 * (exec's new image).
 */
static struct sleeplock *
space_lock_for(pagetable_t pt)
{
  struct proc *p = myproc();
  return (p && p->pagetable == pt) ? &p->vm_lock : 0;
}

/*
 * What page va of pt lies in: the lazy heap, a mapping (f->vma), or
 * neither. Only the current process's table has a lazy heap or mappings:
 * the other tables fault_resolve sees (exec's new image) are mapped in full.
 * Only the process itself moves its break or changes its mappings, so no
 * lock is needed to read them. Mappings lie above the break: a heap address
 * needs no search.
 */
static void
find_where(struct fault_ctx *f, pagetable_t pt)
{
  struct proc *p = myproc();
  if (p == 0 || p->pagetable != pt)
    return;
  if (f->va < p->sz) {
    f->where.lazy = f->va >= p->heap_base;
  } else if ((f->vma = mmap_find(p, f->va)) != 0) {
    f->where.map_prot = f->vma->prot;
    f->where.map_shared = (f->vma->flags & MAP_SHARED) != 0;
  }
}

/*
 * Decide: walk to va's PTE, read it once, and pick the step. No lock: only
 * the owner changes its own tables (observers only read them), and a table
 * shared with others never changes at all.
 */
static void
fault_begin_at(struct fault_ctx *f, pagetable_t pt, pte_t *pte, uint64 va,
               enum fault_access access)
{
  *f = (struct fault_ctx){ .va = PGROUNDDOWN(va), .pte = pte };
  f->old_pte = f->pte ? *f->pte : 0;
  f->old_pa = PTE2PA(f->old_pte);
  /* Only a copy-on-write page's references matter; skip the lookup on the common path. */
  if ((f->old_pte & PTE_V) && (f->old_pte & PTE_COW))
    f->refs = page_refcount((void *)f->old_pa);
  /* Where the page lies matters to a page not mapped yet, and to a copy-on-write one. */
  if ((f->old_pte & PTE_V) == 0 || (f->old_pte & PTE_COW))
    find_where(f, pt);
  f->step = fault_decide(f->va, f->old_pte, f->refs, access, f->where);
}

static void
fault_begin(struct fault_ctx *f, pagetable_t pt, uint64 va, enum fault_access access)
{
  /* The walk gives 0 at or above MAXVA: decide kills. */
  fault_begin_at(f, pt, pt_walk(pt, PGROUNDDOWN(va), 0), va, access);
}

/*
 * Do the step decided (fill, reuse or copy). The caller holds the address
 * space's lock (space_lock_for), so observers never see a table mid-change.
 */
static enum fault_result
fault_act(struct fault_ctx *f, pagetable_t pt, enum fault_access access)
{
  /*
   * No step flushes the TLB: the kernel runs on its own page table, and a
   * hart starts using a user table only through userret, whose sfence.vma
   * drops every old translation. (A flush per page cost more than the copy
   * on QEMU, where sfence.vma empties the whole TLB.) So pt must not be live.
   */
  KASSERT(csr_read(satp) != MAKE_SATP(pt));
  f->counts = counters_for(pt);
  if (f->step == FAULT_FILL_ZERO || f->step == FAULT_FILL)
    return fault_fill(f, pt);
  if (f->step == FAULT_FILL_MAP)
    return fault_fill_map(f, pt, access);
  if (f->step != FAULT_UNPROTECT)
    COUNT(f, cow_faults);
  if (fault_own_table(f, pt, access) != FAULT_RESOLVED)
    return FAULT_NO_MEMORY;
  if (f->step == FAULT_UNPROTECT) {
    fault_unprotect(f);                     /* cannot fail */
    return FAULT_RESOLVED;
  }
  if (f->step == FAULT_REUSE) {
    fault_reuse(f);                         /* cannot fail */
    return FAULT_RESOLVED;
  }
  return fault_copy(f);
}

enum fault_result
fault_resolve(pagetable_t pt, uint64 va, enum fault_access access, uint64 *pa)
{
  struct fault_ctx f;
  fault_begin(&f, pt, va, access);
  if (f.step == FAULT_KILL)
    return FAULT_BAD_ADDRESS;
  /*
   * A page resolved ahead, written now: harts that update PTE_D in hardware
   * never fault here; those that leave it to software (Svade) do, and the
   * kernel's own writes (copyout) count as writes too.
   */
  int mark_written = f.step == FAULT_NONE && access == FAULT_WRITE && (f.old_pte & PTE_D) == 0;
  if (f.step != FAULT_NONE || mark_written) {
    /*
     * Off the common path. A step may allocate (a page, or a copy of a
     * shared leaf table), a file mapping's fill reads the file (its inode's
     * sleeplock, the disk), and the address-space lock is a sleeplock: no
     * spinlock may be held.
     */
    KASSERT(spin_none_held());
    struct sleeplock *lock = space_lock_for(pt);
    if (lock)
      sleeplock_acquire(lock);
    enum fault_result r = FAULT_RESOLVED;
    if (mark_written)
      *f.pte |= PTE_A | PTE_D;
    else
      r = fault_act(&f, pt, access);
    if (lock)
      sleeplock_release(lock);
    KEEP_FOR_DEBUGGER(va);          /* a backtrace from the step shows the faulting address */
    if (r != FAULT_RESOLVED)
      return r;
  }
  if (pa)
    *pa = PTE2PA(*f.pte);
  return FAULT_RESOLVED;
}

/* Pages resolved ahead that went (unmapped, or shared again by fork) without being written. */
static uint64 ahead_unused;   /* atomic updates only */

uint64
fault_ahead_unused(void)
{
  return __atomic_load_n(&ahead_unused, __ATOMIC_RELAXED);
}

void
fault_ahead_dropped(pte_t pte)
{
  if ((pte & PTE_AHEAD) && (pte & PTE_D) == 0)
    __atomic_add_fetch(&ahead_unused, 1, __ATOMIC_RELAXED);
}

/*
 * Write-ahead: a process that writes its shared pages in order pays one trap
 * per page, and the trap (entry, exit and the TLB flushes they do) costs more
 * than the copy. After a write fault at va, if it is the page the last one
 * predicted, resolve the following copy-on-write pages too, doubling the
 * window each time up to WRITE_AHEAD_MAX pages; any other fault shrinks it
 * to one page. The run stops at the end of the leaf table, the break, or the
 * first page that is not a copy-on-write page. Pages resolved but never
 * written are counted (cow_ahead_unused): at most WRITE_AHEAD_MAX - 1 per
 * fault, and only for a process that was writing in order.
 */
void
fault_write_ahead(struct proc *p, uint64 va)
{
  uint64 page = PGROUNDDOWN(va);
  p->ahead_window = page == p->ahead_next ? MIN(2 * p->ahead_window, WRITE_AHEAD_MAX) : 1;
  uint64 next = page + PGSIZE;
  if (p->ahead_window > 1) {
    sleeplock_acquire(&p->vm_lock);
    /*
     * The run stays in one leaf table, so after the first page the next PTE
     * is the one after, in a table the first page's step made our own: no
     * walk, no ownership check per page (they cost more than the copy).
     */
    pte_t *done = 0;
    for (int n = 1; n < p->ahead_window; n++, next += PGSIZE) {
      if (next % LEAF_TABLE_SPAN == 0 || next >= p->sz)
        break;
      struct fault_ctx f;
      if (done)
        fault_begin_at(&f, p->pagetable, done + 1, next, FAULT_WRITE);
      else
        fault_begin(&f, p->pagetable, next, FAULT_WRITE);
      f.table_owned = done != 0;
      /* Shared pages only: a write to the zero page or a lazy page is a fill, not a copy. */
      if ((f.step != FAULT_REUSE && f.step != FAULT_COPY) || page_is_zero(f.old_pa))
        break;
      if (fault_act(&f, p->pagetable, FAULT_WRITE) != FAULT_RESOLVED)
        break;                      /* out of memory: the real write will fault and decide */
      /* Resolved for a write that has not come: say so, and let PTE_D tell whether it does. */
      *f.pte = (*f.pte & ~PTE_D) | PTE_AHEAD;
      COUNT(&f, cow_ahead);
      done = f.pte;
    }
    sleeplock_release(&p->vm_lock);
  }
  p->ahead_next = next;
}

void
fault_count_writebacks(pagetable_t pt, uint64 n)
{
  struct fault_ctx f = { .counts = counters_for(pt) };
  COUNT_N(&f, map_writebacks, n);
}

void
fault_counters(struct proc_vmcount *out)
{
  out->cow_faults = __atomic_load_n(&totals.cow_faults, __ATOMIC_RELAXED);
  out->cow_copies = __atomic_load_n(&totals.cow_copies, __ATOMIC_RELAXED);
  out->cow_reuses = __atomic_load_n(&totals.cow_reuses, __ATOMIC_RELAXED);
  out->zero_fills = __atomic_load_n(&totals.zero_fills, __ATOMIC_RELAXED);
  out->page_fills = __atomic_load_n(&totals.page_fills, __ATOMIC_RELAXED);
  out->cow_ahead = __atomic_load_n(&totals.cow_ahead, __ATOMIC_RELAXED);
  out->cow_copy_ns = __atomic_load_n(&totals.cow_copy_ns, __ATOMIC_RELAXED);
  out->page_fill_ns = __atomic_load_n(&totals.page_fill_ns, __ATOMIC_RELAXED);
  out->map_fills = __atomic_load_n(&totals.map_fills, __ATOMIC_RELAXED);
  out->map_writebacks = __atomic_load_n(&totals.map_writebacks, __ATOMIC_RELAXED);
}
