/*
 * pagetable.c: Sv39 page tables (RISC-V privileged spec, section 4.4), the
 * kernel's address space, and the pieces of user address spaces: growth,
 * release, fork's sharing, and the checked copies in and out.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/vmstat.h"
#include "kernel/mm/ram.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/fault.h"
#include "kernel/mm/pagetable.h"

#define PT_LEVELS      3
#define PTE_PERM_BITS  (PTE_R | PTE_W | PTE_X)   /* a valid PTE with none of these points to a table */
#define PLIC_SIZE      0x400000
#define MMIO_PAGE      PGSIZE

extern char etext[];        /* end of kernel text (kernel.ld) */
extern char _trampoline[];  /* the trampoline page (trampoline.S) */

pagetable_t kernel_pagetable;

static HOT_INLINE int
pte_is_leaf(pte_t pte)
{
  return (pte & PTE_V) && (pte & PTE_PERM_BITS);
}


/*
 * The level-1 entry that points at (or would point at) the leaf table for
 * va; the level-1 table is made when alloc. 0 if absent, or out of memory.
 */
static pte_t *
pt_dir_entry(pagetable_t pt, uint64 va, int alloc)
{
  pte_t *top = &pt[PX(2, va)];
  if ((*top & PTE_V) == 0) {
    pagetable_t table;
    if (!alloc || (table = page_alloc()) == 0)
      return 0;
    *top = PA2PTE(table) | PTE_V;
  } else if (pte_is_leaf(*top)) {
    panic("pt_dir_entry: superpage at va %p", (void *)va);   /* we never make them */
  }
  pte_t *dir = &((pagetable_t)PTE2PA(*top))[PX(1, va)];
  if (pte_is_leaf(*dir))
    panic("pt_dir_entry: superpage at va %p", (void *)va);
  return dir;
}

/*
 * Drop this address space's reference to a leaf table. The last reference
 * releases the pages the table maps (one reference each) and the table.
 * Safe on many harts: exactly one releaser sees the last reference, and a
 * shared table is never changed, so its entries are still what it shared.
 */
static void
leaf_table_release(pagetable_t table)
{
  if (!page_drop_ref(table))
    return;
  for (int i = 0; i <= PXMASK; i++)
    if (table[i] & PTE_V) {
      fault_ahead_dropped(table[i]);
      page_free((void *)PTE2PA(table[i]));
    }
  page_free(table);
}

/*
 * Make the leaf table behind *dir this address space's own, so that its
 * entries may change: if others share it, give us a copy (each page it maps
 * gains an owner) and drop our share of the original. A table with one
 * owner is ours already: only we could share it again, by forking. 0, or
 * -1 when out of memory (nothing changed).
 */
static int
leaf_table_own(pte_t *dir)
{
  pagetable_t shared = (pagetable_t)PTE2PA(*dir);
  if (page_refcount(shared) == 1)
    return 0;
  pagetable_t copy = page_alloc_nozero();
  if (copy == 0)
    return -1;
  for (int i = 0; i <= PXMASK; i++) {
    copy[i] = shared[i];
    if (copy[i] & PTE_V)
      page_ref_inc((void *)PTE2PA(copy[i]));
  }
  *dir = PA2PTE(copy) | PTE_FLAGS(*dir);
  leaf_table_release(shared);
  return 0;
}

/* leaf_table_own, and the table is open to change: a caller may make an entry writable. */
static int
leaf_table_open(pte_t *dir)
{
  if (leaf_table_own(dir) != 0)
    return -1;
  *dir &= ~PTE_TABLE_PROTECTED;
  return 0;
}

int
leaf_table_make_private(pagetable_t pt, uint64 va)
{
  pte_t *dir = pt_dir_entry(pt, va, 0);
  if (dir == 0 || (*dir & PTE_V) == 0)
    return 0;                       /* no table: nothing to make private */
  return leaf_table_open(dir);
}

pte_t *
pt_walk(pagetable_t pt, uint64 va, int modify)
{
  if (va >= MAXVA)
    return 0;
  pte_t *dir = pt_dir_entry(pt, va, modify);
  if (dir == 0)
    return 0;
  if ((*dir & PTE_V) == 0) {
    pagetable_t table;
    if (!modify || (table = page_alloc()) == 0)
      return 0;
    *dir = PA2PTE(table) | PTE_V;
  } else if (modify && leaf_table_open(dir) != 0) {
    return 0;
  }
  return &((pagetable_t)PTE2PA(*dir))[PX(0, va)];
}

