/*
 * memlayout.h: where things are, physically (QEMU virt) and virtually.
 *
 * Physical memory map of QEMU's virt machine (the parts we use):
 *   0x00001000  boot ROM (unused: we run with -bios none)
 *   0x02000000  CLINT, the core-local interruptor (unused: the timer is Sstc)
 *   0x0c000000  PLIC, the platform interrupt controller
 *   0x10000000  UART0, a 16550
 *   0x10001000  virtio-mmio slot 0: our disk
 *   0x80000000  RAM; QEMU loads the kernel here and jumps to it in M-mode;
 *               its size (-m) is in the device tree QEMU leaves near its top
 *
 * The kernel maps RAM and devices at their physical addresses. Every address
 * space, kernel and user, also maps the trampoline page at the top; user
 * address spaces map their trapframe just below it.
 */
#ifndef KERNEL_MEMLAYOUT_H
#define KERNEL_MEMLAYOUT_H

#include "kernel/riscv.h"   /* MAXVA and PGSIZE, for TRAMPOLINE and the rest */

#define UART0        0x10000000L
#define UART0_IRQ    10

#define VIRTIO0      0x10001000L
#define VIRTIO0_IRQ  1

/* The core-local interruptor: xv6 before 2024 ran its timer from it. We use Sstc's stimecmp instead. */
#define CLINT                0x02000000L
#define CLINT_MTIMECMP(hart) (CLINT + 0x4000 + 8 * (hart))
#define CLINT_MTIME          (CLINT + 0xBFF8)

#define PLIC                 0x0c000000L
#define PLIC_PRIORITY        (PLIC + 0x0)
#define PLIC_PENDING         (PLIC + 0x1000)
#define PLIC_SENABLE(hart)   (PLIC + 0x2080 + (hart) * 0x100)
#define PLIC_SPRIORITY(hart) (PLIC + 0x201000 + (hart) * 0x2000)
#define PLIC_SCLAIM(hart)    (PLIC + 0x201004 + (hart) * 0x2000)
#define PLIC_SIZE            0x400000L   /* the registers mapped: through the claim registers of every context */

#define KERNBASE  0x80000000L
/*
 * xv6's end of RAM, kept with xv6's value for the user programs that name
 * it. The kernel does not use it: RAM ends at ram_end() (kernel/mm/ram.h),
 * read from the device tree at boot.
 */
#define PHYSTOP   (KERNBASE + 128 * 1024 * 1024)

/* The highest page of every address space holds the trap entry/exit code. */
#define TRAMPOLINE  (MAXVA - PGSIZE)

/* Kernel stacks sit below the trampoline, each with an unmapped guard page under it. */
#define KSTACK_STRIDE (2 * PGSIZE)
#define KSTACK(p)   (TRAMPOLINE - ((p) + 1) * KSTACK_STRIDE)

/* User address spaces keep the saved registers one page below the trampoline. */
#define TRAPFRAME   (TRAMPOLINE - PGSIZE)

#endif
