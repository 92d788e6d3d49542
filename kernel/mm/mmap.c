/*
 * mmap.c: mappings of files and anonymous memory (see mmap.h): placing them,
 * the system calls, fork, and writing shared pages back when they go.
 *
 * The mapping area lies between the heap's limit and the topmost leaf page
 * table (USER_TOP_TABLE), which holds only each process's own trapframe and
 * trampoline: so every leaf table that maps a mapping's pages can be shared
 * by fork, as the heap's are, and fork stays flat however much is mapped.
 * New mappings are placed top down, each in the highest gap that fits; sbrk
 * may not grow the heap past the lowest one (mmap_heap_limit).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/file.h"
#include "kernel/fs/log.h"
#include "kernel/fs/sysfile.h"
#include "kernel/trap/syscall.h"
#include "kernel/vmstat.h"
#include "kernel/mm/mapcache.h"
#include "kernel/mm/mmap.h"

#define MMAP_TOP    USER_TOP_TABLE         /* fork shares every leaf table below it */
#define HEAP_GAP    PGSIZE                 /* at least this much unmapped between heap and mappings */
#define PROT_ALL    (PROT_READ | PROT_WRITE | PROT_EXEC)
#define MAP_KNOWN   (MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS)

static int
is_shared_file(const struct vma *v)
{
  return (v->flags & MAP_SHARED) && v->file != 0;
}

struct vma *
mmap_find(struct proc *p, uint64 va)
{
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++)
    if (v->end != 0 && va >= v->start && va < v->end)
      return v;
  return 0;
}

uint64
mmap_heap_limit(struct proc *p)
{
  uint64 limit = TRAPFRAME;              /* xv6's limit, when nothing is mapped */
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++)
    if (v->end != 0)
      limit = MIN(limit, v->start - HEAP_GAP);
  return limit;
}

void
mmap_prepare(uint64 uva, uint64 len, enum fault_access access)
{
  struct proc *p = myproc();
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++) {
    if (v->end == 0 || v->file == 0 || len == 0 || v->end <= uva || uva + len <= v->start)
      continue;
    uint64 lo = MAX(uva, v->start), hi = MIN(uva + len, v->end);
    user_prepare(p->pagetable, lo, hi - lo, access);
  }
}

int
mmap_pte_perm(const struct vma *v)
{
  return PTE_U | (v->prot & PROT_READ ? PTE_R : 0) | (v->prot & PROT_WRITE ? PTE_W : 0) |
         (v->prot & PROT_EXEC ? PTE_X : 0);
}

void *
mmap_page(struct vma *v, uint64 va)
{
  uint64 off = v->offset + (va - v->start);
  if (v->obj)
    return mapobj_page(v->obj, off / PGSIZE);
  void *page = page_alloc();
  if (page == 0 || v->file == 0)
    return page;                          /* anonymous: the zeroed page is the content */
  struct inode *ip = v->file->ip;
  if (mapcache_copy_file_page(ip, off / PGSIZE, page))
    return page;                          /* a shared mapping's page: newer than the disk */
  inode_lock(ip);
  if (off < ip->size)                     /* past the end of the file: zeros */
    inode_read(ip, 0, (uint64)page, (uint)off, MIN((uint64)PGSIZE, ip->size - off));
  inode_unlock(ip);
  return page;
}

/* Does no mapping of p overlap [start, end)? */
static int
range_free(struct proc *p, uint64 start, uint64 end)
{
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++)
    if (v->end != 0 && v->start < end && start < v->end)
      return 0;
  return 1;
}

/*
 * The highest page-aligned start of len free bytes in p's mapping area, or
 * 0. The highest gap's top is the area's top or some mapping's start: try
 * ending there, and keep the highest start that overlaps nothing.
 */
static uint64
place(struct proc *p, uint64 len)
{
  uint64 lowest = PGROUNDUP(p->sz) + HEAP_GAP;
  uint64 best = 0;
  for (int i = -1; i < NVMA; i++) {
    if (i >= 0 && p->vmas[i].end == 0)
      continue;
    uint64 top = i < 0 ? MMAP_TOP : p->vmas[i].start;
    if (top < lowest + len)
      continue;
    if (top - len > best && range_free(p, top - len, top))
      best = top - len;
  }
  return best;
}

static struct vma *
free_slot(struct proc *p)
{
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++)
    if (v->end == 0)
      return v;
  return 0;
}

/* Is f a regular file, open the way prot and flags need? */
static int
file_allows(struct file *f, int prot, int flags)
{
  if (f->type != FD_INODE || !f->readable)   /* every file mapping reads the file */
    return 0;
  if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !f->writable)
    return 0;
  inode_lock(f->ip);
  int regular = f->ip->type == T_FILE;
  inode_unlock(f->ip);
  return regular;
}

/*
 * mmap(addr, len, prot, flags, fd, offset): addr is only a hint, and the
 * kernel picks the place. Returns the mapping's address, or -1 (MAP_FAILED).
 */
