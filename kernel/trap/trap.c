/*
 * trap.c: what happens on every trap (RISC-V privileged spec, section 4.1).
 *
 * From user mode (via uservec in the trampoline) we land in user_trap():
 *   1. point stvec at kernelvec, so a trap in the kernel goes there;
 *   2. save the user pc;
 *   3. handle the cause: system call, device or timer interrupt, page fault
 *      (maybe lazy heap or copy-on-write: fault.c decides), or anything else,
 *      which kills the process;
 *   4. exit if killed, give up the hart on a timer tick;
 *   5. return to user space through userret.
 * From supervisor mode, only interrupts are legal: an exception there is a
 * kernel bug and panics.
 */
#include <stddef.h>
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/kprintf.h"
#include "kernel/sync/spinlock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/fault.h"
#include "kernel/trap/trap.h"
#include "kernel/trap/timer.h"
#include "kernel/trap/syscall.h"
#include "kernel/dev/plic.h"
#include "kernel/dev/uart.h"
#include "kernel/dev/virtio_disk.h"

/* trampoline.S must agree with struct trapframe. */
_Static_assert(offsetof(struct trapframe, kernel_satp) == TF_KERNEL_SATP, "trapframe");
_Static_assert(offsetof(struct trapframe, kernel_sp) == TF_KERNEL_SP, "trapframe");
_Static_assert(offsetof(struct trapframe, kernel_trap) == TF_KERNEL_TRAP, "trapframe");
_Static_assert(offsetof(struct trapframe, epc) == TF_EPC, "trapframe");
_Static_assert(offsetof(struct trapframe, kernel_hartid) == TF_KERNEL_HARTID, "trapframe");
_Static_assert(offsetof(struct trapframe, ra) == TF_REG(1), "trapframe");
_Static_assert(offsetof(struct trapframe, a0) == TF_REG(10), "trapframe");
_Static_assert(offsetof(struct trapframe, t6) == TF_REG(31), "trapframe");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe");

extern char trampoline[], uservec[], userret[];
void kernelvec(void);
void user_trap(void);

enum irq_kind { IRQ_NONE, IRQ_DEVICE, IRQ_TIMER };

static const char *const exception_names[] = {
  [EXC_INST_MISALIGNED] = "misaligned instruction",
  [EXC_INST_ACCESS] = "instruction access fault",
  [EXC_ILLEGAL_INST] = "illegal instruction",
  [EXC_BREAKPOINT] = "breakpoint",
  [EXC_LOAD_MISALIGNED] = "misaligned load",
  [EXC_LOAD_ACCESS] = "load access fault",
  [EXC_STORE_MISALIGNED] = "misaligned store",
  [EXC_STORE_ACCESS] = "store access fault",
  [EXC_ECALL_U] = "system call",
  [EXC_ECALL_S] = "supervisor call",
  [EXC_INST_PAGE_FAULT] = "instruction page fault",
  [EXC_LOAD_PAGE_FAULT] = "load page fault",
  [EXC_STORE_PAGE_FAULT] = "store page fault",
};

static const char *
exception_name(uint64 code)
{
  if (code < sizeof(exception_names) / sizeof(exception_names[0]) && exception_names[code])
    return exception_names[code];
  return "unknown exception";
}

void
trap_init_hart(void)
{
  csr_write(stvec, (uint64)kernelvec);
  csr_set(scounteren, COUNTEREN_TIME);   /* user programs may rdtime (forkbench) */
}

/* Handle an interrupt if scause is one; says which kind it was. */
static enum irq_kind
handle_interrupt(uint64 scause)
{
  if ((scause & SCAUSE_INTERRUPT) == 0)
    return IRQ_NONE;
  switch (SCAUSE_CODE(scause)) {
  case IRQ_S_EXT: {
    int irq = plic_claim();
    if (irq == UART0_IRQ)
      uart_intr();
    else if (irq == VIRTIO0_IRQ)
      virtio_disk_intr();
    else if (irq)
      kprintf("trap: unexpected device irq %d\n", irq);
    if (irq)
      plic_complete(irq);
    return IRQ_DEVICE;
  }
  case IRQ_S_TIMER:
    timer_tick();
    return IRQ_TIMER;
  default:
    return IRQ_NONE;
  }
}

/* Does stval hold the faulting address for this exception (not, say, an instruction's bits)? */
static int
exception_has_address(uint64 code)
{
  return code == EXC_INST_MISALIGNED || code == EXC_INST_ACCESS || code == EXC_LOAD_MISALIGNED ||
         code == EXC_LOAD_ACCESS || code == EXC_STORE_MISALIGNED || code == EXC_STORE_ACCESS ||
         code == EXC_INST_PAGE_FAULT || code == EXC_LOAD_PAGE_FAULT || code == EXC_STORE_PAGE_FAULT;
}