int
pt_map(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  if (va % PGSIZE || size % PGSIZE || size == 0)
    panic("pt_map: unaligned va %p size %p", (void *)va, (void *)size);
  for (uint64 off = 0; off < size; off += PGSIZE) {
    pte_t *pte = pt_walk(pt, va + off, 1);
    if (pte == 0)
      return -1;
    if (*pte & PTE_V)
      panic("pt_map: va %p already mapped", (void *)(va + off));
    /*
     * A and D set from the start: harts that leave them to software (Svade)
     * would otherwise fault on every first access, and we do not page out.
     */
    *pte = PA2PTE(pa + off) | perm | PTE_A | PTE_D | PTE_V;
  }
  return 0;
}

pte_t *
pt_next_leaf(pagetable_t pt, uint64 *va, uint64 end)
{
  uint64 a = PGROUNDDOWN(*va);
  end = MIN(end, (uint64)MAXVA);
  while (a < end) {
    pagetable_t table = pt;
    int level;
    for (level = PT_LEVELS - 1; level > 0; level--) {
      pte_t entry = table[PX(level, a)];
      if ((entry & PTE_V) == 0)
        break;
      if (pte_is_leaf(entry))
        panic("pt_next_leaf: superpage at va %p", (void *)a);   /* we never make them */
      table = (pagetable_t)PTE2PA(entry);
    }
    if (level > 0) {
      /* No table here: nothing is mapped in the span this entry would cover. */
      a = (a | ((1UL << PXSHIFT(level)) - 1)) + 1;
      continue;
    }
    for (uint64 i = PX(0, a); i <= PXMASK && a < end; i++, a += PGSIZE)
      if (table[i] & PTE_V) {
        *va = a;
        return &table[i];
      }
  }
  return 0;
}

/* Does every page the leaf table maps (its first entry maps base) lie in [start, end)? */
static int
leaf_table_within(pagetable_t table, uint64 base, uint64 start, uint64 end)
{
  if (base >= start && base + LEAF_TABLE_SPAN <= end)
    return 1;                     /* the whole span: exit's case, no need to look */
  for (int i = 0; i <= PXMASK; i++) {
    uint64 va = base + (uint64)i * PGSIZE;
    if ((table[i] & PTE_V) && (va < start || va >= end))
      return 0;
  }
  return 1;
}

void
pt_unmap(pagetable_t pt, uint64 va, uint64 npages, int free_pages)
{
  uint64 start = va, end = va + npages * PGSIZE;
  pte_t *pte;
  /* Holes (the guard page, lazy pages never touched) are skipped, whole tables at a time. */
  for (; (pte = pt_next_leaf(pt, &va, end)) != 0; va += PGSIZE) {
    if (!pte_is_leaf(*pte))
      panic("pt_unmap: va %p maps a table", (void *)va);
    pagetable_t table = (pagetable_t)PGROUNDDOWN((uint64)pte);
    if (page_refcount(table) > 1) {
      /*
       * A shared leaf table is never changed: drop our share of all of it.
       * Callers own a table first when it maps pages they keep (uvm_dealloc).
       */
      uint64 base = va & ~(LEAF_TABLE_SPAN - 1);
      if (!free_pages || !leaf_table_within(table, base, start, end))
        panic("pt_unmap: shared table at va %p maps pages outside the range", (void *)base);
      *pt_dir_entry(pt, va, 0) = 0;
      leaf_table_release(table);
      va = base + LEAF_TABLE_SPAN - PGSIZE;
      continue;
    }
    if (free_pages) {
      fault_ahead_dropped(*pte);
      page_free((void *)PTE2PA(*pte));
    }
    *pte = 0;
  }
}

