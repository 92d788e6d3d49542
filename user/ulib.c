/*
 * ulib.c: the program entry point and the small C library every user program
 * links with: strings, memory, stat(), gets(), and the sbrk() wrappers.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/vm.h"
#include "kernel/vmstat.h"
#include "user/user.h"

int main(int argc, char **argv);

/*
 * The ELF entry point. The kernel starts a program here with a0 = argc and
 * a1 = argv; a main() that returns instead of calling exit() still ends the
 * process properly, with main's result as its exit status.
 */
void
_start(int argc, char **argv)
{
  exit(main(argc, argv));
}

/* ---- strings ---- */

char *
strcpy(char *dst, const char *src)
{
  char *out = dst;

  while ((*dst++ = *src++) != '\0')
    ;
  return out;
}

int
strcmp(const char *a, const char *b)
{
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

unsigned int
strlen(const char *s)
{
  const char *end = s;

  while (*end != '\0')
    end++;
  return end - s;
}

/* First occurrence of c in s, or 0. Searching for '\0' finds the terminator. */
char *
strchr(const char *s, char c)
{
  for (;; s++) {
    if (*s == c)
      return (char *)s;
    if (*s == '\0')
      return 0;
  }
}

/* Decimal number with optional leading spaces and sign; stops at the first non-digit. */
int
atoi(const char *s)
{
  int sign = 1;
  int value = 0;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '-' || *s == '+') {
    if (*s == '-')
      sign = -1;
    s++;
  }
  while (*s >= '0' && *s <= '9')
    value = value * 10 + (*s++ - '0');
  return sign * value;
}

/* ---- memory ---- */

/*
 * volatile stores keep the compiler from recognising this loop as memset and
 * turning it into a call to itself.
 */
void *
memset(void *dst, int c, unsigned int n)
{
  volatile uchar *p = dst;

  while (n-- > 0)
    *p++ = (uchar)c;
  return dst;
}

/* Copies correctly even when the two ranges overlap. */
void *
memmove(void *dst, const void *src, int n)
{
  volatile uchar *d = dst;
  const uchar *s = src;

  if (n <= 0 || d == s)
    return dst;
  if (d < s) {
    while (n-- > 0)
      *d++ = *s++;
  } else {
    d += n;
    s += n;
    while (n-- > 0)
      *--d = *--s;
  }
  return dst;
}

void *
memcpy(void *dst, const void *src, unsigned int n)
{
  return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, unsigned int n)
{
  const uchar *x = a;
  const uchar *y = b;

  for (; n > 0; n--, x++, y++) {
    if (*x != *y)
      return *x - *y;
  }
  return 0;
}

/* ---- files ---- */

/* Reads one line (newline kept) into buf, at most max-1 bytes; always NUL-terminates. */
char *
gets(char *buf, int max)
{
  int len = 0;
  char c;

  while (len + 1 < max) {
    if (read(0, &c, 1) < 1)
      break;
    buf[len++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  buf[len] = '\0';
  return buf;
}

int
stat(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY);
  int result;

  if (fd < 0)
    return -1;
  result = fstat(fd, st);
  close(fd);
  return result;
}

/* ---- memory from the kernel ---- */

char *
sbrk(int n)
{
  return sys_sbrk(n, SBRK_EAGER);
}

char *
sbrklazy(int n)
{
  return sys_sbrk(n, SBRK_LAZY);
}

int
freepages(void)
{
  struct vmstat st;

  if (vmstat(0, &st) < 0)
    return -1;
  return (int)st.free_pages;
}