uint64
sys_mmap(void)
{
  uint64 len = arg_addr(1);
  int prot = arg_int(2), flags = arg_int(3);
  uint64 offset = arg_addr(5);
  struct proc *p = myproc();

  int sharing = flags & (MAP_SHARED | MAP_PRIVATE);
  if (len == 0 || len > MMAP_TOP || (prot & ~PROT_ALL) || (flags & ~MAP_KNOWN) ||
      (sharing != MAP_SHARED && sharing != MAP_PRIVATE) || offset % PGSIZE != 0 ||
      offset > MAX_FILE_BYTES)
    return -1;
  struct file *f = 0;
  if ((flags & MAP_ANONYMOUS) == 0) {
    f = arg_file(4, 0);
    if (f == 0 || !file_allows(f, prot, flags))
      return -1;
  }
  len = PGROUNDUP(len);

  struct mapobj *obj = 0;
  if (sharing == MAP_SHARED && (obj = f ? mapobj_of_file(f->ip) : mapobj_new_anon()) == 0)
    return -1;                            /* the cache's table of objects is full */

  sleeplock_acquire(&p->vm_lock);
  struct vma *v = free_slot(p);
  uint64 start = v ? place(p, len) : 0;
  if (start != 0) {
    *v = (struct vma){ .start = start, .end = start + len, .prot = prot, .flags = flags,
                       .file = f ? file_dup(f) : 0, .offset = f ? offset : 0, .obj = obj };
  } else if (obj) {
    mapobj_put(obj);
  }
  sleeplock_release(&p->vm_lock);
  return start != 0 ? start : (uint64)-1;
}

/* Write back the dirty pages of shared file mapping v in [lo, hi); no lock held (may sleep). How many. */
static uint64
write_back(struct proc *p, struct vma *v, uint64 lo, uint64 hi)
{
  struct inode *ip = v->file->ip;
  uint64 written = 0;
  for (uint64 va = lo; va < hi; va += PGSIZE) {
    /* Only the process itself changes its tables, and it is here: no lock needed to read. */
    pte_t *pte = pt_walk(p->pagetable, va, 0);
    if (pte == 0 || (*pte & PTE_V) == 0 || (*pte & PTE_D) == 0)
      continue;
    uint64 off = v->offset + (va - v->start);
    log_begin_op();
    inode_lock(ip);
    if (off < ip->size) {                 /* the file does not grow: only what it holds */
      inode_write(ip, 0, PTE2PA(*pte), (uint)off, MIN((uint64)PGSIZE, ip->size - off));
      written++;
    }
    inode_unlock(ip);
    log_end_op();
  }
  return written;
}

/* Forget v: its file and object references go; its pages stay mapped. The address-space lock held. */
static struct file *
forget(struct vma *v)
{
  struct file *f = v->file;
  if (v->obj)
    mapobj_put(v->obj);                   /* under the lock: vmcheck sees the cache change with it */
  *v = (struct vma){ 0 };
  return f;
}

/*
 * Unmap [lo, hi) of v (written back first if shared) and shrink, split or
 * free v to match. Called without the address-space lock; takes it.
 * 0, or -1 when a split needs a slot and none is free.
 */
static int
unmap_part(struct proc *p, struct vma *v, uint64 lo, uint64 hi)
{
  if (lo > v->start && hi < v->end && free_slot(p) == 0)
    return -1;                            /* a hole in the middle needs a second vma */
  /*
   * A leaf table that keeps pages outside [lo, hi) must be ours before
   * some of its entries go (fork may share it): that can take a page, so
   * do it first, and fail with nothing changed if there is none.
   */
  sleeplock_acquire(&p->vm_lock);
  int owned = leaf_table_make_private(p->pagetable, lo) == 0 &&
              leaf_table_make_private(p->pagetable, hi - PGSIZE) == 0;
  sleeplock_release(&p->vm_lock);
  if (!owned)
    return -1;
  uint64 written = is_shared_file(v) ? write_back(p, v, lo, hi) : 0;
  struct file *to_close = 0;
  sleeplock_acquire(&p->vm_lock);
  fault_count_writebacks(p->pagetable, written);
  pt_unmap(p->pagetable, lo, (hi - lo) / PGSIZE, 1);
  if (lo == v->start && hi == v->end) {
    to_close = forget(v);
  } else if (lo == v->start) {
    v->offset += hi - v->start;
    v->start = hi;
  } else if (hi == v->end) {
    v->end = lo;
  } else {
    struct vma *upper = free_slot(p);
    *upper = *v;
    upper->offset += hi - v->start;
    upper->start = hi;
    if (upper->file)
      file_dup(upper->file);
    if (upper->obj)
      mapobj_dup(upper->obj);
    v->end = lo;
  }
  sleeplock_release(&p->vm_lock);
  if (to_close)
    file_close(to_close);                 /* may end a log operation: no lock held */
  return 0;
}