uint64
pt_user_pa(pagetable_t pt, uint64 va)
{
  pte_t *pte = pt_walk(pt, va, 0);
  if (pte == 0 || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
    return 0;
  return PTE2PA(*pte);
}

/* Free the table pages themselves; every leaf must already be unmapped. */
static void
pt_free_tables(pagetable_t pt)
{
  for (int i = 0; i < (int)(PGSIZE / sizeof(pte_t)); i++) {
    pte_t pte = pt[i];
    if ((pte & PTE_V) == 0)
      continue;
    if (pte_is_leaf(pte))
      panic("pt_free_tables: leaf still mapped");
    pt_free_tables((pagetable_t)PTE2PA(pte));
    pt[i] = 0;
  }
  page_free(pt);
}

/* ---- the kernel's address space ---- */

/*
 * Boot only, before this hart turns paging on: a mapping added later would
 * need an sfence.vma on every hart that might have cached its absence.
 * kvm_init_hart() flushes as it turns paging on, so everything mapped by
 * then is visible to every hart. Asserted, so a later caller cannot forget.
 */
void
kvm_map(pagetable_t kpt, uint64 va, uint64 pa, uint64 size, int perm)
{
  KASSERT(csr_read(satp) == 0);
  if (pt_map(kpt, va, size, pa, perm) != 0)
    panic("kvm_map: out of memory at boot");
}

void
kvm_init(void)
{
  kernel_pagetable = page_alloc();
  if (kernel_pagetable == 0)
    panic("kvm_init: no memory");
  kvm_map(kernel_pagetable, UART0, UART0, MMIO_PAGE, PTE_R | PTE_W);
  kvm_map(kernel_pagetable, VIRTIO0, VIRTIO0, MMIO_PAGE, PTE_R | PTE_W);
  kvm_map(kernel_pagetable, PLIC, PLIC, PLIC_SIZE, PTE_R | PTE_W);
  kvm_map(kernel_pagetable, KERNBASE, KERNBASE, (uint64)etext - KERNBASE, PTE_R | PTE_X);
  kvm_map(kernel_pagetable, (uint64)etext, (uint64)etext, ram_end() - (uint64)etext, PTE_R | PTE_W);
  kvm_map(kernel_pagetable, TRAMPOLINE, (uint64)_trampoline, PGSIZE, PTE_R | PTE_X);
}

void
kvm_init_hart(void)
{
  tlb_flush_all();   /* earlier writes to page tables must be visible to the walker */
  csr_write(satp, MAKE_SATP(kernel_pagetable));
  tlb_flush_all();
}

/* ---- user address spaces ---- */

pagetable_t
uvm_create(void)
{
  return page_alloc();
}

uint64
uvm_alloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm)
{
  if (newsz < oldsz)
    return oldsz;
  for (uint64 va = PGROUNDUP(oldsz); va < newsz; va += PGSIZE) {
    void *page = page_alloc();
    if (page == 0)
      goto fail;
    if (pt_map(pt, va, PGSIZE, (uint64)page, PTE_R | PTE_U | xperm) != 0) {
      page_free(page);
      goto fail;
    }
  }
  return newsz;
fail:
  uvm_dealloc(pt, newsz, oldsz);
  return 0;
}

static int
table_is_empty(pagetable_t table)
{
  for (int i = 0; i <= PXMASK; i++)
    if (table[i] & PTE_V)
      return 0;
  return 1;
}

/*
 * Free the page-table pages below table (a table of the given level, whose
 * first entry maps address base) that serve [from, to) and map nothing any
 * more. Keeps a shrunk lazy heap from holding on to the tables its touched
 * pages needed: sbrk(-n) gives back every page that sbrk(n) took.
 */
static void
pt_prune(pagetable_t table, int level, uint64 base, uint64 from, uint64 to)
{
  uint64 span = 1UL << PXSHIFT(level);
  uint64 first = from > base ? (from - base) / span : 0;
  for (uint64 i = first; i <= PXMASK && base + i * span < to; i++) {
    pte_t entry = table[i];
    if ((entry & PTE_V) == 0 || pte_is_leaf(entry))
      continue;
    pagetable_t below = (pagetable_t)PTE2PA(entry);
    if (level > 1)
      pt_prune(below, level - 1, base + i * span, from, to);
    if (table_is_empty(below)) {
      table[i] = 0;
      page_free(below);
    }
  }
}

uint64
uvm_dealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if (newsz >= oldsz)
    return oldsz;
  uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
  /*
   * The leaf table holding `from` may keep pages below it: if it is shared,
   * it must become ours before it changes. That takes a page, so do it
   * first, and give up (-1 from sbrk) with nothing changed if there is none.
   */
  if (from % LEAF_TABLE_SPAN != 0 && leaf_table_make_private(pt, from) != 0)
    return oldsz;
  pt_unmap(pt, from, (to - from) / PGSIZE, 1);
  pt_prune(pt, PT_LEVELS - 1, 0, from, to);
  return newsz;
}

void
uvm_free(pagetable_t pt)
{
  pt_unmap(pt, 0, MAXVA / PGSIZE, 1);   /* heap and mappings: holes are skipped a table at a time */
  pt_free_tables(pt);
}

/*
 * The one build switch, COW (Makefile) = COW_FORK here:
 *   0  eager fork: the child gets a copy of every page (kept to measure against)
 *   1  copy-on-write page by page: fork shares each page, walking every PTE
 *   2  copy-on-write with shared leaf tables (the default): fork shares each
 *      leaf page table, so its cost does not grow with the process
 */
