/*
 * proc.c: the process table, process life cycle (create, fork, exit, wait,
 * kill), sleeping and waking, and the per-hart scheduler.
 *
 * A process's state moves  UNUSED -> USED -> RUNNABLE <-> RUNNING -> ZOMBIE
 * -> UNUSED, with RUNNING -> SLEEPING -> RUNNABLE for blocking waits. Each
 * change happens under the process's lock; a process gives up the hart only
 * through sched(), holding its own lock and nothing else.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/ram.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/describe.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/vmcheck.h"
#include "kernel/trap/trap.h"
#include "kernel/fs/file.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/mm/mapcache.h"

struct cpu cpus[NCPU];

static struct proc procs[NPROC];

/*
 * One bit per page of RAM for proc_shared_pages(): the pages found shared,
 * and the leaf tables read. Carved at boot (proc_page_maps_init), not taken
 * from the page allocator, so that vmstat answers even when memory is
 * exhausted (when it matters most). Need shared_bits_lock, a sleeplock
 * (the walk is long), taken before any address-space lock.
 */
static uint8 *shared_bits;
static uint8 *shared_tables_seen;
static struct sleeplock shared_bits_lock;
static struct proc *init_proc;

/* ^P asked for a listing the lister (a kernel thread) has not started yet. */
static struct spinlock dump_lock;
static int dump_wanted;               /* needs dump_lock */

static struct spinlock pid_lock;
static int next_pid = 1;              /* needs pid_lock */

/*
 * wait_lock: protects every p->parent, and orders a parent's check for
 * zombie children against a child's wakeup in exit, so that no wakeup is
 * lost. Taken before any p->lock.
 */
static struct spinlock wait_lock;

void swtch(struct context *save, struct context *load);
static void fork_return(void);
static void proc_reap(struct proc *c);
static void hart_idle(struct cpu *c);

/*
 * The process whose kernel stack we run on. Process slot i owns the stack
 * page just under KSTACK(i) + PGSIZE, so the stack pointer names the process
 * without per-hart state: reading mycpu()->proc would need interrupts off
 * (a move to another hart between the two reads would return that hart's
 * process), and on QEMU each such toggle ends a translated block, which made
 * this most-called function one of the dearest. A hart's scheduler runs on
 * its boot stack, outside the kernel stacks' range: no process, as there
 * mycpu()->proc is 0.
 */
struct proc *
myproc(void)
{
  uint64 sp = r_sp();                     /* in (KSTACK(i), KSTACK(i) + PGSIZE] */
  if (sp > TRAMPOLINE || (TRAMPOLINE - sp) / KSTACK_STRIDE >= NPROC)
    return 0;                             /* a boot stack: this hart's scheduler */
  return &procs[(TRAMPOLINE - sp) / KSTACK_STRIDE];
}

void
proc_page_maps_init(void)
{
  shared_bits = ram_carve(ram_bitmap_bytes());
  shared_tables_seen = ram_carve(ram_bitmap_bytes());
}

void
proc_table_init(void)
{
  spin_init(&pid_lock, "next_pid");
  spin_init(&wait_lock, "wait_lock");
  sleeplock_init(&shared_bits_lock, "shared_bits");
  spin_init(&dump_lock, "dump");
  for (int i = 0; i < NPROC; i++) {
    struct proc *p = &procs[i];
    spin_init(&p->lock, "proc");
    sleeplock_init(&p->vm_lock, "vm");
    p->state = UNUSED;
    p->kstack = KSTACK(i);
    void *stack = page_alloc();
    if (stack == 0)
      panic("proc_table_init: no memory for kernel stacks");
    kvm_map(kernel_pagetable, p->kstack, (uint64)stack, PGSIZE, PTE_R | PTE_W);
  }
}

static int
pid_alloc(void)
{
  spin_lock(&pid_lock);
  int pid = next_pid++;
  spin_unlock(&pid_lock);
  return pid;
}

pagetable_t
proc_pagetable_new(struct proc *p)
{
  extern char trampoline[];
  pagetable_t pt = uvm_create();
  if (pt == 0)
    return 0;
  if (pt_map(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) != 0)
    goto fail;
  if (pt_map(pt, TRAPFRAME, PGSIZE, (uint64)p->trapframe, PTE_R | PTE_W) != 0)
    goto fail;
  return pt;
fail:
  proc_pagetable_free(pt);
  return 0;
}

