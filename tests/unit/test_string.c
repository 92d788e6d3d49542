/*
 * test_string.c: host tests for the kernel's memmove and memset
 * (kernel/lib/string.c, compiled unchanged but for renamed entry points),
 * under ASan and UBSan. Every alignment of source and destination, lengths
 * 0 to 3 pages, ranges overlapping by every small distance both ways: each
 * result is compared, byte for byte and with guard bytes around it, with a
 * plain byte-at-a-time reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/types.h"

void *k_memset(void *dst, int c, uint64 n);
void *k_memmove(void *dst, const void *src, uint64 n);

#define PAGE      4096
#define MAX_LEN   (3 * PAGE)
#define GUARD     64                        /* bytes checked on each side of a destination */
#define ALIGNS    8                         /* source and destination offsets 0..7 */
#define AREA      (MAX_LEN + 2 * GUARD + 2 * ALIGNS + 2 * PAGE + 64)

/* Every length up to 64, then the edges of words, lines and pages up to 3 pages. */
static const uint64 long_lengths[] = { 65, 95, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096,
                                       4097, 8191, 8192, 8193, 12287, 12288 };
#define SHORT_MAX 64

static uchar area[AREA] __attribute__((aligned(PAGE)));
static uchar want[AREA] __attribute__((aligned(PAGE)));
static uchar src_area[AREA] __attribute__((aligned(PAGE)));

static uint64
length_at(int i)
{
  return i <= SHORT_MAX ? (uint64)i : long_lengths[i - SHORT_MAX - 1];
}
#define NLENGTHS (SHORT_MAX + 1 + (int)(sizeof(long_lengths) / sizeof(long_lengths[0])))

static void
fill(uchar *p, uint64 n, uint32 seed)
{
  for (uint64 i = 0; i < n; i++)
    p[i] = (uchar)(seed * 131 + i * 7 + (i >> 8));
}

/* The reference: copies through a temporary buffer, so overlap needs no thought. */
static void
plain_move(uchar *d, const uchar *s, uint64 n)
{
  static uchar tmp[AREA];
  for (uint64 i = 0; i < n; i++)
    tmp[i] = s[i];
  for (uint64 i = 0; i < n; i++)
    d[i] = tmp[i];
}

static void
expect_same(const uchar *got, const uchar *exp, uint64 from, uint64 to, const char *what,
            int a, int b, uint64 n)
{
  for (uint64 i = from; i < to; i++)
    if (got[i] != exp[i]) {
      fail_msg("%s (offsets %d, %d, length %lu): byte %lu is 0x%02x, want 0x%02x", what, a, b,
               (unsigned long)n, (unsigned long)i, got[i], exp[i]);
    }
}

static void
test_memmove_apart(void **state)
{
  (void)state;
  for (int sa = 0; sa < ALIGNS; sa++)
    for (int da = 0; da < ALIGNS; da++)
      for (int li = 0; li < NLENGTHS; li++) {
        uint64 n = length_at(li), dst = GUARD + da;
        fill(src_area, AREA, 1);
        fill(area, AREA, 2);
        memcpy(want, area, AREA);
        plain_move(want + dst, src_area + sa, n);
        void *r = k_memmove(area + dst, src_area + sa, n);
        assert_ptr_equal(r, area + dst);
        expect_same(area, want, 0, dst + n + GUARD, "memmove", sa, da, n);
      }
}

/* Source and destination in one area, dst = src + delta (delta < 0: below it). */
static void
test_memmove_overlapping(void **state)
{
  (void)state;
  static const int deltas[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 63, 64,
                                65, 100, 4095, 4096, 4097 };
  for (int di = 0; di < (int)(sizeof(deltas) / sizeof(deltas[0])); di++)
    for (int sign = -1; sign <= 1; sign += 2)
      for (int base = 0; base < ALIGNS; base++)
        for (int li = 0; li < NLENGTHS; li++) {
          uint64 n = length_at(li);
          long delta = sign * deltas[di];
          uint64 src = PAGE + GUARD + base, dst = src + delta;
          fill(area, AREA, 3);
          memcpy(want, area, AREA);
          plain_move(want + dst, want + src, n);
          k_memmove(area + dst, area + src, n);
          uint64 lo = (dst < src ? dst : src) - GUARD, hi = (dst > src ? dst : src) + n + GUARD;
          expect_same(area, want, lo, hi, delta > 0 ? "memmove up onto itself" : "memmove down onto itself",
                      base, (int)delta, n);
        }
}

static void
test_memset(void **state)
{
  (void)state;
  static const int values[] = { 0, 0xa5, 0xff, 0x1a5 };   /* 0x1a5: only the low byte counts */
  for (int vi = 0; vi < 4; vi++)
    for (int da = 0; da < ALIGNS; da++)
      for (int li = 0; li < NLENGTHS; li++) {
        uint64 n = length_at(li), dst = GUARD + da;
        fill(area, AREA, 4);
        memcpy(want, area, AREA);
        for (uint64 i = 0; i < n; i++)
          want[dst + i] = (uchar)values[vi];
        void *r = k_memset(area + dst, values[vi], n);
        assert_ptr_equal(r, area + dst);
        expect_same(area, want, 0, dst + n + GUARD, "memset", values[vi], da, n);
      }
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_memmove_apart),
    cmocka_unit_test(test_memmove_overlapping),
    cmocka_unit_test(test_memset),
  };
  return cmocka_run_group_tests(tests, 0, 0);
}
