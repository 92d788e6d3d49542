/*
 * console.h: the console device (major CONSOLE): line-edited input from the
 * UART, output to it. Control keys: backspace/DEL erase a character, ^U the
 * line, ^D ends input (end of file for an empty line), ^P lists processes.
 */
#ifndef KERNEL_DEV_CONSOLE_H
#define KERNEL_DEV_CONSOLE_H

void console_init(void);   /* also registers the device in devsw[CONSOLE] */
void console_putc(int c);  /* one byte out, as given; usable with interrupts off */
/*
 * Bracket output that must reach the screen unbroken (a kernel message);
 * takes the console's output lock, so spinlock rules apply in between.
 * console_stop_locking() is for panic: output then goes out unlocked.
 */
void console_lock_output(void);
void console_unlock_output(void);
void console_stop_locking(void);
void console_intr(int c);  /* a byte arrived from the keyboard */

#endif