void
proc_pagetable_free(pagetable_t pt)
{
  pt_unmap(pt, TRAMPOLINE, 1, 0);   /* shared kernel pages: not ours to free */
  pt_unmap(pt, TRAPFRAME, 1, 0);
  uvm_free(pt);
}

/*
 * Return a slot to UNUSED, releasing its memory. Caller holds p->lock, and
 * either p's user memory is gone already (wait's reaping) or its tables are
 * private to a slot no observer reads (a fork that failed, under the
 * parent's address-space lock).
 */
static void
proc_free(struct proc *p)
{
  ASSERT_HELD(&p->lock);
  if (p->pagetable)
    proc_pagetable_free(p->pagetable);
  if (p->trapframe)
    page_free(p->trapframe);
  p->pagetable = 0;
  p->trapframe = 0;
  p->sz = p->heap_base = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
  memset(&p->vm, 0, sizeof(p->vm));
  p->ahead_next = 0;
  p->ahead_window = 0;
  p->fail_owner = 0;
  p->fail_owner_pid = 0;
  __atomic_store_n(&p->fail_countdown, 0, __ATOMIC_RELEASE);
  p->state = UNUSED;
}

/*
 * Claim an UNUSED slot, set to start in fork_return. A user process gets a
 * pid, a trapframe and an empty user page table; a kernel thread (user 0)
 * gets none of them: pid 0, no user memory. Returns it with p->lock held,
 * or 0 when the table or memory is exhausted.
 */
static struct proc *
proc_alloc(int user)
{
  struct proc *p;
  for (p = procs; p < &procs[NPROC]; p++) {
    spin_lock(&p->lock);
    if (p->state == UNUSED)
      goto found;
    spin_unlock(&p->lock);
  }
  return 0;

found:
  p->state = USED;
  if (user) {
    p->pid = pid_alloc();
    if ((p->trapframe = page_alloc()) == 0 || (p->pagetable = proc_pagetable_new(p)) == 0) {
      proc_free(p);
      spin_unlock(&p->lock);
      return 0;
    }
  }
  p->log_wait = 0;
  memset(p->vmas, 0, sizeof(p->vmas));
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)fork_return;
  p->context.sp = p->kstack + PGSIZE;
  return p;
}

/* The first process starts here in the kernel, then becomes /init. */
static void
first_process_start(void)
{
  static char *const init_argv[] = { "init", 0 };
  struct proc *p = myproc();
  spin_unlock(&p->lock);      /* held since the scheduler picked us */

  fs_init(ROOTDEV);           /* sleeps on disk reads: needs a process */
  p->cwd = namei("/");
  int argc = exec_program("/init", init_argv);
  if (argc < 0)
    panic("first_process_start: cannot run /init");
  p->trapframe->a0 = argc;
  user_trap_return();
}

void
proc_first_user(void)
{
  struct proc *p = proc_alloc(1);
  if (p == 0)
    panic("proc_first_user: no memory");
  init_proc = p;
  strlcpy(p->name, "init", sizeof(p->name));
  p->context.ra = (uint64)first_process_start;
  p->state = RUNNABLE;
  spin_unlock(&p->lock);
}

/* A new child's first scheduling lands here, still holding its lock. */
static void
fork_return(void)
{
  spin_unlock(&myproc()->lock);
  user_trap_return();
}

/*
 * The child stays USED, which observers pass over, until it is complete;
 * sharing write-protects the parent's pages, so the parent's address-space
 * lock is held around it (and around the undoing when it fails).
 */
int
proc_fork(void)
{
  struct proc *p = myproc();
  struct proc *child = proc_alloc(1);
  if (child == 0)
    return -1;
  spin_unlock(&child->lock);

  sleeplock_acquire(&p->vm_lock);
  if (uvm_fork(p->pagetable, child->pagetable, p->sz) != 0) {
    spin_lock(&child->lock);
    proc_free(child);
    spin_unlock(&child->lock);
    sleeplock_release(&p->vm_lock);
    return -1;
  }
  child->sz = p->sz;
  child->heap_base = p->heap_base;
  if (mmap_fork(p, child) != 0) {
    spin_lock(&child->lock);
    proc_free(child);
    spin_unlock(&child->lock);
    sleeplock_release(&p->vm_lock);
    return -1;
  }
  sleeplock_release(&p->vm_lock);

  *child->trapframe = *p->trapframe;
  child->trapframe->a0 = 0;            /* fork returns 0 in the child */
  for (int fd = 0; fd < NOFILE; fd++)
    if (p->ofile[fd])
      child->ofile[fd] = file_dup(p->ofile[fd]);
  child->cwd = inode_dup(p->cwd);
  strlcpy(child->name, p->name, sizeof(child->name));
  child->fail_owner = p->fail_owner;           /* a fault-injection countdown reaches children */
  child->fail_owner_pid = p->fail_owner_pid;
  int pid = child->pid;

  spin_lock(&wait_lock);
  child->parent = p;
  spin_unlock(&wait_lock);

  spin_lock(&child->lock);
  child->state = RUNNABLE;
  spin_unlock(&child->lock);
  return pid;
}

