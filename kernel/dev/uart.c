/*
 * uart.c: driver for the 16550-compatible UART (registers per the 16550 data sheet).
 * Output is polled: QEMU's transmitter is ready at once, so polling costs
 * nothing there and keeps kernel messages working even from panic().
 * Input arrives by interrupt and goes to the console's line editor.
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "kernel/dev/uart.h"
#include "kernel/dev/console.h"
#include "kernel/lib/kprintf.h"

/* Register offsets. */
#define UART_RHR 0   /* receive holding (read) */
#define UART_THR 0   /* transmit holding (write) */
#define UART_DLL 0   /* divisor low, when LCR_DLAB */
#define UART_IER 1   /* interrupt enable */
#define UART_DLM 1   /* divisor high, when LCR_DLAB */
#define UART_FCR 2   /* FIFO control (write) */
#define UART_LCR 3   /* line control */
#define UART_LSR 5   /* line status */

#define IER_RX_READY   (1 << 0)
#define FCR_ENABLE     (1 << 0)
#define FCR_CLEAR_BOTH (3 << 1)
#define LCR_8N1        3
#define LCR_DLAB       (1 << 7)
#define LSR_RX_READY   (1 << 0)
#define LSR_TX_EMPTY   (1 << 5)
#define DIVISOR_38400  3   /* QEMU ignores the rate, but a real 16550 needs one */

static volatile uchar *const uart = (volatile uchar *)UART0;

void
uart_init(void)
{
  uart[UART_IER] = 0;
  uart[UART_LCR] = LCR_DLAB;
  uart[UART_DLL] = DIVISOR_38400;
  uart[UART_DLM] = 0;
  uart[UART_LCR] = LCR_8N1;
  uart[UART_FCR] = FCR_ENABLE | FCR_CLEAR_BOTH;
  uart[UART_IER] = IER_RX_READY;
}

void
uart_putc(int c)
{
  while ((uart[UART_LSR] & LSR_TX_EMPTY) == 0)
    ;
  uart[UART_THR] = c;
}

int
uart_getc(void)
{
  if (uart[UART_LSR] & LSR_RX_READY)
    return uart[UART_RHR];
  return -1;
}

void
uart_intr(void)
{
  int c;
  while ((c = uart_getc()) >= 0)
    console_intr(c);
}
