/* boot.h: constants shared by entry.S and the C start-up code. */
#ifndef KERNEL_BOOT_BOOT_H
#define KERNEL_BOOT_BOOT_H

#define BOOT_STACK_SIZE 4096   /* per hart, used until the first context switch */

#ifndef __ASSEMBLER__
void machine_start(void);      /* start.c: M-mode set-up, then S-mode kernel_main */
void kernel_main(void);        /* main.c */
extern volatile int harts_parked;   /* start.c: harts numbered NCPU and above, parked by entry.S */
#endif

#endif