/* Give p's children to init. Caller holds wait_lock. */
static void
reparent_children(struct proc *p)
{
  ASSERT_HELD(&wait_lock);
  for (struct proc *c = procs; c < &procs[NPROC]; c++) {
    if (c->parent == p) {
      c->parent = init_proc;
      proc_wakeup(init_proc);
    }
  }
}

void
proc_exit(int status)
{
  struct proc *p = myproc();
  if (p == init_proc)
    panic("proc_exit: init exited with status %d", status);

  mmap_drop_all(p);                 /* shared mappings' dirty pages go back to their files */
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd]) {
      file_close(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  log_begin_op();
  inode_put(p->cwd);
  log_end_op();
  p->cwd = 0;
  log_wait_own();                   /* nobody else may close the group our closes changed */

  spin_lock(&wait_lock);
  reparent_children(p);
  proc_wakeup(p->parent);           /* the parent may be waiting */
  spin_lock(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  spin_unlock(&wait_lock);

  sched();
  panic("proc_exit: zombie ran again");
}

/*
 * Free a zombie that no wait() can find any more, outside wait_lock and its
 * proc lock: freeing a large address space takes long, and fork, exit and
 * wait on every hart need those. Its address-space lock keeps observers
 * out while its tables go.
 */
static void
proc_reap(struct proc *c)
{
  sleeplock_acquire(&c->vm_lock);
  proc_pagetable_free(c->pagetable);
  c->pagetable = 0;
  c->sz = 0;
  sleeplock_release(&c->vm_lock);
  spin_lock(&c->lock);
  proc_free(c);
  spin_unlock(&c->lock);
}

int
proc_wait(uint64 status_addr)
{
  struct proc *p = myproc();
  /* A bad status pointer fails before any child is reaped; it stays to be waited for. */
  if (status_addr != 0 &&
      user_prepare(p->pagetable, status_addr, sizeof(int), FAULT_WRITE) != sizeof(int))
    return -1;
  spin_lock(&wait_lock);
  for (;;) {
    int have_children = 0;
    for (struct proc *c = procs; c < &procs[NPROC]; c++) {
      if (c->parent != p)
        continue;
      have_children = 1;
      spin_lock(&c->lock);
      if (c->state == ZOMBIE) {
        int pid = c->pid;
        int status = c->xstate;
        c->parent = 0;              /* ours alone to reap now: no wait() can find it */
        spin_unlock(&c->lock);
        spin_unlock(&wait_lock);
        proc_reap(c);
        /* Outside the locks: fault work asserts no spinlock is held. Prepared above, so it cannot fail. */
        if (status_addr != 0 && copyout(p->pagetable, status_addr, &status, sizeof(status)) < 0)
          return -1;
        return pid;
      }
      spin_unlock(&c->lock);
    }
    if (!have_children || proc_killed(p)) {
      spin_unlock(&wait_lock);
      return -1;
    }
    proc_sleep(p, &wait_lock);
  }
}

int
proc_kill(int pid)
{
  if (pid <= 0)
    return -1;                        /* no user process has one; kernel threads have 0 */
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    spin_lock(&p->lock);
    if (p->pid == pid && p->state != UNUSED && p != init_proc) {
      p->killed = 1;
      if (p->state == SLEEPING)
        p->state = RUNNABLE;          /* it notices on its way back to user space */
      spin_unlock(&p->lock);
      return 0;
    }
    spin_unlock(&p->lock);
  }
  return -1;
}

void
proc_set_killed(struct proc *p)
{
  spin_lock(&p->lock);
  p->killed = 1;
  spin_unlock(&p->lock);
}

int
proc_killed(struct proc *p)
{
  spin_lock(&p->lock);
  int k = p->killed;
  spin_unlock(&p->lock);
  return k;
}

/* ---- fault injection (failalloc) ---- */

int
proc_fail_after(int n)
{
  struct proc *p = myproc();
  KASSERT(p != 0);              /* a system call's: there is a caller */
  int left = __atomic_exchange_n(&p->fail_countdown, n > 0 ? n : 0, __ATOMIC_ACQ_REL);
  if (p->fail_owner != p)
    left = 0;                   /* it counted for an ancestor, not for a countdown of ours */
  p->fail_owner = n > 0 ? p : 0;
  p->fail_owner_pid = n > 0 ? p->pid : 0;
  return left;
}

int *
proc_fail_countdown(void)
{
  struct proc *p = myproc();
  if (p == 0 || p->fail_owner == 0)
    return 0;
  struct proc *owner = p->fail_owner;
  /* The owner may have exited, its slot even reused: then nothing counts. */
  if (__atomic_load_n(&owner->pid, __ATOMIC_ACQUIRE) != p->fail_owner_pid)
    return 0;
  return &owner->fail_countdown;
}

/* The size change itself; the caller holds p's address-space lock. */
static int
grow_locked(struct proc *p, int n, int lazy)
{
  uint64 sz = p->sz;
  if (n >= 0) {
    uint64 want = sz + (uint64)n;
    if (want > mmap_heap_limit(p))
      return -1;
    if (!lazy && uvm_alloc(p->pagetable, sz, want, PTE_W) == 0)
      return -1;
    p->sz = want;               /* lazy: pages come on first touch (fault.c) */
  } else {
    /*
     * As on xv6 (docs/compat.md): the new size is computed unsigned, so a
     * decrement larger than the size wraps above it and changes nothing,
     * and a shrink may go below the heap's base, into the stack and text
     * (the process then faults and dies). The heap's base follows the break
     * down: every unmapped page below the break is lazy heap again.
     */
    uint64 newsz = sz + (uint64)(long)n;
    if (newsz >= sz)
      return 0;
    if (uvm_dealloc(p->pagetable, sz, newsz) != newsz)
      return -1;                /* out of memory to un-share a leaf table: nothing changed */
    p->sz = newsz;
    p->heap_base = MIN(p->heap_base, newsz);
  }
  return 0;
}

int
proc_grow(int n, int lazy)
{
  struct proc *p = myproc();
  sleeplock_acquire(&p->vm_lock);
  int r = grow_locked(p, n, lazy);
  sleeplock_release(&p->vm_lock);
  return r;
}

/* ---- scheduling ---- */

void
scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for (;;) {
    /*
     * Interrupts are on only here, between scans: a device's wakeup lands
     * before the next scan reads the states, never after it.
     */
    irq_enable();
    irq_disable();
    int ran = 0;
    for (struct proc *p = procs; p < &procs[NPROC]; p++) {
      spin_lock(&p->lock);
      if (p->state == RUNNABLE) {
        p->state = RUNNING;
        c->proc = p;
        swtch(&c->context, &p->context);
        c->proc = 0;
        ran = 1;
      }
      spin_unlock(&p->lock);
    }
    if (!ran)
      hart_idle(c);
  }
}

