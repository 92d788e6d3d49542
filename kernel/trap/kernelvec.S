# kernelvec.S: stvec while in the kernel. Interrupts and exceptions taken in
# supervisor mode save the caller-saved registers on the current kernel
# stack, run kernel_trap() in C, restore, and sret to the interrupted code.
# Callee-saved registers (s0-s11, sp) are preserved by C itself.

#define KV_SLOTS 16       /* ra, t0-t6, a0-a7 */
#define KV_FRAME (KV_SLOTS * 8)

.section .text
.globl kernelvec
.align 4
kernelvec:
        addi    sp, sp, -KV_FRAME
        sd      ra, 0(sp)
        sd      t0, 8(sp)
        sd      t1, 16(sp)
        sd      t2, 24(sp)
        sd      t3, 32(sp)
        sd      t4, 40(sp)
        sd      t5, 48(sp)
        sd      t6, 56(sp)
        sd      a0, 64(sp)
        sd      a1, 72(sp)
        sd      a2, 80(sp)
        sd      a3, 88(sp)
        sd      a4, 96(sp)
        sd      a5, 104(sp)
        sd      a6, 112(sp)
        sd      a7, 120(sp)

        call    kernel_trap

        ld      ra, 0(sp)
        ld      t0, 8(sp)
        ld      t1, 16(sp)
        ld      t2, 24(sp)
        ld      t3, 32(sp)
        ld      t4, 40(sp)
        ld      t5, 48(sp)
        ld      t6, 56(sp)
        ld      a0, 64(sp)
        ld      a1, 72(sp)
        ld      a2, 80(sp)
        ld      a3, 88(sp)
        ld      a4, 96(sp)
        ld      a5, 104(sp)
        ld      a6, 112(sp)
        ld      a7, 120(sp)
        addi    sp, sp, KV_FRAME
        sret
