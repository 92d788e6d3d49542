/* boot.h: constants shared by entry.S and the C start-up code. */
#ifndef KERNEL_BOOT_BOOT_H
#define KERNEL_BOOT_BOOT_H

#define BOOT_STACK_SIZE 4096   /* per hart, used until the first context switch */

#ifndef __ASSEMBLER__
#include "kernel/types.h"
/* start.c: M-mode set-up, then S-mode kernel_main; the arguments are QEMU's a0 and a1. */
void machine_start(uint64 hart, uint64 fdt_pa);
void kernel_main(void);        /* main.c */
extern volatile int harts_parked;   /* start.c: harts numbered NCPU and above, parked by entry.S */
/* start.c: the device tree's physical address, as QEMU gave it; set by hart 0 before kernel_main. */
extern uint64 boot_fdt_pa;
#endif

#endif