/* Wakeups an interrupt made while its hart was past an empty scan and about to idle. */
static uint64 idle_late_wakeups;   /* atomic updates only */

/*
 * Wait for an interrupt, with interrupts off. wfi returns as soon as an
 * enabled interrupt is pending, even while sstatus.SIE masks it (privileged
 * spec, WFI), so an interrupt that arrives after the scan keeps the hart
 * awake instead of being taken before wfi, waking someone, and leaving the
 * hart asleep until the next tick. The scheduler takes it on its next turn.
 */
static void
hart_idle(struct cpu *c)
{
  KASSERT(!irq_enabled());
  c->idle = 1;
  asm volatile("wfi");
  c->idle = 0;
}

uint64
proc_idle_late_wakeups(void)
{
  return __atomic_load_n(&idle_late_wakeups, __ATOMIC_RELAXED);
}

void
sched(void)
{
  struct proc *p = myproc();
  if (!spin_held(&p->lock))
    panic("sched: proc lock not held");
  if (mycpu()->irq_depth != 1)
    panic("sched: other locks held");
  if (p->state == RUNNING)
    panic("sched: still RUNNING");
  if (irq_enabled())
    panic("sched: interrupts on");
  int were_on = mycpu()->irq_were_on;   /* a property of this thread, not the hart */
  swtch(&p->context, &mycpu()->context);
  mycpu()->irq_were_on = were_on;
}