/*
 * Print why p dies, in one line with its pid, pc and the faulting address
 * (or, for other exceptions, stval), and mark it killed; it exits on the way
 * out of the trap.
 */
static void
kill_for_fault(struct proc *p, uint64 scause, const char *why)
{
  void *stval = (void *)csr_read(stval);
  void *pc = (void *)csr_read(sepc);

  if (exception_has_address(scause))
    kprintf("usertrap: pid %d (%s) killed: %s at va %p pc %p\n", p->pid, p->name, why, stval, pc);
  else
    kprintf("usertrap: pid %d (%s) killed: %s at pc %p (stval %p)\n", p->pid, p->name, why, pc, stval);
  proc_set_killed(p);
}

/*
 * A page fault: the fault path decides whether it is lazy heap to fill, a
 * copy-on-write page to reuse or copy, or an access that kills.
 */
static void
handle_page_fault(struct proc *p, uint64 scause)
{
  enum fault_access access = scause == EXC_STORE_PAGE_FAULT ? FAULT_WRITE
                           : scause == EXC_LOAD_PAGE_FAULT  ? FAULT_READ
                           : FAULT_EXEC;
  switch (fault_resolve(p->pagetable, csr_read(stval), access, 0)) {
  case FAULT_RESOLVED:
    if (access == FAULT_WRITE)
      fault_write_ahead(p, csr_read(stval));
    break;
  case FAULT_NO_MEMORY:
    kill_for_fault(p, scause, "out of memory in copy-on-write fault");
    break;
  case FAULT_NO_MEMORY_FILL:
    kill_for_fault(p, scause, "out of memory in page fill");
    break;
  case FAULT_BAD_ADDRESS:
    kill_for_fault(p, scause, exception_name(scause));
    break;
  }
}

void
user_trap(void)
{
  if (csr_read(sstatus) & SSTATUS_SPP)
    panic("user_trap: trap did not come from user mode");
  csr_write(stvec, (uint64)kernelvec);

  struct proc *p = myproc();
  p->trapframe->epc = csr_read(sepc);
  uint64 scause = csr_read(scause);
  enum irq_kind irq = IRQ_NONE;

  if (scause == EXC_ECALL_U) {
    if (proc_killed(p))
      proc_exit(-1);
    p->trapframe->epc += 4;    /* resume after the ecall */
    irq_enable();              /* syscalls may take long; let devices in */
    syscall_dispatch();
  } else if ((irq = handle_interrupt(scause)) != IRQ_NONE) {
    /* handled */
  } else if (scause == EXC_STORE_PAGE_FAULT || scause == EXC_LOAD_PAGE_FAULT ||
             scause == EXC_INST_PAGE_FAULT) {
    handle_page_fault(p, scause);
  } else {
    kill_for_fault(p, scause, exception_name(scause));
  }

  if (proc_killed(p))
    proc_exit(-1);
  if (irq == IRQ_TIMER)
    proc_yield();
  user_trap_return();
}

void
user_trap_return(void)
{
  struct proc *p = myproc();

  /* From here until sret a trap would land in uservec with kernel state: keep them off. */
  irq_disable();
  csr_write(stvec, TRAMPOLINE + (uservec - trampoline));

  p->trapframe->kernel_satp = csr_read(satp);
  p->trapframe->kernel_sp = p->kstack + PGSIZE;
  p->trapframe->kernel_trap = (uint64)user_trap;
  p->trapframe->kernel_hartid = hart_id();

  uint64 status = csr_read(sstatus);
  status &= ~SSTATUS_SPP;      /* sret goes to user mode */
  status |= SSTATUS_SPIE;      /* with interrupts on */
  csr_write(sstatus, status);
  csr_write(sepc, p->trapframe->epc);

  uint64 satp = MAKE_SATP(p->pagetable);
  void (*to_user)(uint64) = (void (*)(uint64))(TRAMPOLINE + (userret - trampoline));
  to_user(satp);
  __builtin_unreachable();
}

void
kernel_trap(void)
{
  uint64 sepc = csr_read(sepc);
  uint64 sstatus = csr_read(sstatus);
  uint64 scause = csr_read(scause);

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kernel_trap: not from supervisor mode");
  if (irq_enabled())
    panic("kernel_trap: interrupts enabled");

  enum irq_kind irq = handle_interrupt(scause);
  if (irq == IRQ_NONE)
    panic("kernel_trap: %s (scause %p) at pc %p, stval %p", exception_name(SCAUSE_CODE(scause)),
          (void *)scause, (void *)sepc, (void *)csr_read(stval));
  while (kernel_panicked)
    ;
  if (irq == IRQ_TIMER && myproc() != 0)
    proc_yield();

  /* yield may have run other code that trapped: put back what sret needs. */
  csr_write(sepc, sepc);
  csr_write(sstatus, sstatus);
}
