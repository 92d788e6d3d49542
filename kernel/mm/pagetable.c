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
 * gains a reference) and drop our share of the original. A table with one
 * reference is ours already: only we could share it again, by forking. 0, or
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

/* If a leaf table maps va's 2 MiB in pt, make it pt's own: 0, or -1 when out of memory. */
static int
leaf_table_make_private(pagetable_t pt, uint64 va)
{
  pte_t *dir = pt_dir_entry(pt, va, 0);
  if (dir == 0 || (*dir & PTE_V) == 0)
    return 0;                       /* no table: nothing to make private */
  return leaf_table_open(dir);
}

int
pt_unmap_prepare(pagetable_t pt, uint64 start, uint64 end)
{
  if (start % LEAF_TABLE_SPAN != 0 && leaf_table_make_private(pt, start) != 0)
    return -1;
  if (end % LEAF_TABLE_SPAN != 0 && leaf_table_make_private(pt, end - PGSIZE) != 0)
    return -1;
  return 0;
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
pt_next_dir(pagetable_t pt, uint64 *va, uint64 end)
{
  uint64 a = LEAF_TABLE_BASE(*va);
  end = MIN(end, (uint64)MAXVA);
  while (a < end) {
    pte_t top = pt[PX(2, a)];
    if ((top & PTE_V) == 0) {
      a = (a | (MID_TABLE_SPAN - 1)) + 1;     /* no level-1 table: nothing in its 1 GiB */
      continue;
    }
    if (pte_is_leaf(top))
      panic("pt_next_dir: superpage at va %p", (void *)a);   /* we never make them */
    pte_t *dir = &((pagetable_t)PTE2PA(top))[PX(1, a)];
    if (pte_is_leaf(*dir))
      panic("pt_next_dir: superpage at va %p", (void *)a);
    if (*dir & PTE_V) {
      *va = a;
      return dir;
    }
    a += LEAF_TABLE_SPAN;
  }
  return 0;
}

pte_t *
pt_next_leaf(pagetable_t pt, uint64 *va, uint64 end)
{
  uint64 a = PGROUNDDOWN(*va);
  uint64 base = a;
  for (pte_t *dir; (dir = pt_next_dir(pt, &base, end)) != 0; base += LEAF_TABLE_SPAN) {
    pagetable_t table = (pagetable_t)PTE2PA(*dir);
    for (a = MAX(a, base); a < MIN(end, base + LEAF_TABLE_SPAN); a += PGSIZE)
      if (table[PX(0, a)] & PTE_V) {
        *va = a;
        return &table[PX(0, a)];
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
  /* A table at a time; holes (the guard page, lazy pages never touched) cost nothing. */
  uint64 base = start;
  for (pte_t *dir; (dir = pt_next_dir(pt, &base, end)) != 0; base += LEAF_TABLE_SPAN) {
    pagetable_t table = (pagetable_t)PTE2PA(*dir);
    if (page_refcount(table) > 1) {
      /*
       * A shared leaf table is never changed: drop our share of all of it.
       * Callers make a table their own first when they keep some of its
       * pages (leaf_table_make_private).
       */
      if (!free_pages || !leaf_table_within(table, base, start, end))
        panic("pt_unmap: shared table at va %p maps pages outside the range", (void *)base);
      *dir = 0;
      leaf_table_release(table);
      continue;
    }
    for (uint64 a = MAX(start, base); a < MIN(end, base + LEAF_TABLE_SPAN); a += PGSIZE) {
      pte_t *pte = &table[PX(0, a)];
      if ((*pte & PTE_V) == 0)
        continue;
      if (!pte_is_leaf(*pte))
        panic("pt_unmap: va %p maps a table", (void *)a);
      if (free_pages) {
        fault_ahead_dropped(*pte);
        page_free((void *)PTE2PA(*pte));
      }
      *pte = 0;
    }
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
  /* Give up (-1 from sbrk) with nothing changed if a table cannot be made ours. */
  if (pt_unmap_prepare(pt, from, to) != 0)
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

void
pte_make_cow(pte_t *pte)
{
  if ((*pte & PTE_W) == 0)
    return;                         /* read-only for good (text): shared as it is */
  fault_ahead_dropped(*pte);
  *pte = (*pte & ~(PTE_W | PTE_AHEAD)) | PTE_COW;
}

/*
 * The one build switch, COW (Makefile) = COW_FORK here:
 *   0  eager fork: the child gets a copy of every page (kept to measure against)
 *   1  copy-on-write page by page: fork shares each page, walking every PTE
 *   2  copy-on-write with shared leaf tables (the default): fork shares each
 *      leaf page table, so its cost does not grow with the process
 */

/*
 * Give the child page va, as the build says: shared copy-on-write (COW_FORK
 * 1 and 2: the pages the shared tables do not cover), or copied now (0:
 * eager fork, kept for side-by-side measurements).
 */
static int
fork_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
  uint64 pa = PTE2PA(*parent_pte);
  if (COW_FORK) {
    pte_make_cow(parent_pte);
    page_ref_inc((void *)pa);
  } else {
    void *copy = page_alloc_nozero();
    if (copy == 0)
      return -1;
    memmove(copy, (void *)pa, PGSIZE);
    pa = (uint64)copy;
  }
  if (pt_map(child, va, PGSIZE, pa, PTE_FLAGS(*parent_pte) & ~PTE_V) != 0) {
    page_free((void *)pa);
    return -1;
  }
  return 0;
}

/* Every page in the table becomes copy-on-write (pte_make_cow). */
static void
leaf_table_protect(pagetable_t table)
{
  for (int i = 0; i <= PXMASK; i++)
    if (table[i] & PTE_V)
      pte_make_cow(&table[i]);
}

/*
 * Share with the child the leaf tables that map anything in [start, end):
 * its level-1 entries point at the parent's tables, each of which gains a
 * reference. The first fork of a table write-protects its entries and marks the
 * parent's entry PTE_TABLE_PROTECTED; later forks just take a reference,
 * until a change makes one of its pages writable again (pt_walk clears the
 * mark). So fork costs one step per 2 MiB that holds anything, not per page.
 */
int
uvm_fork_tables(pagetable_t parent, pagetable_t child, uint64 start, uint64 end)
{
  KASSERT(end <= USER_TOP_TABLE);             /* each space maps its own top table */
  uint64 va = start;
  for (pte_t *from; (from = pt_next_dir(parent, &va, end)) != 0; va += LEAF_TABLE_SPAN) {
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

/*
 * Fork shares whole leaf tables where it can (uvm_fork_tables), and the
 * pages of the top table one by one (a heap grown that far).
 *
 * No TLB flush, although the parent's PTEs lose PTE_W: this runs under
 * the kernel page table, the trampoline flushes the whole TLB on every switch
 * to a user table, and a process runs on one hart at a time, so no hart can
 * reach the parent's pages through a stale writable translation.
 * ASSUMPTION: adding ASIDs (no flush on switch) or threads (one address space
 * on several harts) breaks this: the parent's translations must then be shot
 * down here, on every hart that may hold them. Same for the fault steps.
 */
int
uvm_fork(pagetable_t parent, pagetable_t child, uint64 sz)
{
  uint64 va = 0;
  pte_t *pte;
  if (FORK_SHARES_TABLES) {
    va = MIN(LEAF_TABLE_BASE(sz + LEAF_TABLE_SPAN - 1), USER_TOP_TABLE);
    if (uvm_fork_tables(parent, child, 0, va) != 0)
      return -1;
  }
  /* Holes (the guard page, untouched lazy heap) stay holes in both. */
  for (; (pte = pt_next_leaf(parent, &va, sz)) != 0; va += PGSIZE)
    if (fork_page(pte, child, va) != 0)
      return -1;
  return 0;
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
