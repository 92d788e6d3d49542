# entry.S: the first instructions, run by every hart in machine mode.
# QEMU starts all harts at 0x80000000 with a0 = hart id. Each takes its own
# slice of boot_stacks and calls machine_start() in C.
#include "kernel/boot/boot.h"

.section .text.entry
.global _entry
_entry:
        la      sp, boot_stacks
        li      t0, BOOT_STACK_SIZE
        csrr    t1, mhartid
        addi    t1, t1, 1
        mul     t0, t0, t1
        add     sp, sp, t0          # sp = boot_stacks + (hartid + 1) * size
        call    machine_start
1:      wfi                         # machine_start does not return
        j       1b
