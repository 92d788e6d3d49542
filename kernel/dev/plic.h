/* plic.h: the platform-level interrupt controller, routing device IRQs to harts. */
#ifndef KERNEL_DEV_PLIC_H
#define KERNEL_DEV_PLIC_H

void plic_init(void);        /* once: give our devices a non-zero priority */
void plic_init_hart(void);   /* per hart: accept them in supervisor mode */
int  plic_claim(void);       /* the pending IRQ for this hart, or 0 */
void plic_complete(int irq);

#endif
