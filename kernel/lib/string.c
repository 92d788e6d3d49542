/* string.c: freestanding memory and string routines for the kernel. */
#include "kernel/types.h"
#include "kernel/lib/klib.h"

void *
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  for (uint64 i = 0; i < n; i++)
    d[i] = (uchar)c;
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

/* Correct for overlapping ranges: copy backwards when dst is above src. */
void *
memmove(void *dst, const void *src, uint64 n)
{
  uchar *d = dst;
  const uchar *s = src;
  if (d > s && d < s + n) {
    while (n-- > 0)
      d[n] = s[n];
  } else {
    for (uint64 i = 0; i < n; i++)
      d[i] = s[i];
  }
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
