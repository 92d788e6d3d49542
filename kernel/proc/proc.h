/*
 * proc.h: processes, harts and the scheduler.
 *
 * Lock order (outer first): the observers' sleeplocks (vmcheck's
 * check_lock, proc.c's shared_bits_lock), then address-space locks
 * (p->vm_lock; only vmcheck holds more than one, in table order), then
 * wait_lock, then a proc's lock, then any lock taken by code the proc
 * lock's holder calls. Never take two proc locks.
 */
#ifndef KERNEL_PROC_PROC_H
#define KERNEL_PROC_PROC_H

#include "kernel/types.h"
#include "kernel/mm/mmap.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/trap/trapframe.h"

struct file;
struct inode;

/* Callee-saved registers kept across a context switch (swtch.S). */
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s[12];   /* s0-s11 */
};

/* Per-hart state. Only the owning hart touches its entry, with interrupts off. */
struct cpu {
  struct proc *proc;        /* running on this hart, or 0 */
  struct context context;   /* the scheduler loop's registers */
  int irq_depth;            /* irq_push_off() nesting */
  int irq_were_on;          /* interrupts were on before the first push */
  int idle;                 /* in hart_idle(): an empty scan found nothing to run */
};

extern struct cpu cpus[NCPU];

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

/* Copy-on-write and demand-paging counters of one process (reported by vmstat). */
struct proc_vmcount {
  uint64 cow_faults;
  uint64 cow_copies;
  uint64 cow_reuses;
  uint64 zero_fills;   /* lazy pages mapped to the zero page on a first read */
  uint64 page_fills;   /* lazy or zero-page pages given a fresh page on a first write */
  uint64 cow_ahead;    /* copy-on-write pages resolved ahead of a write (write-ahead) */
  uint64 cow_copy_ns;  /* time spent in the copies: page allocation and copy */
  uint64 page_fill_ns; /* time spent in the fills: page allocation and zeroing */
  uint64 map_fills;    /* mmap pages given a fresh page on a first touch (from the file, or zeros) */
  uint64 map_writebacks; /* dirty pages of shared file mappings written back to their file */
};

struct proc {
  struct spinlock lock;

  /* Fields below need p->lock. */
  enum procstate state;
  void *chan;               /* sleeping on this, if SLEEPING */
  int killed;               /* kill() asked it to exit */
  int xstate;               /* exit status, for the parent's wait() */
  int pid;                  /* 0 for a kernel thread, which has no user memory */

  /* Needs wait_lock (proc.c). */
  struct proc *parent;

  /*
   * The address-space lock (docs/cow.md, "Locking"). Whoever changes the
   * page tables below pagetable, or the three fields after it, holds it:
   * the process itself in its faults, sbrk and exec; its parent in fork
   * (sharing the parent's tables) and in wait (freeing a zombie's). An
   * observer of another process (vmstat, vmmap, ^P, vmcheck) holds it while
   * it reads them. The process reads its own without it: no one else
   * changes them while it runs. Taken with no spinlock held; one at a time,
   * except by vmcheck, which takes every one in table order.
   */
  struct sleeplock vm_lock;
  pagetable_t pagetable;       /* user page table */
  uint64 sz;                   /* bytes of user memory: text, data, stack, heap */
  uint64 heap_base;            /* end of the stack: the lazy heap starts here */
  struct proc_vmcount vm;      /* updated by the process itself, under vm_lock */
  struct vma vmas[NVMA];       /* its mappings (mmap.h); end == 0: a free slot */

  /* Private to the process: no lock needed by the process itself. */
  uint64 kstack;               /* kernel stack's virtual address */
  struct trapframe *trapframe; /* saved user registers (the TRAPFRAME page) */
  struct context context;      /* swtch() here to run the process */
  struct file *ofile[NOFILE];  /* open files */
  struct inode *cwd;           /* current directory */
  char name[16];               /* for ^P and console messages */
  void (*thread_main)(void);   /* a kernel thread's body (0 for a user process) */
  uint64 log_wait;             /* 1 + the last log group our operations joined, till it is on disk */
  uint64 ahead_next;           /* write-ahead: the page a sequential writer faults on next */
  int ahead_window;            /* write-ahead: pages the last write fault resolved */

