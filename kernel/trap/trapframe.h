/*
 * trapframe.h: the page where the trampoline saves a user process's registers.
 *
 * trampoline.S addresses the fields by the TF_* byte offsets below; the
 * struct is checked against them at compile time (trap.c), so the two can
 * never drift apart.
 */
#ifndef KERNEL_TRAP_TRAPFRAME_H
#define KERNEL_TRAP_TRAPFRAME_H

/* Set by the kernel before returning to user space, read by uservec. */
#define TF_KERNEL_SATP    0    /* kernel page table */
#define TF_KERNEL_SP      8    /* top of this process's kernel stack */
#define TF_KERNEL_TRAP   16    /* address of user_trap() */
#define TF_EPC           24    /* user pc */
#define TF_KERNEL_HARTID 32    /* tp to restore in the kernel */
/* User registers x1..x31, in register-number order, from TF_RA on. */
#define TF_RA            40
#define TF_REG(x)        (TF_RA + ((x) - 1) * 8)   /* byte offset of register x<n> */
#define TF_SIZE          (TF_REG(31) + 8)

#ifndef __ASSEMBLER__
#include "kernel/types.h"

struct trapframe {
  uint64 kernel_satp;
  uint64 kernel_sp;
  uint64 kernel_trap;
  uint64 epc;
  uint64 kernel_hartid;
  uint64 ra, sp, gp, tp;                    /* x1-x4 */
  uint64 t0, t1, t2;                        /* x5-x7 */
  uint64 s0, s1;                            /* x8-x9 */
  uint64 a0, a1, a2, a3, a4, a5, a6, a7;    /* x10-x17 */
  uint64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;  /* x18-x27 */
  uint64 t3, t4, t5, t6;                    /* x28-x31 */
};
#endif

#endif