void
proc_yield(void)
{
  struct proc *p = myproc();
  spin_lock(&p->lock);
  p->state = RUNNABLE;
  sched();
  spin_unlock(&p->lock);
}

/*
 * Holding p->lock from before releasing lk until sched() means a waker,
 * which needs p->lock to change our state, cannot slip in between.
 */
void
proc_sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();
  spin_lock(&p->lock);
  spin_unlock(lk);
  p->chan = chan;
  p->state = SLEEPING;
  sched();
  p->chan = 0;
  spin_unlock(&p->lock);
  spin_lock(lk);
}

/*
 * Could p be asleep on a channel, or on its way into proc_sleep()? Read
 * without p->lock, so a wakeup skips the free, newborn and dead slots of the
 * table without locking each one. A skip is safe: a process in those states
 * has not run since, or will never run again; one that sleeps on chan later
 * must first run and check its condition under the sleep lock, which the waker
 * took to change it, and that lock orders the state this load sees.
 */
static int
may_be_sleeping(struct proc *p)
{
  enum procstate state = __atomic_load_n(&p->state, __ATOMIC_RELAXED);
  return state != UNUSED && state != USED && state != ZOMBIE;
}

void
proc_wakeup(void *chan)
{
  struct proc *me = myproc();
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    if (p == me || !may_be_sleeping(p))
      continue;
    spin_lock(&p->lock);
    if (p->state == SLEEPING && p->chan == chan) {
      p->state = RUNNABLE;
      /* An interrupt taken by an idling hart: it must not go back to sleep now. */
      if (mycpu()->idle)
        __atomic_add_fetch(&idle_late_wakeups, 1, __ATOMIC_RELAXED);
    }
    spin_unlock(&p->lock);
  }
}

/* ---- copies on behalf of devices that serve both kernel and user buffers ---- */

int
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
  if (user_dst)
    return copyout(myproc()->pagetable, dst, src, len);
  memmove((void *)dst, src, len);
  return 0;
}

int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if (user_src)
    return copyin(myproc()->pagetable, dst, src, len);
  memmove(dst, (void *)src, len);
  return 0;
}

/* ---- observing processes ---- */

/*
 * Lock p's address space for an observer if p is a live user process with
 * user memory (pid, when not 0, must also match; zombies only if asked).
 * USED slots are passed over: fork is still building them. 1 with
 * p->vm_lock held, else 0. The state is checked again once the lock is
 * held: p may have been reaped while we waited for it.
 */
static int
observe_begin(struct proc *p, int pid, int zombies_too)
{
  for (int locked = 0;; locked = 1) {
    spin_lock(&p->lock);
    int live = p->pid != 0 && (pid == 0 || p->pid == pid) && p->pagetable != 0 &&
               p->state != UNUSED && p->state != USED && (zombies_too || p->state != ZOMBIE);
    spin_unlock(&p->lock);
    if (!live) {
      if (locked)
        sleeplock_release(&p->vm_lock);
      return 0;
    }
    if (locked)
      return 1;
    sleeplock_acquire(&p->vm_lock);
  }
}

static void
observe_end(struct proc *p)
{
  sleeplock_release(&p->vm_lock);
}

int
proc_vmstat(int pid, struct proc_vmcount *out, uint64 *resident, uint64 *shared, uint64 *sleeping)
{
  if (pid <= 0)
    return -1;
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    if (!observe_begin(p, pid, 1))
      continue;
    *out = p->vm;
    spin_lock(&p->lock);
    *sleeping = p->state == SLEEPING;
    spin_unlock(&p->lock);
    uvm_count(p->pagetable, p->sz, resident, shared);
    observe_end(p);
    return 0;
  }
  return -1;
}

int
proc_shared_pages(void)
{
  int shared = 0;
  sleeplock_acquire(&shared_bits_lock);
  memset(shared_bits, 0, ram_bitmap_bytes());
  memset(shared_tables_seen, 0, ram_bitmap_bytes());
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    if (!observe_begin(p, 0, 0))
      continue;
    uvm_mark_shared(p->pagetable, p->sz, shared_bits, shared_tables_seen);
    observe_end(p);
  }
  for (uint64 i = 0; i < ram_bitmap_bytes(); i++)
    for (uint8 bits = shared_bits[i]; bits != 0; bits &= bits - 1)   /* clears the lowest set bit */
      shared++;
  sleeplock_release(&shared_bits_lock);
  return shared;
}

