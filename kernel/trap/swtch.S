# swtch.S: void swtch(struct context *save, struct context *load)
# Save the callee-saved registers of the running kernel thread in *save and
# continue with those in *load. Layout: ra, sp, s0..s11 (struct context).

.section .text
.globl swtch
swtch:
        sd      ra, 0(a0)
        sd      sp, 8(a0)
        .irp    i, 0,1,2,3,4,5,6,7,8,9,10,11
        sd      s\i, (16 + \i * 8)(a0)
        .endr

        ld      ra, 0(a1)
        ld      sp, 8(a1)
        .irp    i, 0,1,2,3,4,5,6,7,8,9,10,11
        ld      s\i, (16 + \i * 8)(a1)
        .endr
        ret
