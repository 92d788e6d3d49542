/*
 * console.h: the console device (major CONSOLE): line-edited input from the
 * UART, output to it. Control keys: backspace/DEL erase a character, ^U the
 * line, ^D ends input (end of file for an empty line), ^P lists processes.
 */
#ifndef KERNEL_DEV_CONSOLE_H
#define KERNEL_DEV_CONSOLE_H

void console_init(void);   /* also registers the device in devsw[CONSOLE] */
void console_putc(int c);  /* kernel output, usable with interrupts off */
void console_intr(int c);  /* a byte arrived from the keyboard */

#endif
