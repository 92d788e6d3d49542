# entry.S: the first instructions, run by every hart in machine mode.
# QEMU starts all harts at 0x80000000 with a0 = hart id and a1 = the physical
# address of the device tree. Each takes its own slice of boot_stacks and
# calls machine_start(a0, a1) in C: the code below must leave a0 and a1 alone.
#include "kernel/boot/boot.h"
#include "kernel/param.h"

.section .text.entry
.global _entry
_entry:
        csrr    t1, mhartid
        li      t0, NCPU
        bgeu    t1, t0, park        # a hart the kernel has no slot for
        la      sp, boot_stacks
        li      t0, BOOT_STACK_SIZE
        csrr    t1, mhartid
        addi    t1, t1, 1
        mul     t0, t0, t1
        add     sp, sp, t0          # sp = boot_stacks + (hartid + 1) * size
        call    machine_start       # a0, a1 as QEMU set them
1:      wfi                         # machine_start does not return
        j       1b

# A hart numbered NCPU or above: every per-hart array (boot stacks, cpus[],
# PLIC contexts) has no entry for it, so it touches none of them. It counts
# itself for hart 0's boot message, then waits for ever in machine mode
# with interrupts off.
park:
        la      t0, harts_parked
        li      t1, 1
        amoadd.w zero, t1, (t0)
2:      wfi
        j       2b
