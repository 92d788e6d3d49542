/*
 * riscv.h: RISC-V privileged-architecture facts (spec v1.12) and Sv39 paging.
 *
 * Names for every CSR bit, trap cause and page-table-entry bit the kernel
 * uses, so that no code compares against a bare number. The kernel uses our
 * names (csr_read, tlb_flush_all, ...). User programs written for xv6 include
 * this file too, so the last section gives xv6's names and helpers (r_sp,
 * r_time, r_sstatus, sfence_vma, ...) with xv6's meaning: see docs/compat.md.
 * In user mode the helpers that touch a supervisor or machine CSR execute an
 * illegal instruction, and the kernel kills the program, as xv6 does.
 */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

/* ---- mstatus / sstatus ---- */
#define MSTATUS_MPP_MASK  (3L << 11)   /* previous privilege on mret */
#define MSTATUS_MPP_M     (3L << 11)
#define MSTATUS_MPP_S     (1L << 11)
#define MSTATUS_MPP_U     (0L << 11)
#define MSTATUS_MIE       (1L << 3)    /* machine interrupts enabled */
#define SSTATUS_UIE       (1L << 0)    /* N extension, absent on QEMU: kept for xv6's name */
#define SSTATUS_SIE       (1L << 1)    /* supervisor interrupts enabled */
#define SSTATUS_UPIE      (1L << 4)    /* N extension, like SSTATUS_UIE */
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
/* mie: the machine-level enables; supervisor bits sit at the same places as in sie. */
#define IRQ_M_SOFT   3
#define IRQ_M_TIMER  7
#define IRQ_M_EXT    11
#define MIE_MSIE     (1L << IRQ_M_SOFT)
#define MIE_MTIE     (1L << IRQ_M_TIMER)
#define MIE_MEIE     (1L << IRQ_M_EXT)
#define MIE_STIE     SIE_STIE

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
#define EXC_STORE_PAGE_FAULT      15   /* stores and AMOs: copy-on-write happens here */

/* ---- Sv39 ---- */
#define SATP_MODE_SV39  (8L << 60)
#define SATP_SV39       SATP_MODE_SV39   /* xv6's name */
#define MAKE_SATP(pagetable)  (SATP_MODE_SV39 | (((uint64)(pagetable)) >> PGSHIFT))

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
/* On a non-leaf PTE: every leaf in the table below is write-protected (shared page tables). */
#define PTE_TABLE_PROTECTED PTE_RSW1
/* On a leaf PTE: made writable ahead of a write (fault.c's write-ahead); PTE_D says if one came. */
#define PTE_AHEAD PTE_RSW1

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

/*
 * ---- xv6's names for the same operations ----
 * Programs and lab handouts written for xv6 call these. The kernel itself
 * uses the names above; these are thin wrappers with xv6's meaning.
 *
 * Usable from user mode: the general registers and the time counter (the
 * kernel sets scounteren.TM, so rdtime works in user mode).
 */
static inline uint64 r_sp(void) { uint64 x; asm volatile("mv %0, sp" : "=r"(x)); return x; }
static inline uint64 r_ra(void) { uint64 x; asm volatile("mv %0, ra" : "=r"(x)); return x; }
static inline uint64 r_tp(void) { return hart_id(); }
static inline void   w_tp(uint64 x) { asm volatile("mv tp, %0" : : "r"(x)); }
static inline uint64 r_time(void) { return csr_read(time); }

/* Supervisor mode only: in a user program each one is an illegal instruction. */
static inline uint64 r_sstatus(void) { return csr_read(sstatus); }
static inline void   w_sstatus(uint64 x) { csr_write(sstatus, x); }
static inline uint64 r_sip(void) { return csr_read(sip); }
static inline void   w_sip(uint64 x) { csr_write(sip, x); }
static inline uint64 r_sie(void) { return csr_read(sie); }
static inline void   w_sie(uint64 x) { csr_write(sie, x); }
static inline uint64 r_sepc(void) { return csr_read(sepc); }
static inline void   w_sepc(uint64 x) { csr_write(sepc, x); }
static inline uint64 r_stvec(void) { return csr_read(stvec); }
static inline void   w_stvec(uint64 x) { csr_write(stvec, x); }
static inline uint64 r_stimecmp(void) { return csr_read(stimecmp); }
static inline void   w_stimecmp(uint64 x) { csr_write(stimecmp, x); }
static inline uint64 r_satp(void) { return csr_read(satp); }
static inline void   w_satp(uint64 x) { csr_write(satp, x); }
static inline uint64 r_scause(void) { return csr_read(scause); }
static inline uint64 r_stval(void) { return csr_read(stval); }
static inline void   intr_on(void) { irq_enable(); }
static inline void   intr_off(void) { irq_disable(); }
static inline int    intr_get(void) { return irq_enabled(); }
static inline void   sfence_vma(void) { tlb_flush_all(); }

/* Machine mode only: illegal in supervisor and user mode alike. */
static inline uint64 r_mhartid(void) { return csr_read(mhartid); }
static inline uint64 r_mstatus(void) { return csr_read(mstatus); }
static inline void   w_mstatus(uint64 x) { csr_write(mstatus, x); }
static inline void   w_mepc(uint64 x) { csr_write(mepc, x); }
static inline uint64 r_mie(void) { return csr_read(mie); }
static inline void   w_mie(uint64 x) { csr_write(mie, x); }
static inline uint64 r_medeleg(void) { return csr_read(medeleg); }
static inline void   w_medeleg(uint64 x) { csr_write(medeleg, x); }
static inline uint64 r_mideleg(void) { return csr_read(mideleg); }
static inline void   w_mideleg(uint64 x) { csr_write(mideleg, x); }
static inline void   w_mtvec(uint64 x) { csr_write(mtvec, x); }
static inline void   w_mscratch(uint64 x) { csr_write(mscratch, x); }
static inline uint64 r_menvcfg(void) { return csr_read(menvcfg); }
static inline void   w_menvcfg(uint64 x) { csr_write(menvcfg, x); }
static inline uint64 r_mcounteren(void) { return csr_read(mcounteren); }
static inline void   w_mcounteren(uint64 x) { csr_write(mcounteren, x); }
static inline void   w_pmpcfg0(uint64 x) { csr_write(pmpcfg0, x); }
static inline void   w_pmpaddr0(uint64 x) { csr_write(pmpaddr0, x); }
#endif

#endif
