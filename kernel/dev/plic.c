/* plic.c: PLIC set-up and claim/complete (SiFive PLIC layout, as QEMU virt has it). */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/dev/plic.h"

#define PLIC_REG(addr) (*(volatile uint32 *)(addr))
#define IRQ_PRIORITY_ON 1
#define PRIORITY_THRESHOLD_ALL 0   /* accept every priority above 0 */

void
plic_init(void)
{
  PLIC_REG(PLIC_PRIORITY + UART0_IRQ * 4) = IRQ_PRIORITY_ON;
  PLIC_REG(PLIC_PRIORITY + VIRTIO0_IRQ * 4) = IRQ_PRIORITY_ON;
}

void
plic_init_hart(void)
{
  int hart = hart_id();
  PLIC_REG(PLIC_SENABLE(hart)) = (1 << UART0_IRQ) | (1 << VIRTIO0_IRQ);
  PLIC_REG(PLIC_SPRIORITY(hart)) = PRIORITY_THRESHOLD_ALL;
}

int
plic_claim(void)
{
  return PLIC_REG(PLIC_SCLAIM(hart_id()));
}

void
plic_complete(int irq)
{
  PLIC_REG(PLIC_SCLAIM(hart_id())) = irq;
}
