/*
 * printf.c: formatted output for user programs (printf, fprintf).
 *
 * The formatting core is independent of where the characters go:
 *
 *   int vformat(void (*put)(void *sink, char c), void *sink,
 *               const char *fmt, va_list ap);
 *
 * It calls put(sink, c) once per output character, in order, and returns the
 * number of characters produced. printf/fprintf give it a sink that collects
 * characters in a buffer and write()s the buffer whenever it fills and once
 * at the end, so one call costs few system calls and lines from concurrent
 * processes rarely interleave.
 *
 * Conversions: %d %u %x %p %s %c %%, with the size prefixes l and ll on
 * d/u/x, an optional '-' (left-justify) or '0' (zero-pad) flag and a decimal
 * field width. %p prints 0x and 16 hex digits; %s of a null pointer prints
 * "(null)". An unknown conversion is printed as written.
 *
 * This file uses nothing but write() from the rest of the system, so it can be
 * compiled on a host for unit tests (with printf/fprintf renamed by -D).
 */
#include <stdarg.h>

#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

#define OUTBUF_SIZE   256   /* bytes collected before a write() */
#define NUMBUF_SIZE   24    /* digits of the largest 64-bit number, with room to spare */
#define POINTER_DIGITS 16   /* hex digits of a 64-bit address */

typedef void (*put_fn)(void *sink, char c);

/* How one conversion should be laid out. */
struct field {
  int width;       /* minimum characters; 0 for none */
  int left;        /* pad on the right instead of the left */
  int zero;        /* pad numbers with '0' instead of ' ' */
};

static const char hex_digits[] = "0123456789abcdef";

/* Emits text of length len inside the field, padded as the field asks. */
static int
emit_padded(put_fn put, void *sink, const struct field *f,
            const char *sign, const char *text, int len)
{
  int sign_len = 0;
  int pad;
  int i;

  while (sign[sign_len] != '\0')
    sign_len++;
  pad = f->width - sign_len - len;
  if (pad < 0)
    pad = 0;

  if (!f->left && !f->zero)
    for (i = 0; i < pad; i++)
      put(sink, ' ');
  for (i = 0; i < sign_len; i++)
    put(sink, sign[i]);
  if (!f->left && f->zero)
    for (i = 0; i < pad; i++)
      put(sink, '0');
  for (i = 0; i < len; i++)
    put(sink, text[i]);
  if (f->left)
    for (i = 0; i < pad; i++)
      put(sink, ' ');
  return pad + sign_len + len;
}

/* Writes the digits of value in base into the end of buf; returns where they start. */
static char *
digits_of(unsigned long long value, unsigned base, char *buf_end)
{
  char *p = buf_end;

  do {
    *--p = hex_digits[value % base];
    value /= base;
  } while (value != 0);
  return p;
}

static int
emit_unsigned(put_fn put, void *sink, const struct field *f,
              const char *sign, unsigned long long value, unsigned base)
{
  char buf[NUMBUF_SIZE];
  char *end = buf + sizeof(buf);
  char *start = digits_of(value, base, end);

  return emit_padded(put, sink, f, sign, start, end - start);
}

static int
emit_signed(put_fn put, void *sink, const struct field *f, long long value)
{
  /* Negate in unsigned arithmetic so the most negative value works too. */
  if (value < 0)
    return emit_unsigned(put, sink, f, "-", -(unsigned long long)value, 10);
  return emit_unsigned(put, sink, f, "", (unsigned long long)value, 10);
}

static int
emit_pointer(put_fn put, void *sink, const struct field *f, uint64 addr)
{
  char buf[POINTER_DIGITS];
  int i;

  for (i = POINTER_DIGITS - 1; i >= 0; i--) {
    buf[i] = hex_digits[addr & 0xf];
    addr >>= 4;
  }
  return emit_padded(put, sink, f, "0x", buf, POINTER_DIGITS);
}

static int
emit_string(put_fn put, void *sink, const struct field *f, const char *s)
{
  int len = 0;
  struct field text = *f;

  if (s == 0)
    s = "(null)";
  while (s[len] != '\0')
    len++;
  text.zero = 0;
  return emit_padded(put, sink, &text, "", s, len);
}