/*
 * Every address-space lock, taken in table order (the only place that
 * holds two: no one who holds one waits for another, so no cycle), makes
 * the walk a snapshot: fork, faults, sbrk, exec and wait's reaping all
 * change counts only under one of them. What changes without them keeps
 * the walker's rules: a page no table maps has 0 or 1 references (pipes,
 * trapframes, an image exec is still building).
 */
int
proc_vm_check(void)
{
  vmcheck_begin();
  for (struct proc *p = procs; p < &procs[NPROC]; p++)
    sleeplock_acquire(&p->vm_lock);
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    spin_lock(&p->lock);
    pagetable_t pt = p->state != UNUSED ? p->pagetable : 0;
    spin_unlock(&p->lock);
    if (pt)
      vmcheck_add(pt);
  }
  mapcache_vmcheck();               /* changed only under some address-space lock, too */
  int problems = vmcheck_end();
  for (struct proc *p = procs; p < &procs[NPROC]; p++)
    sleeplock_release(&p->vm_lock);
  return problems;
}

int
proc_vmmap(int pid, struct vmmap_cursor *cursor, struct vmmap_run *runs, int cap)
{
  if (pid <= 0)
    return -1;
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    if (!observe_begin(p, pid, 0))
      continue;
    int n = uvm_describe(p->pagetable, p->sz, p->heap_base, cursor, runs, cap);
    observe_end(p);
    return n;
  }
  return -1;
}

int
proc_vmmap_mappings(int pid, struct vmmap_run *runs)
{
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    if (!observe_begin(p, pid, 0))
      continue;
    int n = mmap_describe(p, runs);
    observe_end(p);
    return n;
  }
  return -1;
}

static const char *const state_names[] = {
  [UNUSED] = "unused", [USED] = "used", [SLEEPING] = "sleep",
  [RUNNABLE] = "runble", [RUNNING] = "run", [ZOMBIE] = "zombie",
};

/*
 * The ^P listing: pid, state, name, and resident / shared user pages of
 * every user process. Run by the lister thread, never in an interrupt: it
 * takes each address-space lock in turn and may take long.
 */
static void
proc_dump(void)
{
  kprintf("\n");   /* start below whatever the prompt or a program left on the line */
  for (struct proc *p = procs; p < &procs[NPROC]; p++) {
    spin_lock(&p->lock);
    int pid = p->pid;
    enum procstate state = p->state;
    char name[sizeof(p->name)];
    memmove(name, p->name, sizeof(name));
    spin_unlock(&p->lock);
    if (state == UNUSED || pid == 0)
      continue;
    uint64 resident = 0, shared = 0;
    if (observe_begin(p, pid, 0)) {
      uvm_count(p->pagetable, p->sz, &resident, &shared);
      observe_end(p);
    }
    kprintf("%d %s %s resident %d shared %d\n", pid, state_names[state], name,
            (int)resident, (int)shared);
  }
}

/* ---- kernel threads ---- */


void
proc_dump_request(void)
{
  spin_lock(&dump_lock);
  dump_wanted = 1;
  proc_wakeup(&dump_wanted);
  spin_unlock(&dump_lock);
}

/* The lister: a kernel thread that prints the ^P listing whenever asked. */
static void
lister_main(void)
{
  for (;;) {
    spin_lock(&dump_lock);
    while (!dump_wanted)
      proc_sleep(&dump_wanted, &dump_lock);
    dump_wanted = 0;
    spin_unlock(&dump_lock);
    proc_dump();
  }
}

/* A kernel thread's first instructions. */
static void
kernel_thread_start(void)
{
  struct proc *p = myproc();
  spin_unlock(&p->lock);              /* held since the scheduler picked us */
  p->thread_main();
  panic("kernel thread %s returned", p->name);
}

void
proc_start_kernel_thread(const char *name, void (*main)(void))
{
  struct proc *p = proc_alloc(0);
  if (p == 0)
    panic("proc_start_kernel_thread: no free slot for %s", name);
  strlcpy(p->name, name, sizeof(p->name));
  p->thread_main = main;
  p->context.ra = (uint64)kernel_thread_start;
  p->state = RUNNABLE;
  spin_unlock(&p->lock);
}

void
proc_start_kernel_threads(void)
{
  proc_start_kernel_thread("lister", lister_main);
}
