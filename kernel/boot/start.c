/*
 * start.c: machine-mode set-up, run once on every hart before the kernel proper.
 *
 * Steps (RISC-V privileged spec v1.12, chapter 3):
 *   1. arrange for mret to "return" to supervisor mode at kernel_main;
 *   2. hand every interrupt and exception to supervisor mode;
 *   3. let supervisor mode touch all of physical memory (one PMP entry);
 *   4. give supervisor mode the timer (Sstc: stimecmp) and arm the first tick;
 *   5. keep the hart id in tp, where hart_id() finds it;
 *   6. (hart 0) keep the device tree's address for kernel_main, which
 *      reads the RAM size from it.
 * With Sstc, machine mode has no work left after this: it never runs again.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/boot/boot.h"
#include "kernel/trap/timer.h"

__attribute__((aligned(16))) char boot_stacks[BOOT_STACK_SIZE * NCPU];
volatile int harts_parked;
uint64 boot_fdt_pa;

#define DELEGATE_ALL 0xffff

void
machine_start(uint64 hart, uint64 fdt_pa)
{
  uint64 status = csr_read(mstatus);
  status = (status & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
  csr_write(mstatus, status);
  csr_write(mepc, (uint64)kernel_main);
  csr_write(satp, 0);                     /* paging off until kvm_init_hart */

  csr_write(medeleg, DELEGATE_ALL);
  csr_write(mideleg, DELEGATE_ALL);
  csr_set(sie, SIE_SEIE | SIE_STIE);

  csr_write(pmpaddr0, PMP_ADDR_ALL);
  csr_write(pmpcfg0, PMP_ALL_RWX);

  csr_set(mie, SIE_STIE);                 /* STIE has the same bit in mie */
  csr_set(menvcfg, MENVCFG_STCE);
  csr_set(mcounteren, COUNTEREN_TIME);
  csr_write(stimecmp, csr_read(time) + TIMER_INTERVAL);

  asm volatile("mv tp, %0" : : "r"(hart));   /* QEMU's reset code read a0 from mhartid */
  if (hart == 0)
    boot_fdt_pa = fdt_pa;   /* every hart gets the same a1: one writer is enough */

  asm volatile("mret");
}
