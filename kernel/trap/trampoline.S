# trampoline.S: the page that switches between user and kernel address spaces.
#
# It is mapped at TRAMPOLINE in every page table (kernel and user), so the
# instructions around each satp write keep running at the same address.
# Register save slots are the TF_* offsets of trapframe.h.
#
# uservec (stvec while in user mode):
#   1. park user a0 in sscratch and point a0 at the trapframe;
#   2. save the 31 user registers (a0 from sscratch);
#   3. load the kernel's sp, tp, trap handler and page table, switch, jump.
# userret(a0 = user satp), called by user_trap_return():
#   1. switch to the user page table;
#   2. restore the 31 user registers (a0 last, it addresses the frame);
#   3. sret to the user pc that the kernel put in sepc.
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/trap/trapframe.h"

.section trampsec
.globl trampoline
trampoline:

.align 4
.globl uservec
uservec:
        csrw    sscratch, a0
        li      a0, TRAPFRAME
        .irp    n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        sd      x\n, (TF_RA + (\n - 1) * 8)(a0)
        .endr
        csrr    t0, sscratch
        sd      t0, TF_REG(10)(a0)

        ld      sp, TF_KERNEL_SP(a0)
        ld      tp, TF_KERNEL_HARTID(a0)
        ld      t0, TF_KERNEL_TRAP(a0)
        ld      t1, TF_KERNEL_SATP(a0)
        csrw    satp, t1
        sfence.vma zero, zero       # drop user translations
        jr      t0                  # user_trap(); it never returns here

.globl userret
userret:
        csrw    satp, a0
        sfence.vma zero, zero       # order the kernel's PTE stores; drop kernel translations
        li      a0, TRAPFRAME
        .irp    n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        ld      x\n, (TF_RA + (\n - 1) * 8)(a0)
        .endr
        ld      a0, TF_REG(10)(a0)
        sret
