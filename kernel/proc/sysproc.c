/* sysproc.c: system calls about processes, time and memory. */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/vm.h"
#include "kernel/vmstat.h"
#include "kernel/sync/spinlock.h"
#include "kernel/lib/klib.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/fault.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/describe.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/sysproc.h"
#include "kernel/trap/syscall.h"
#include "kernel/trap/timer.h"

uint64
sys_fork(void)
{
  return proc_fork();
}

uint64
sys_exit(void)
{
  proc_exit(arg_int(0));
}

uint64
sys_wait(void)
{
  return proc_wait(arg_addr(0));
}

uint64
sys_kill(void)
{
  return proc_kill(arg_int(0));
}

uint64
sys_getpid(void)
{
  return myproc()->pid;
}

/*
 * sbrk(n, how): move the break by n bytes; the old break, or -1. As on xv6,
 * every how but SBRK_EAGER asks for lazy growth (a 2022-era raw ecall with
 * a junk second argument gets it too); shrinking works the same either way.
 */
uint64
sys_sbrk(void)
{
  int n = arg_int(0);
  int lazy = arg_int(1) != SBRK_EAGER;
  uint64 old = myproc()->sz;
  if (proc_grow(n, lazy) < 0)
    return -1;
  return old;
}

/* sleep(n) / pause(n): wait n clock ticks; -1 if killed meanwhile. */
uint64
sys_sleep(void)
{
  int n = arg_int(0);
  spin_lock(&ticks_lock);
  uint start = ticks;
  while (n > 0 && ticks - start < (uint)n) {
    if (proc_killed(myproc())) {
      spin_unlock(&ticks_lock);
      return -1;
    }
    proc_sleep(&ticks, &ticks_lock);
  }
  spin_unlock(&ticks_lock);
  return 0;
}

uint64
sys_uptime(void)
{
  spin_lock(&ticks_lock);
  uint now = ticks;
  spin_unlock(&ticks_lock);
  return now;
}

_Static_assert(COW_FORK == FORK_DESIGN_EAGER || COW_FORK == FORK_DESIGN_PAGES ||
               COW_FORK == FORK_DESIGN_TABLES, "vmstat's fork_design must name the build: COW is 0, 1 or 2");

/* vmstat(pid, &st): system-wide numbers for pid 0, else that process's. */
uint64
sys_vmstat(void)
{
  int pid = arg_int(0);
  struct vmstat st = {
    .free_pages = page_free_count(),
    .total_pages = page_total_count(),
  };
  struct proc_vmcount counts;
  if (pid == 0) {
    fault_counters(&counts);
    st.cow_shared = proc_shared_pages();
    st.resident_pages = st.total_pages - st.free_pages;
  } else if (proc_vmstat(pid, &counts, &st.resident_pages, &st.cow_shared, &st.sleeping) < 0) {
    return -1;
  }
  st.cow_faults = counts.cow_faults;
  st.cow_copies = counts.cow_copies;
  st.cow_reuses = counts.cow_reuses;
  st.zero_fills = counts.zero_fills;
  st.page_fills = counts.page_fills;
  st.cow_ahead = counts.cow_ahead;
  st.cow_copy_ns = counts.cow_copy_ns;
  st.page_fill_ns = counts.page_fill_ns;
  st.map_fills = counts.map_fills;
  st.map_writebacks = counts.map_writebacks;
  st.cow_ahead_unused = fault_ahead_unused();
  st.idle_late_wakeups = proc_idle_late_wakeups();
  st.fork_design = COW_FORK;
  return copyout(myproc()->pagetable, arg_addr(1), &st, sizeof(st));
}

/*
 * failalloc(n): tests only; the n-th page allocation made from now for the
 * caller or the children it forks from now fails (0: off). The old countdown.
 */
uint64
sys_failalloc(void)
{
  return proc_fail_after(arg_int(0));
}

/* vmcheck(): 0 if every page's count matches the page tables (kernel/mm/vmcheck.h), else -1. */
uint64
sys_vmcheck(void)
{
  return proc_vm_check() == 0 ? 0 : -1;
}

/*
 * vmmap(pid, runs, max): pid's address space as runs (kernel/vmstat.h). One
 * walk, a page-sized batch of runs at a time: each batch is gathered under
 * the process's address-space lock and copied out after it (our own memory
 * may need a fault step, which takes our lock), so any max works. A process
 * that changes between batches is described as it was at each; runs past
 * max are only counted. The number of runs, or -1.
 */
uint64
sys_vmmap(void)
{
  int pid = arg_int(0);
  uint64 dst = arg_addr(1);
  int max = arg_int(2);
  struct vmmap_run *batch = page_alloc();
  if (batch == 0)
    return -1;
  struct vmmap_cursor cursor = { 0 };
  int total = 0;
  while (!cursor.done) {
    int stored = total < max;        /* past max, count only */
    int got = proc_vmmap(pid, &cursor, stored ? batch : 0, PGSIZE / sizeof(*batch));
    if (got < 0) {
      total = -1;
      break;
    }
    int copy = stored ? MIN(got, max - total) : 0;
    if (copy > 0 &&
        copyout(myproc()->pagetable, dst + (uint64)total * sizeof(*batch), batch,
                copy * sizeof(*batch)) < 0) {
      total = -1;
      break;
    }
    total += got;
  }
  /* Then the mappings, one run each. */
  int got = total < 0 ? -1 : proc_vmmap_mappings(pid, batch);
  if (got < 0) {
    total = -1;
  } else {
    int copy = MIN(got, MAX(max - total, 0));
    if (copy > 0 &&
        copyout(myproc()->pagetable, dst + (uint64)total * sizeof(*batch), batch,
                copy * sizeof(*batch)) < 0)
      total = -1;
    else
      total += got;
  }
  page_free(batch);
  return total;
}
