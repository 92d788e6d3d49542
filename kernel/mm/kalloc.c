/*
 * kalloc.c: physical page allocator: a free list of whole pages plus the
 * reference table. Freed pages are filled with a junk byte so that a use
 * after free shows up as garbage rather than as plausible old data.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/sync/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/ram.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pageref.h"
#include "kernel/proc/proc.h"

#define JUNK_BYTE   0x5a

struct free_page {
  struct free_page *next;
};

static struct {
  struct spinlock lock;
  struct free_page *head;   /* needs lock */
  uint64 nfree;             /* needs lock */
  uint64 ntotal;            /* set once at start-up */
  uint64 first;             /* the lowest managed page; set once at start-up */
} pool;

/* One count per page of RAM (ram_pages()), carved at start-up. */
static struct pageref_table refs;

/* Pages seen on the free list by page_check_free_list: one bit per page of RAM. Needs pool.lock. */
static uint8 *on_free_list;

/*
 * The one page of zeros that lazy heap pages map on a first read. Its count
 * is one more than its mappings: the allocator's own reference is never
 * dropped, so the page is never freed, and a write to it always finds a
 * second reference and copies (fault.c). Set once at start-up.
 */
static void *zero_page;

/* Caller holds no lock; the page has no reference left. */
static void
pool_put(void *pa)
{
  struct free_page *fp = pa;
  memset(pa, JUNK_BYTE, PGSIZE);
  spin_lock(&pool.lock);
  fp->next = pool.head;
  pool.head = fp;
  pool.nfree++;
  spin_unlock(&pool.lock);
}

void
page_allocator_init(void)
{
  spin_init(&pool.lock, "page pool");
  pageref_init(&refs, KERNBASE, ram_pages(), ram_carve(ram_pages() * sizeof(uint32)));
  on_free_list = ram_carve(ram_bitmap_bytes());
  pool.first = ram_carve_finish();
  for (uint64 pa = pool.first; pa + PGSIZE <= ram_end(); pa += PGSIZE) {
    pool_put((void *)pa);
    pool.ntotal++;
  }
  zero_page = page_alloc();
  if (zero_page == 0)
    panic("page_allocator_init: no memory for the zero page");
}

void *
page_zero(void)
{
  return zero_page;
}

/*
 * Fault injection for tests (failalloc()): is this the allocation the
 * current process's countdown says must fail? The countdown belongs to the
 * process that armed it (proc.c, proc_fail_countdown), so no other process's
 * allocations ever count. The failure is named on the console with its
 * caller, so a test can map it to a function (kernel/kernel.sym).
 */
static int
injected_failure(void *caller)
{
  int *countdown = proc_fail_countdown();
  if (countdown == 0)
    return 0;
  int left = __atomic_load_n(countdown, __ATOMIC_ACQUIRE);
  while (left > 0) {
    if (__atomic_compare_exchange_n(countdown, &left, left - 1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      if (left != 1)
        return 0;
      kprintf("failalloc: pid %d: page allocation failed on purpose, called from %p\n",
              myproc()->pid, caller);
      return 1;
    }
  }
  return 0;
}

/* A page off the free list, with one reference; caller is who asked (for failalloc's line). */
static void *
take_page(void *caller)
{
  if (injected_failure(caller))
    return 0;
  spin_lock(&pool.lock);
  struct free_page *fp = pool.head;
  if (fp) {
    pool.head = fp->next;
    pool.nfree--;
  }
  spin_unlock(&pool.lock);
  if (fp)
    pageref_claim(&refs, (uint64)fp);
  return fp;
}

void *
page_alloc_nozero(void)
{
  return take_page(__builtin_return_address(0));
}

void *
page_alloc(void)
{
  void *pa = take_page(__builtin_return_address(0));
  if (pa)
    memset(pa, 0, PGSIZE);
  return pa;
}

void
page_free(void *pa)
{
  if ((uint64)pa < pool.first)
    panic("page_free: %p is inside the kernel image or its boot-time tables", pa);
  if (pageref_dec(&refs, (uint64)pa) != 0)
    return;
  if (pa == zero_page)
    panic("page_free: the zero page lost its last reference");
  pool_put(pa);
}

void
page_ref_inc(void *pa)
{
  pageref_inc(&refs, (uint64)pa);
}

int
page_drop_ref(void *pa)
{
  if (pageref_dec(&refs, (uint64)pa) != 0)
    return 0;
  /* No reference is left, and the page is not on the free list: take it back. */
  pageref_claim(&refs, (uint64)pa);
  return 1;
}

uint32
page_refcount(void *pa)
{
  return pageref_get(&refs, (uint64)pa);
}

int
page_check_free_list(int report)
{
  int problems = 0;
  uint64 listed = 0;
  spin_lock(&pool.lock);
  memset(on_free_list, 0, ram_bitmap_bytes());
  for (struct free_page *fp = pool.head; fp != 0; fp = fp->next) {
    uint64 f = ((uint64)fp - KERNBASE) / PGSIZE;
    uint32 owners = pageref_get(&refs, (uint64)fp);
    int twice = on_free_list[f / 8] & (1 << (f % 8));
    on_free_list[f / 8] |= 1 << (f % 8);
    listed++;
    if ((owners != 0 || twice) && problems++ < report)
      kprintf("vmcheck: free page %p %s\n", fp, twice ? "is on the free list twice" : "has references");
    if (twice)
      break;                        /* a cycle: stop walking */
  }
  if (listed != pool.nfree && problems++ < report)
    kprintf("vmcheck: %lu pages on the free list, the count says %lu\n", listed, pool.nfree);
  spin_unlock(&pool.lock);
  return problems;
}

uint64
page_free_count(void)
{
  spin_lock(&pool.lock);
  uint64 n = pool.nfree;
  spin_unlock(&pool.lock);
  return n;
}

uint64
page_total_count(void)
{
  return pool.ntotal;
}