#if COW_FORK
/*
 * Share one page with the child. A writable page turns read-only and
 * copy-on-write in both address spaces; a read-only page (text) is shared
 * as it is and stays read-only for good.
 */
static int
fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
  fault_ahead_dropped(*parent_pte);
  if (*parent_pte & PTE_W)
    *parent_pte = (*parent_pte & ~(PTE_W | PTE_AHEAD)) | PTE_COW;
  uint64 pa = PTE2PA(*parent_pte);
  if (pt_map(child, va, PGSIZE, pa, PTE_FLAGS(*parent_pte) & ~PTE_V) != 0)
    return -1;
  page_ref_inc((void *)pa);
  return 0;
}
#else
/* Eager fork, kept for side-by-side measurements: the child gets its own copy now. */
static int
fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
  void *copy = page_alloc_nozero();
  if (copy == 0)
    return -1;
  memmove(copy, (void *)PTE2PA(*parent_pte), PGSIZE);
  if (pt_map(child, va, PGSIZE, (uint64)copy, PTE_FLAGS(*parent_pte) & ~PTE_V) != 0) {
    page_free(copy);
    return -1;
  }
  return 0;
}
#endif

/*
 * No TLB flush here, although the parent's PTEs lost PTE_W: this runs under
 * the kernel page table, the trampoline flushes the whole TLB on every switch
 * to a user table, and a process runs on one hart at a time, so no hart can
 * reach the parent's pages through a stale writable translation.
 * ASSUMPTION: adding ASIDs (no flush on switch) or threads (one address space
 * on several harts) breaks this: the parent's translations must then be shot
 * down here, on every hart that may hold them. Same for the fault steps.
 */
/* Every leaf in the table loses PTE_W and becomes copy-on-write; text is left as it is. */
static void
leaf_table_protect(pagetable_t table)
{
  for (int i = 0; i <= PXMASK; i++)
    if ((table[i] & PTE_V) && (table[i] & PTE_W)) {
      fault_ahead_dropped(table[i]);
      table[i] = (table[i] & ~(PTE_W | PTE_AHEAD)) | PTE_COW;
    }
}

/*
 * Share with the child the leaf tables that map anything in [start, end):
 * its level-1 entries point at the parent's tables, each of which gains an
 * owner. The first fork of a table write-protects its entries and marks the
 * parent's entry PTE_TABLE_PROTECTED; later forks just take a reference,
 * until a change makes one of its pages writable again (pt_walk clears the
 * mark). So fork costs one step per 2 MiB that holds anything, not per page.
 */
int
uvm_fork_tables(pagetable_t parent, pagetable_t child, uint64 start, uint64 end)
{
  KASSERT(end <= USER_TOP_TABLE);             /* each space maps its own top table */
  for (uint64 va = start & ~(LEAF_TABLE_SPAN - 1); va < end; va += LEAF_TABLE_SPAN) {
    pte_t *from = pt_dir_entry(parent, va, 0);
    if (from == 0) {
      va = (va | ((1UL << PXSHIFT(2)) - 1)) + 1 - LEAF_TABLE_SPAN;   /* no level-1 table: skip 1 GiB */
      continue;
    }
    if ((*from & PTE_V) == 0)
      continue;
    pte_t *to = pt_dir_entry(child, va, 1);
    if (to == 0)
      return -1;
    if (*to & PTE_V)
      continue;                               /* shared already, with the range below */
    if ((*from & PTE_TABLE_PROTECTED) == 0) {
      leaf_table_protect((pagetable_t)PTE2PA(*from));
      *from |= PTE_TABLE_PROTECTED;
    }
    page_ref_inc((void *)PTE2PA(*from));
    *to = *from;
  }
  return 0;
}

int
uvm_fork_copy(pagetable_t parent, pagetable_t child, uint64 sz)
{
  uint64 va = 0;
  pte_t *pte;
  if (FORK_SHARES_TABLES) {
    /*
     * Whole leaf tables, except the top one: the user pages it could hold
     * (a heap grown that far) are shared one by one below.
     */
    va = MIN((sz + LEAF_TABLE_SPAN - 1) & ~(LEAF_TABLE_SPAN - 1), USER_TOP_TABLE);
    if (uvm_fork_tables(parent, child, 0, va) != 0)
      return -1;
  }
  /* Holes (the guard page, untouched lazy heap) stay holes in both. */
  for (; (pte = pt_next_leaf(parent, &va, sz)) != 0; va += PGSIZE)
    if (fork_share_page(pte, child, va) != 0)
      return -1;
  return 0;
}