/* munmap(addr, len): 0, also where nothing was mapped; -1 for a bad range. */
uint64
sys_munmap(void)
{
  uint64 addr = arg_addr(0), len = arg_addr(1);
  struct proc *p = myproc();
  if (addr % PGSIZE != 0 || len == 0 || len > MMAP_TOP || addr > MMAP_TOP - len)
    return -1;
  uint64 end = addr + PGROUNDUP(len);
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++) {
    if (v->end == 0 || v->end <= addr || end <= v->start)
      continue;
    if (unmap_part(p, v, MAX(addr, v->start), MIN(end, v->end)) < 0)
      return -1;
  }
  return 0;
}

/*
 * Exit and exec: the pages stay in the page table, which goes whole
 * (uvm_free) just after, so nothing here needs memory and nothing can fail.
 */
void
mmap_drop_all(struct proc *p)
{
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++) {
    if (v->end == 0)
      continue;
    uint64 written = is_shared_file(v) ? write_back(p, v, v->start, v->end) : 0;
    sleeplock_acquire(&p->vm_lock);
    fault_count_writebacks(p->pagetable, written);
    struct file *f = forget(v);
    sleeplock_release(&p->vm_lock);
    if (f)
      file_close(f);                      /* may end a log operation: no lock held */
  }
}

int
mmap_describe(struct proc *p, struct vmmap_run *runs)
{
  int n = 0;
  for (struct vma *v = p->vmas; v < &p->vmas[NVMA]; v++) {
    if (v->end == 0)
      continue;
    struct vmmap_run *r = &runs[n++];
    *r = (struct vmmap_run){ .start = v->start, .npages = (v->end - v->start) / PGSIZE,
                             .state = VMMAP_MAPPING, .offset = v->offset, .prot = v->prot,
                             .flags = v->flags };
    if (v->file)
      strncpy(r->name, v->file->name, VMMAP_NAME_BYTES);
    uint64 va = v->start;
    for (pte_t *pte; (pte = pt_next_leaf(p->pagetable, &va, v->end)) != 0; va += PGSIZE) {
      r->resident++;
      r->dirty += (*pte & PTE_D) != 0;
    }
  }
  return n;
}

/*
 * Page by page, for builds whose fork does not share leaf tables: map
 * child's copy of page va of v: a shared mapping's page as it is (clean
 * in the child, so each writes back only what it wrote itself); a private
 * one copy-on-write in both, like the heap's pages.
 */
static int
share_page(struct vma *v, pte_t *parent_pte, pagetable_t child, uint64 va)
{
  if ((v->flags & MAP_PRIVATE) && (*parent_pte & PTE_W))
    *parent_pte = (*parent_pte & ~PTE_W) | PTE_COW;
  uint64 pa = PTE2PA(*parent_pte);
  if (pt_map(child, va, PGSIZE, pa, PTE_FLAGS(*parent_pte) & ~PTE_V) != 0)
    return -1;
  *pt_walk(child, va, 0) &= ~PTE_D;     /* pt_map marks it written; the child has written nothing */
  page_ref_inc((void *)pa);
  return 0;
}

static int
share_pages(struct proc *parent, struct proc *child, struct vma *v)
{
  uint64 va = v->start;
  for (pte_t *pte; (pte = pt_next_leaf(parent->pagetable, &va, v->end)) != 0; va += PGSIZE)
    if (share_page(v, pte, child->pagetable, va) != 0)
      return -1;
  return 0;
}

/*
 * Undo mmap_fork in a child that never ran: its file and object references
 * go, nothing is written; the pages go with its page table (uvm_free).
 */
static void
forget_all(struct proc *child)
{
  for (struct vma *v = child->vmas; v < &child->vmas[NVMA]; v++) {
    if (v->end == 0)
      continue;
    struct file *f = forget(v);
    if (f)
      file_close(f);                      /* the parent holds the file too: not the last reference */
  }
}

/*
 * With shared leaf tables (the default build) the child gets the tables
 * that map the whole area, a step per 2 MiB: a shared mapping's pages
 * turn read-only in both, and the first store in each makes its page
 * writable again, the same page (fault.c, unprotect); a private one's are
 * copy-on-write as the heap's. Dirty bits go with the table, so the child
 * may write back a page its parent dirtied: the same bytes, written twice.
 */
int
mmap_fork(struct proc *parent, struct proc *child)
{
  KASSERT(sleeplock_held(&parent->vm_lock));
  uint64 lowest = MMAP_TOP;
  for (int i = 0; i < NVMA; i++) {
    struct vma *v = &parent->vmas[i];
    if (v->end == 0)
      continue;
    child->vmas[i] = *v;
    if (v->file)
      file_dup(v->file);
    if (v->obj)
      mapobj_dup(v->obj);
    lowest = MIN(lowest, v->start);
    if (!FORK_SHARES_TABLES && share_pages(parent, child, v) != 0)
      goto fail;
  }
  if (FORK_SHARES_TABLES && uvm_fork_tables(parent->pagetable, child->pagetable, lowest, MMAP_TOP) != 0)
    goto fail;
  return 0;
fail:
  forget_all(child);
  return -1;
}
