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

static int
pte_is_leaf(pte_t pte)
{
  return (pte & PTE_V) && (pte & PTE_PERM_BITS);
}

pte_t *
pt_walk(pagetable_t pt, uint64 va, int alloc)
{
  if (va >= MAXVA)
    return 0;
  for (int level = PT_LEVELS - 1; level > 0; level--) {
    pte_t *pte = &pt[PX(level, va)];
    if (*pte & PTE_V) {
      if (pte_is_leaf(*pte))
        panic("pt_walk: superpage at va %p", (void *)va);   /* we never make them */
      pt = (pagetable_t)PTE2PA(*pte);
      continue;
    }
    if (!alloc || (pt = page_alloc()) == 0)
      return 0;
    *pte = PA2PTE(pt) | PTE_V;
  }
  return &pt[PX(0, va)];
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

void
pt_unmap(pagetable_t pt, uint64 va, uint64 npages, int free_pages)
{
  for (uint64 i = 0; i < npages; i++, va += PGSIZE) {
    pte_t *pte = pt_walk(pt, va, 0);
    if (pte == 0 || (*pte & PTE_V) == 0)
      continue;                     /* a hole: guard page, or never touched */
    if (!pte_is_leaf(*pte))
      panic("pt_unmap: va %p maps a table", (void *)va);
    if (free_pages)
      page_free((void *)PTE2PA(*pte));
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
  kvm_map(kernel_pagetable, (uint64)etext, (uint64)etext, PHYSTOP - (uint64)etext, PTE_R | PTE_W);
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

uint64
uvm_dealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if (newsz >= oldsz)
    return oldsz;
  uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
  pt_unmap(pt, from, (to - from) / PGSIZE, 1);
  return newsz;
}

void
uvm_free(pagetable_t pt, uint64 sz)
{
  pt_unmap(pt, 0, PGROUNDUP(sz) / PGSIZE, 1);
  pt_free_tables(pt);
}

#if COW_FORK
/*
 * Share one page with the child. A writable page turns read-only and
 * copy-on-write in both address spaces; a read-only page (text) is shared
 * as it is and stays read-only for good.
 */
static int
fork_share_page(pte_t *parent_pte, pagetable_t child, uint64 va)
{
  if (*parent_pte & PTE_W)
    *parent_pte = (*parent_pte & ~PTE_W) | PTE_COW;
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
int
uvm_fork_copy(pagetable_t parent, pagetable_t child, uint64 sz)
{
  uint64 va;
  for (va = 0; va < sz; va += PGSIZE) {
    pte_t *pte = pt_walk(parent, va, 0);
    if (pte == 0 || (*pte & PTE_V) == 0)
      continue;                       /* holes stay holes */
    if (fork_share_page(pte, child, va) != 0)
      goto fail;
  }
  return 0;
fail:
  pt_unmap(child, 0, va / PGSIZE, 1);
  return -1;
}

void
uvm_count(pagetable_t pt, uint64 sz, uint64 *resident, uint64 *shared)
{
  *resident = *shared = 0;
  for (uint64 va = 0; va < sz; va += PGSIZE) {
    uint64 pa = pt_user_pa(pt, va);
    if (pa == 0)
      continue;
    (*resident)++;
    if (page_refcount((void *)pa) > 1)
      (*shared)++;
  }
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
