/* uart.h: the 16550 UART that QEMU virt puts at UART0. */
#ifndef KERNEL_DEV_UART_H
#define KERNEL_DEV_UART_H

void uart_init(void);
void uart_putc(int c);   /* busy-waits until the transmitter takes c */
int  uart_getc(void);    /* the next received byte, or -1 */
void uart_intr(void);    /* receive interrupt: feed bytes to the console */

#endif
