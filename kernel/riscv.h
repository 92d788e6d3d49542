/*
 * riscv.h: RISC-V privileged-architecture facts (spec v1.12) and Sv39 paging.
 *
 * Names for every CSR bit, trap cause and page-table-entry bit the kernel
 * uses, so that no code compares against a bare number. User programs include
 * this file for PGSIZE and the PTE bits; the inline helpers at the end are
 * only meaningful in the kernel.
 */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

/* ---- mstatus / sstatus ---- */
#define MSTATUS_MPP_MASK  (3L << 11)   /* previous privilege on mret */
#define MSTATUS_MPP_S     (1L << 11)
#define SSTATUS_SIE       (1L << 1)    /* supervisor interrupts enabled */
#define SSTATUS_SPIE      (1L << 5)    /* SIE before the trap */
#define SSTATUS_SPP       (1L << 8)    /* previous privilege: 1 = S, 0 = U */
#define SSTATUS_SUM       (1L << 18)   /* S-mode may touch U pages (we never set it) */

/* ---- interrupt enable / pending bits (sie, mie, mideleg) ---- */
#define IRQ_S_SOFT   1
#define IRQ_S_TIMER  5
#define IRQ_S_EXT    9
#define SIE_SSIE     (1L << IRQ_S_SOFT)
#define SIE_STIE     (1L << IRQ_S_TIMER)
#define SIE_SEIE     (1L << IRQ_S_EXT)

/* ---- machine-mode set-up ---- */
#define MENVCFG_STCE      (1L << 63)   /* Sstc: S-mode owns stimecmp */
#define COUNTEREN_TIME    (1L << 1)    /* mcounteren/scounteren: lower mode may read time */
#define PMP_ALL_RWX       0xfL         /* pmpcfg0 entry: TOR, R, W, X */
#define PMP_ADDR_ALL      0x3fffffffffffffL

/* ---- scause ---- */
#define SCAUSE_INTERRUPT          (1UL << 63)
#define SCAUSE_CODE(c)            ((c) & ~SCAUSE_INTERRUPT)
#define EXC_INST_MISALIGNED       0
#define EXC_INST_ACCESS           1
#define EXC_ILLEGAL_INST          2
#define EXC_BREAKPOINT            3
#define EXC_LOAD_MISALIGNED       4
#define EXC_LOAD_ACCESS           5
#define EXC_STORE_MISALIGNED      6
#define EXC_STORE_ACCESS          7
#define EXC_ECALL_U               8
#define EXC_ECALL_S               9
#define EXC_INST_PAGE_FAULT       12
#define EXC_LOAD_PAGE_FAULT       13
#define EXC_STORE_PAGE_FAULT      15   /* stores and AMOs: the only copy-on-write cause */

/* ---- Sv39 ---- */
#define SATP_MODE_SV39  (8L << 60)
#define MAKE_SATP(pagetable)  (SATP_MODE_SV39 | (((uint64)(pagetable)) >> 12))

#define PGSIZE  4096
#define PGSHIFT 12
#define PGROUNDUP(sz)   (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a)  (((a)) & ~(PGSIZE - 1))

/* Page-table-entry bits. */
#define PTE_V    (1L << 0)   /* valid */
#define PTE_R    (1L << 1)
#define PTE_W    (1L << 2)
#define PTE_X    (1L << 3)
#define PTE_U    (1L << 4)   /* user mode may access */
#define PTE_G    (1L << 5)   /* global mapping */
#define PTE_A    (1L << 6)   /* accessed */
#define PTE_D    (1L << 7)   /* dirty */
#define PTE_RSW0 (1L << 8)   /* software bit 0 */
#define PTE_RSW1 (1L << 9)   /* software bit 1 */
#define PTE_COW  PTE_RSW0    /* page is shared copy-on-write: writable once copied */
#define PTE_SW_SPARE PTE_RSW1 /* kept free for demand paging / shared page tables */

#define PTE_FLAG_BITS   10
#define PA2PTE(pa)      ((((uint64)(pa)) >> PGSHIFT) << PTE_FLAG_BITS)
#define PTE2PA(pte)     (((pte) >> PTE_FLAG_BITS) << PGSHIFT)
#define PTE_FLAGS(pte)  ((pte) & ((1L << PTE_FLAG_BITS) - 1))

/* Each of the three levels indexes 512 entries with 9 bits of the address. */
#define PXBITS          9
#define PXMASK          ((1L << PXBITS) - 1)
#define PXSHIFT(level)  (PGSHIFT + (PXBITS * (level)))
#define PX(level, va)   ((((uint64)(va)) >> PXSHIFT(level)) & PXMASK)

/* One bit less than Sv39 allows, so that addresses need no sign extension. */
#define MAXVA  (1L << (PXBITS * 3 + PGSHIFT - 1))

#ifndef __ASSEMBLER__
#include "kernel/types.h"

typedef uint64 pte_t;
typedef uint64 *pagetable_t;   /* 512 PTEs */

/* CSR access by name: csr_read(sstatus), csr_write(stvec, addr). */
#define csr_read(csr) ({ uint64 v__; asm volatile("csrr %0, " #csr : "=r"(v__)); v__; })
#define csr_write(csr, val) asm volatile("csrw " #csr ", %0" : : "r"((uint64)(val)))
#define csr_set(csr, bits) asm volatile("csrs " #csr ", %0" : : "r"((uint64)(bits)))
#define csr_clear(csr, bits) asm volatile("csrc " #csr ", %0" : : "r"((uint64)(bits)))

static inline uint64 hart_id(void)       /* the kernel keeps the hart number in tp */
{
  uint64 x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}

static inline void irq_enable(void)  { csr_set(sstatus, SSTATUS_SIE); }
static inline void irq_disable(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline int  irq_enabled(void) { return (csr_read(sstatus) & SSTATUS_SIE) != 0; }

/* Drop every cached translation of this hart (rs1 = rs2 = zero). */
static inline void tlb_flush_all(void) { asm volatile("sfence.vma zero, zero"); }
/* Drop this hart's cached translations of one virtual page, in any address space. */
static inline void tlb_flush_page(uint64 va) { asm volatile("sfence.vma %0, zero" : : "r"(va)); }
#endif

#endif