  /*
   * Fault injection (failalloc, for tests): the process's page allocations
   * count against the countdown of fail_owner, the process that armed it
   * (itself, or an ancestor that armed it before forking). fail_countdown
   * is this process's own countdown, changed atomically by every member.
   */
  struct proc *fail_owner;     /* 0: none */
  int fail_owner_pid;          /* fail_owner's pid then: a reused slot does not count */
  int fail_countdown;
};

/* The hart we run on; callers keep interrupts off while using the result. */
/* This hart's state; inline, as every spinlock acquire and release asks for it. */
static inline struct cpu *
mycpu(void)
{
  return &cpus[hart_id()];
}
/* The current process, or 0 in the scheduler. */
struct proc *myproc(void);

/* Boot, before page_allocator_init: carves proc_shared_pages()'s per-page bitmaps (ram.h). */
void proc_page_maps_init(void);
void proc_table_init(void);
void proc_first_user(void);        /* make init, the first process */
void scheduler(void) __attribute__((noreturn));
void proc_yield(void);             /* give up the hart for one round */
void sched(void);                  /* switch to the scheduler; caller holds only p->lock */

/* Sleep on chan, releasing lk while asleep and holding it again on return. */
void proc_sleep(void *chan, struct spinlock *lk);
/* Wake every process sleeping on chan. Caller must not hold any proc lock. */
void proc_wakeup(void *chan);

int  proc_fork(void);
void proc_exit(int status) __attribute__((noreturn));
int  proc_wait(uint64 status_addr);
int  proc_kill(int pid);
void proc_set_killed(struct proc *p);
int  proc_killed(struct proc *p);
/*
 * failalloc(n): the n-th page allocation made from now on behalf of the
 * current process, or of children it forks from now on, fails (n <= 0:
 * none). Returns how many allocations the previous countdown it armed still
 * had to go (0 if it fired or was off).
 */
int  proc_fail_after(int n);
/* The countdown the current process's allocations count against, or 0. */
int *proc_fail_countdown(void);
/* Change user memory by n bytes (growth allocates now unless lazy); 0 or -1. */
int  proc_grow(int n, int lazy);
/* Ask for the ^P listing; safe in an interrupt (the console's): a kernel thread prints it. */
void proc_dump_request(void);
/* Start the kernel threads (the ^P lister); boot hart, after proc_first_user. */
void proc_start_kernel_threads(void);
/* Start a kernel thread running main (which never returns); panics if no slot is free. */
void proc_start_kernel_thread(const char *name, void (*main)(void));
/* Wakeups made by an interrupt on a hart that was idling after an empty scan (should stay 0). */
uint64 proc_idle_late_wakeups(void);

/* Page table with only trampoline and trapframe mapped; 0 when out of memory. */
pagetable_t proc_pagetable_new(struct proc *p);
void proc_pagetable_free(pagetable_t pagetable);

/* Copy to or from either a user address (user != 0) or a kernel one: 0 or -1. */
int either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
int either_copyin(void *dst, int user_src, uint64 src, uint64 len);

/* Counters and sleep state for vmstat(pid): 0, or -1 when there is no such process. */
int proc_vmstat(int pid, struct proc_vmcount *out, uint64 *resident, uint64 *shared,
                uint64 *sleeping);

/*
 * The invariant walker over every address space (kernel/mm/vmcheck.h),
 * exact while others run: it holds every address-space lock at once, so
 * no page table or count it reads can change under it. Problems found.
 */
int  proc_vm_check(void);
/* User pages that more than one address space maps now, each counted once. */
int  proc_shared_pages(void);
/*
 * uvm_describe() for process pid under its address-space lock: continues
 * the walk at *cursor, stores at most cap runs; the number stored, or -1
 * if there is no such process.
 */
struct vmmap_run;
struct vmmap_cursor;
int proc_vmmap(int pid, struct vmmap_cursor *cursor, struct vmmap_run *runs, int cap);
/* Process pid's mappings as VMMAP_MAPPING runs (room for NVMA), under its lock: how many, or -1. */
int proc_vmmap_mappings(int pid, struct vmmap_run *runs);

/* exec.c: replace the current process's image; argv holds kernel pointers. argc or -1. */
int exec_program(const char *path, char *const argv[]);

#endif
