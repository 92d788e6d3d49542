/* klib.h: the kernel's string and memory helpers (freestanding: no libc). */
#ifndef KERNEL_LIB_KLIB_H
#define KERNEL_LIB_KLIB_H

#include "kernel/types.h"

void *memset(void *dst, int c, uint64 n);
void *memmove(void *dst, const void *src, uint64 n);
void *memcpy(void *dst, const void *src, uint64 n);   /* the compiler may emit calls to it */
int   memcmp(const void *a, const void *b, uint64 n);
uint64 strlen(const char *s);
int   strncmp(const char *a, const char *b, uint64 n);
/* Copy at most n bytes, padding with NULs like C's strncpy (may leave dst unterminated). */
char *strncpy(char *dst, const char *src, uint64 n);
/* Copy at most size-1 bytes and always terminate; returns dst. */
char *strlcpy(char *dst, const char *src, uint64 size);

/*
 * For one-line helpers on hot paths (page-table walks, reference counts,
 * interrupt nesting): inlined even at -Og, the debugger's build, which
 * otherwise keeps every call, and under QEMU each return costs a lookup of
 * the next block of translated code.
 */
#define HOT_INLINE inline __attribute__((always_inline))

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
