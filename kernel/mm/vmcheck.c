/*
 * vmcheck.c: the invariant walker (see vmcheck.h). What a page's count
 * should be:
 *   - a root or level-1 page-table page: 1, its address space's;
 *   - a leaf page table: one per level-1 entry pointing at it (shared leaf
 *     tables have several);
 *   - a user page: one per distinct leaf table mapping it (a shared table
 *     counts once, however many address spaces share it), plus one for the
 *     zero page, which the allocator keeps;
 *   - a page no page table maps: 0 (free) or 1 (a kernel page: a trapframe,
 *     a kernel stack, a pipe), never more.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/ram.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/vmcheck.h"

#define MAX_REPORTED  8      /* problems printed; the rest are only counted */

/*
 * Need check_lock, a sleeplock: the walk is long, and the caller takes
 * every address-space lock after it (proc_vm_check). One entry (or bit)
 * per page of RAM, carved at boot rather than taken from the page
 * allocator: the walker must work when memory is exhausted.
 */
static struct sleeplock check_lock;
static uint32 *expected;
static uint8 *table_seen;
static int bad_tables;   /* page-table pages found outside RAM */

extern char end[];   /* first byte after the kernel image (kernel.ld) */

static int
managed(uint64 pa)
{
  return pa >= KERNBASE && pa < ram_end() && pa % PGSIZE == 0;
}

static uint64
frame(uint64 pa)
{
  return page_frame((void *)pa);
}

static void
expect_one_more(uint64 pa)
{
  if (managed(pa))
    expected[frame(pa)]++;
}

void
vmcheck_add_ref(uint64 pa)
{
  KASSERT(sleeplock_held(&check_lock));
  expect_one_more(pa);
}

void
vmcheck_init(void)
{
  sleeplock_init(&check_lock, "vmcheck");
  expected = ram_carve(ram_pages() * sizeof(*expected));
  table_seen = ram_carve(ram_bitmap_bytes());
}

void
vmcheck_begin(void)
{
  sleeplock_acquire(&check_lock);
  bad_tables = 0;
  memset(expected, 0, ram_pages() * sizeof(*expected));
  memset(table_seen, 0, ram_bitmap_bytes());
}

/* Is pa a page of RAM a page table may live in? Reports it once if not. */
static int
table_in_ram(uint64 pa)
{
  if (managed(pa))
    return 1;
  if (bad_tables++ < MAX_REPORTED)
    kprintf("vmcheck: a page table at %p is not a page of RAM\n", (void *)pa);
  return 0;
}

/* The leaf table at pa: its own reference, and (the first time it is seen) its pages'. */
static void
add_leaf_table(uint64 pa)
{
  KASSERT(sleeplock_held(&check_lock));
  if (!table_in_ram(pa))
    return;
  expect_one_more(pa);
  uint64 f = frame(pa);
  if (table_seen[f / 8] & (1 << (f % 8)))
    return;
  table_seen[f / 8] |= 1 << (f % 8);
  pagetable_t leaf = (pagetable_t)pa;
  for (int i = 0; i <= PXMASK; i++) {
    pte_t pte = leaf[i];
    if ((pte & PTE_V) && (pte & PTE_U))   /* trapframe and trampoline are not counted mappings */
      expect_one_more(PTE2PA(pte));
  }
}

void
vmcheck_add(pagetable_t root)
{
  KASSERT(sleeplock_held(&check_lock));
  if (!table_in_ram((uint64)root))
    return;
  expect_one_more((uint64)root);
  for (int top = 0; top <= PXMASK; top++) {
    pte_t entry = root[top];
    if ((entry & PTE_V) == 0 || !table_in_ram(PTE2PA(entry)))
      continue;
    pagetable_t middle = (pagetable_t)PTE2PA(entry);
    expect_one_more((uint64)middle);
    for (int mid = 0; mid <= PXMASK; mid++) {
      pte_t dir = middle[mid];
      if (dir & PTE_V)
        add_leaf_table(PTE2PA(dir));
    }
  }
}

int
vmcheck_end(void)
{
  KASSERT(sleeplock_held(&check_lock));
  int problems = bad_tables;
  uint64 zero = (uint64)page_zero();
  expected[frame(zero)]++;                           /* the allocator's own reference */
  for (uint64 pa = PGROUNDUP((uint64)end); pa < ram_end(); pa += PGSIZE) {
    uint32 want = expected[frame(pa)];
    uint32 have = page_refcount((void *)pa);
    int bad = want > 0 ? have != want : have > 1;
    if (bad && problems++ < MAX_REPORTED)
      kprintf("vmcheck: page %p has %u references, the page tables account for %u\n",
              (void *)pa, have, want);
  }
  problems += page_check_free_list(MAX_REPORTED - MIN(problems, MAX_REPORTED));
  sleeplock_release(&check_lock);
  return problems;
}