/* ---- reading an address space for observers (vmstat, vmmap, ^P) ---- */
/*
 * Callers hold the address space's lock (proc.h, vm_lock), so no entry
 * changes while they read it; each PTE is still read once, into a local,
 * and every decision about it is made on that one value.
 */

/*
 * The address spaces that map the page pte maps through leaf table
 * `table`: a page counts one owner per leaf table mapping it, and the leaf
 * table may itself be shared by several address spaces.
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
  return (pte & (PTE_V | PTE_U)) == (PTE_V | PTE_U) && PTE2PA(pte) != (uint64)page_zero();
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

/*
 * The next leaf table serving an address in [*va, end), with *va moved to
 * the first address it maps; 0 if none. Missing level-1 tables are skipped
 * whole.
 */
static pagetable_t
pt_next_leaf_table(pagetable_t pt, uint64 *va, uint64 end)
{
  uint64 a = *va & ~(LEAF_TABLE_SPAN - 1);
  end = MIN(end, (uint64)MAXVA);
  while (a < end) {
    pte_t top = pt[PX(2, a)];
    if ((top & PTE_V) == 0) {
      a = (a | ((1UL << PXSHIFT(2)) - 1)) + 1;
      continue;
    }
    if (pte_is_leaf(top))
      panic("pt_next_leaf_table: superpage at va %p", (void *)a);   /* we never make them */
    pte_t dir = ((pagetable_t)PTE2PA(top))[PX(1, a)];
    if (pte_is_leaf(dir))
      panic("pt_next_leaf_table: superpage at va %p", (void *)a);
    if (dir & PTE_V) {
      *va = a;
      return (pagetable_t)PTE2PA(dir);
    }
    a += LEAF_TABLE_SPAN;
  }
  return 0;
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
  pagetable_t table;
  uint64 zero = (uint64)page_zero();
  for (uint64 va = 0; (table = pt_next_leaf_table(pt, &va, sz)) != 0; va += LEAF_TABLE_SPAN) {
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
  if (PTE2PA(pte) == (uint64)page_zero())
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

/* ---- checked copies between kernel and user memory ---- */

/*
 * Move len bytes between kernel buffer kbuf and user address uva, a page at
 * a time. Each page is first made ready for the access by fault_resolve(),
 * exactly as a CPU access would be: that is where copy-on-write pages get
 * copied before the kernel writes to them. 0, or -1 at the first bad page.
 */
static int
user_copy(pagetable_t pt, uint64 uva, char *kbuf, uint64 len, enum fault_access access)
{
  while (len > 0) {
    uint64 page_va = PGROUNDDOWN(uva);
    uint64 pa;
    if (fault_resolve(pt, page_va, access, &pa) != FAULT_RESOLVED)
      return -1;
    char *user = (char *)pa + (uva - page_va);
    uint64 n = MIN(PGSIZE - (uva - page_va), len);
    if (access == FAULT_WRITE)
      memmove(user, kbuf, n);
    else
      memmove(kbuf, user, n);
    len -= n;
    kbuf += n;
    uva += n;
  }
  return 0;
}

uint64
user_prepare(pagetable_t pt, uint64 uva, uint64 len, enum fault_access access)
{
  uint64 ready = 0;
  while (ready < len) {
    uint64 page_va = PGROUNDDOWN(uva + ready);
    if (fault_resolve(pt, page_va, access, 0) != FAULT_RESOLVED)
      break;
    ready = MIN(page_va + PGSIZE - uva, len);
  }
  return ready;
}

int
copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
  return user_copy(pt, dstva, (char *)src, len, FAULT_WRITE);
}

int
copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  return user_copy(pt, srcva, dst, len, FAULT_READ);
}

int
copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  while (max > 0) {
    uint64 page_va = PGROUNDDOWN(srcva);
    uint64 pa;
    if (fault_resolve(pt, page_va, FAULT_READ, &pa) != FAULT_RESOLVED)
      return -1;
    const char *p = (const char *)(pa + (srcva - page_va));
    uint64 n = MIN(PGSIZE - (srcva - page_va), max);
    for (uint64 i = 0; i < n; i++) {
      *dst++ = p[i];
      if (p[i] == 0)
        return 0;
    }
    max -= n;
    srcva += n;
  }
  return -1;   /* no NUL within max bytes */
}
