/* string.c: freestanding memory and string routines for the kernel. */
#include "kernel/types.h"
#include "kernel/lib/klib.h"

/*
 * memset and memmove move 8 bytes at a time where they can: whole words
 * between aligned addresses, four to a loop turn, with single bytes for an
 * unaligned head and the tail. When source and destination disagree in
 * their alignment (their distance is not a multiple of 8), no word is both
 * aligned to read and to write, and bytes it is: the kernel's own copies
 * (pages, the buffer cache, kernel buffers) are aligned, and misaligned
 * words are slow or trap on real harts. Words are read and written through
 * a may_alias type, so the compiler may not reorder them around the byte
 * accesses callers make to the same memory.
 */
typedef uint64 __attribute__((may_alias)) word_t;

/*
 * `make KCOPY=byte` keeps the byte-at-a-time copies the tree had before:
 * make bench measures the copy rate against them, side by side.
 */
#ifdef KCOPY_BYTES
#define WORD_COPIES 0
#else
#define WORD_COPIES 1
#endif

#define WORD        sizeof(word_t)
#define WORD_MASK   (WORD - 1)
#define UNROLL      4                         /* words per turn of the main loops */
#define BYTE_SPREAD 0x0101010101010101ULL     /* times a byte: that byte in all 8 lanes */

static int
word_aligned(const void *p)
{
  return ((uint64)p & WORD_MASK) == 0;
}

/* Can words move between d and s: do they agree in alignment? */
static int
words_fit(const void *d, const void *s)
{
  return WORD_COPIES && ((uint64)d & WORD_MASK) == ((uint64)s & WORD_MASK);
}

void *
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  uchar b = (uchar)c;
  if (!WORD_COPIES) {
    while (n-- > 0)
      *d++ = b;
    return dst;
  }
  for (; n > 0 && !word_aligned(d); n--)
    *d++ = b;
  word_t w = b * BYTE_SPREAD;
  word_t *dw = (word_t *)d;
  for (; n >= UNROLL * WORD; n -= UNROLL * WORD, dw += UNROLL) {
    dw[0] = w;
    dw[1] = w;
    dw[2] = w;
    dw[3] = w;
  }
  for (; n >= WORD; n -= WORD)
    *dw++ = w;
  for (d = (uchar *)dw; n > 0; n--)
    *d++ = b;
  return dst;
}

int
memcmp(const void *a, const void *b, uint64 n)
{
  const uchar *x = a, *y = b;
  for (uint64 i = 0; i < n; i++)
    if (x[i] != y[i])
      return x[i] - y[i];
  return 0;
}

/*
 * Low to high: safe when dst is below src even if they overlap, since each
 * word (and each group of UNROLL words, all read before any is written)
 * is read before a lower store can reach it.
 */
static void
copy_up(uchar *d, const uchar *s, uint64 n)
{
  if (words_fit(d, s)) {
    for (; n > 0 && !word_aligned(d); n--)
      *d++ = *s++;
    word_t *dw = (word_t *)d;
    const word_t *sw = (const word_t *)s;
    for (; n >= UNROLL * WORD; n -= UNROLL * WORD, dw += UNROLL, sw += UNROLL) {
      word_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
      dw[0] = w0;
      dw[1] = w1;
      dw[2] = w2;
      dw[3] = w3;
    }
    for (; n >= WORD; n -= WORD)
      *dw++ = *sw++;
    d = (uchar *)dw;
    s = (const uchar *)sw;
  }
  while (n-- > 0)
    *d++ = *s++;
}

/* High to low, for dst above src: the mirror of copy_up. d and s point one past the ends. */
static void
copy_down(uchar *d, const uchar *s, uint64 n)
{
  if (words_fit(d, s)) {
    for (; n > 0 && !word_aligned(d); n--)
      *--d = *--s;
    word_t *dw = (word_t *)d;
    const word_t *sw = (const word_t *)s;
    for (; n >= UNROLL * WORD; n -= UNROLL * WORD) {
      dw -= UNROLL;
      sw -= UNROLL;
      word_t w3 = sw[3], w2 = sw[2], w1 = sw[1], w0 = sw[0];
      dw[3] = w3;
      dw[2] = w2;
      dw[1] = w1;
      dw[0] = w0;
    }
    for (; n >= WORD; n -= WORD)
      *--dw = *--sw;
    d = (uchar *)dw;
    s = (const uchar *)sw;
  }
  while (n-- > 0)
    *--d = *--s;
}

/* Correct for overlapping ranges: copies downwards when dst is above src and they overlap. */
void *
memmove(void *dst, const void *src, uint64 n)
{
  uchar *d = dst;
  const uchar *s = src;
  if (d > s && d < s + n)
    copy_down(d + n, s + n, n);
  else if (d != s)
    copy_up(d, s, n);
  return dst;
}

void *
memcpy(void *dst, const void *src, uint64 n)
{
  return memmove(dst, src, n);
}

uint64
strlen(const char *s)
{
  uint64 n = 0;
  while (s[n])
    n++;
  return n;
}

int
strncmp(const char *a, const char *b, uint64 n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b)
      return (uchar)*a - (uchar)*b;
    if (*a == 0)
      return 0;
  }
  return 0;
}

char *
strncpy(char *dst, const char *src, uint64 n)
{
  uint64 i = 0;
  for (; i < n && src[i]; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = 0;
  return dst;
}

char *
strlcpy(char *dst, const char *src, uint64 size)
{
  if (size == 0)
    return dst;
  uint64 i = 0;
  for (; i + 1 < size && src[i]; i++)
    dst[i] = src[i];
  dst[i] = 0;
  return dst;
}
