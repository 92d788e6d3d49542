/*
 * kprintf.c: formatted console output for the kernel, and panic().
 * A message goes out under the console's output lock, so it is never split
 * by another hart's kernel or user output; panic stops the locking so that a
 * hart that dies holding the lock can still be heard.
 */
#include <stdarg.h>
#include "kernel/types.h"
#include "kernel/lib/kprintf.h"
#include "kernel/dev/console.h"

volatile int kernel_panicked;

static const char hex_digits[] = "0123456789abcdef";

static void
put_unsigned(unsigned long long v, int base)
{
  char buf[24];
  int n = 0;
  do {
    buf[n++] = hex_digits[v % base];
    v /= base;
  } while (v != 0);
  while (n > 0)
    console_putc(buf[--n]);
}

static void
put_signed(long long v)
{
  if (v < 0) {
    console_putc('-');
    put_unsigned(-(unsigned long long)v, 10);   /* well defined for LLONG_MIN */
  } else {
    put_unsigned(v, 10);
  }
}

static void
put_string(const char *s)
{
  if (s == 0)
    s = "(null)";
  while (*s)
    console_putc(*s++);
}

/* The next integer argument, of the size that `longs` 'l' prefixes give it. */
static long long
next_signed(va_list *ap, int longs)
{
  if (longs >= 2)
    return va_arg(*ap, long long);
  return longs == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
}

static unsigned long long
next_unsigned(va_list *ap, int longs)
{
  if (longs >= 2)
    return va_arg(*ap, unsigned long long);
  return longs == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

static void
vformat(const char *fmt, va_list ap)
{
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      console_putc(*fmt);
      continue;
    }
    int longs = 0;
    while (fmt[1] == 'l') {
      longs++;
      fmt++;
    }
    char conv = *++fmt;
    switch (conv) {
    case 'd': put_signed(next_signed(&ap, longs)); break;
    case 'u': put_unsigned(next_unsigned(&ap, longs), 10); break;
    case 'x': put_unsigned(next_unsigned(&ap, longs), 16); break;
    case 'p': {
      uint64 v = va_arg(ap, uint64);
      put_string("0x");
      for (int shift = 60; shift >= 0; shift -= 4)   /* always 16 digits */
        console_putc(hex_digits[(v >> shift) & 0xf]);
      break;
    }
    case 's': put_string(va_arg(ap, const char *)); break;
    case 'c': console_putc(va_arg(ap, int)); break;
    case '%': console_putc('%'); break;
    case 0: return;
    default:                    /* unknown: show it as written */
      console_putc('%');
      console_putc(conv);
    }
  }
}

void
kprintf(const char *fmt, ...)
{
  va_list ap;
  console_lock_output();
  va_start(ap, fmt);
  vformat(fmt, ap);
  va_end(ap);
  console_unlock_output();
}

void
panic(const char *fmt, ...)
{
  va_list ap;
  console_stop_locking();
  put_string("panic: ");
  va_start(ap, fmt);
  vformat(fmt, ap);
  va_end(ap);
  put_string("\n");
  kernel_panicked = 1;   /* other harts stop at their next timer interrupt (kernel_trap) */
  for (;;)
    ;
}