/* Parses flags and width after the '%'; returns the first character past them. */
static const char *
parse_field(const char *fmt, struct field *f)
{
  f->width = 0;
  f->left = 0;
  f->zero = 0;
  for (;; fmt++) {
    if (*fmt == '-')
      f->left = 1;
    else if (*fmt == '0')
      f->zero = 1;
    else
      break;
  }
  while (*fmt >= '0' && *fmt <= '9')
    f->width = f->width * 10 + (*fmt++ - '0');
  if (f->left)
    f->zero = 0;
  return fmt;
}

/* Reads an integer argument of the given size (0 int, 1 long, 2 long long). */
static long long
signed_arg(va_list *ap, int size)
{
  if (size == 0)
    return va_arg(*ap, int);
  if (size == 1)
    return va_arg(*ap, long);
  return va_arg(*ap, long long);
}

static unsigned long long
unsigned_arg(va_list *ap, int size)
{
  if (size == 0)
    return va_arg(*ap, unsigned int);
  if (size == 1)
    return va_arg(*ap, unsigned long);
  return va_arg(*ap, unsigned long long);
}

/*
 * Formats one conversion whose flags/width/size are already parsed; conv
 * points at the conversion letter. Returns the characters produced, or -1 if
 * the letter is not one we know.
 */
static int
emit_conversion(put_fn put, void *sink, const struct field *f, int size,
                char conv, va_list *ap)
{
  char c;

  switch (conv) {
  case 'd':
    return emit_signed(put, sink, f, signed_arg(ap, size));
  case 'u':
    return emit_unsigned(put, sink, f, "", unsigned_arg(ap, size), 10);
  case 'x':
    return emit_unsigned(put, sink, f, "", unsigned_arg(ap, size), 16);
  case 'p':
    return emit_pointer(put, sink, f, (uint64)va_arg(*ap, void *));
  case 's':
    return emit_string(put, sink, f, va_arg(*ap, const char *));
  case 'c':
    c = (char)va_arg(*ap, int);
    return emit_padded(put, sink, f, "", &c, 1);
  case '%':
    put(sink, '%');
    return 1;
  default:
    return -1;
  }
}

int
vformat(put_fn put, void *sink, const char *fmt, va_list ap)
{
  va_list args;
  int count = 0;

  va_copy(args, ap);
  while (*fmt != '\0') {
    const char *spec = fmt;
    struct field f;
    int size = 0;
    int n;

    if (*fmt != '%') {
      put(sink, *fmt++);
      count++;
      continue;
    }
    fmt = parse_field(fmt + 1, &f);
    while (*fmt == 'l' && size < 2) {
      size++;
      fmt++;
    }
    n = (*fmt == '\0') ? -1 : emit_conversion(put, sink, &f, size, *fmt, &args);
    if (n < 0) {
      /* Unknown or unfinished: print the specification as it was written. */
      if (*fmt != '\0')
        fmt++;
      for (; spec < fmt; spec++, count++)
        put(sink, *spec);
      continue;
    }
    fmt++;
    count += n;
  }
  va_end(args);
  return count;
}

/* ---- the buffered sink behind printf and fprintf ---- */

struct fd_sink {
  int fd;
  int len;
  char buf[OUTBUF_SIZE];
};

static void
fd_sink_flush(struct fd_sink *s)
{
  if (s->len > 0)
    write(s->fd, s->buf, s->len);
  s->len = 0;
}

static void
fd_sink_put(void *sink, char c)
{
  struct fd_sink *s = sink;

  if (s->len == OUTBUF_SIZE)
    fd_sink_flush(s);
  s->buf[s->len++] = c;
}

static void
vfprintf_fd(int fd, const char *fmt, va_list ap)
{
  struct fd_sink s;

  s.fd = fd;
  s.len = 0;
  vformat(fd_sink_put, &s, fmt, ap);
  fd_sink_flush(&s);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfprintf_fd(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfprintf_fd(1, fmt, ap);
  va_end(ap);
}
