/*
 * test_printf.c: host unit tests for user/printf.c, built with printf/fprintf
 * renamed to uprintf/ufprintf and write() replaced by a capturing fake.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define CAPTURE_SIZE 8192
#define LONG_TEXT    1000   /* longer than printf's internal buffer */
#define OTHER_FD     2

/* user/printf.c's entry points, as renamed by the Makefile (no format checking on purpose). */
void uprintf(const char *fmt, ...);
void ufprintf(int fd, const char *fmt, ...);

/* ---- the fake write(): everything written, and where ---- */

static struct {
  char bytes[CAPTURE_SIZE + 1];   /* room to NUL-terminate a full capture */
  int len;
  int writes;
  int last_fd;
  int fds_differ;    /* set if one printf call wrote to two different fds */
} captured;

int
fake_write(int fd, const void *buf, int n)
{
  if (captured.writes > 0 && fd != captured.last_fd)
    captured.fds_differ = 1;
  captured.last_fd = fd;
  captured.writes++;
  if (n < 0 || captured.len + n > CAPTURE_SIZE)
    fail_msg("write of %d bytes overflows the %d-byte capture", n, CAPTURE_SIZE);
  memcpy(captured.bytes + captured.len, buf, n);
  captured.len += n;
  return n;
}

static int
reset_capture(void **state)
{
  (void)state;
  memset(&captured, 0, sizeof(captured));
  return 0;
}

/* Compares the captured output with expected, showing both when they differ. */
#define assert_output(expected)                       \
  do {                                                \
    captured.bytes[captured.len] = '\0';              \
    assert_string_equal(captured.bytes, (expected));  \
    assert_int_equal(captured.len, strlen(expected)); \
    memset(&captured, 0, sizeof(captured));           \
  } while (0)

/* ---- conversions ---- */

static void
test_plain_text(void **state)
{
  (void)state;
  uprintf("hello, world\n");
  assert_output("hello, world\n");
  uprintf("");
  assert_output("");
}

static void
test_decimal(void **state)
{
  (void)state;
  uprintf("%d %d %d", 0, 42, -42);
  assert_output("0 42 -42");
  uprintf("%d %d", INT_MAX, INT_MIN);
  assert_output("2147483647 -2147483648");
}

static void
test_unsigned(void **state)
{
  (void)state;
  uprintf("%u %u", 0u, UINT_MAX);
  assert_output("0 4294967295");
  uprintf("%u", -1);   /* an int -1 read as unsigned int, not widened to 64 bits */
  assert_output("4294967295");
}

static void
test_hex(void **state)
{
  (void)state;
  uprintf("%x %x %x", 0u, 255u, 0xdeadbeefu);
  assert_output("0 ff deadbeef");
  uprintf("%x", -1);
  assert_output("ffffffff");
}

static void
test_long_sizes(void **state)
{
  (void)state;
  uprintf("%ld %ld", LONG_MAX, LONG_MIN);
  assert_output("9223372036854775807 -9223372036854775808");
  uprintf("%lld %lld", LLONG_MAX, LLONG_MIN);
  assert_output("9223372036854775807 -9223372036854775808");
  uprintf("%lu %llu", ULONG_MAX, ULLONG_MAX);
  assert_output("18446744073709551615 18446744073709551615");
  uprintf("%lx %llx", 0x123456789abcdefUL, ULLONG_MAX);
  assert_output("123456789abcdef ffffffffffffffff");
  uprintf("%ld %lld %lu %lx", 0L, 0LL, 0UL, 0UL);
  assert_output("0 0 0 0");
}

static void
test_pointer(void **state)
{
  (void)state;
  uprintf("%p", (void *)0);
  assert_output("0x0000000000000000");
  uprintf("%p", (void *)0x80001234UL);
  assert_output("0x0000000080001234");
  uprintf("%p", (void *)UINTPTR_MAX);
  assert_output("0xffffffffffffffff");
}

static void
test_string_and_char(void **state)
{
  (void)state;
  uprintf("[%s] [%s]", "text", "");
  assert_output("[text] []");
  uprintf("%s", (char *)NULL);
  assert_output("(null)");
  uprintf("%c%c%c", 'a', 'Z', '0');
  assert_output("aZ0");
}

static void
test_percent(void **state)
{
  (void)state;
  uprintf("100%%");
  assert_output("100%");
  uprintf("%%d %d", 7);
  assert_output("%d 7");
}

static void
test_unknown_conversion_is_echoed(void **state)
{
  (void)state;
  uprintf("a%qb");
  assert_output("a%qb");
  uprintf("%y %d", 5);   /* an unknown letter consumes no argument */
  assert_output("%y 5");
  uprintf("end%");
  assert_output("end%");
}

static void
test_width_and_flags(void **state)
{
  (void)state;
  uprintf("[%5d] [%-5d] [%05d]", 42, 42, 42);
  assert_output("[   42] [42   ] [00042]");
  uprintf("[%05d] [%6s] [%-6s]", -42, "ab", "ab");
  assert_output("[-0042] [    ab] [ab    ]");
  uprintf("[%2d]", 12345);   /* a width never truncates */
  assert_output("[12345]");
}

static void
test_mixed_arguments_stay_in_order(void **state)
{
  (void)state;
  uprintf("%s=%d %c %lx %s", "x", -1, 'q', 0xabcUL, "end");
  assert_output("x=-1 q abc end");
}

/* ---- where the output goes ---- */

static void
test_fprintf_uses_its_fd(void **state)
{
  (void)state;
  ufprintf(OTHER_FD, "to %s\n", "stderr");
  assert_int_equal(captured.last_fd, OTHER_FD);
  assert_output("to stderr\n");
  uprintf("x");
  assert_int_equal(captured.last_fd, 1);
  assert_output("x");
}

static void
test_long_output_is_complete(void **state)
{
  char text[LONG_TEXT + 1];
  int i;

  (void)state;
  for (i = 0; i < LONG_TEXT; i++)
    text[i] = 'a' + i % 26;
  text[LONG_TEXT] = '\0';
  uprintf("<%s>", text);
  assert_int_equal(captured.fds_differ, 0);
  assert_true(captured.writes >= 1);
  assert_int_equal(captured.len, LONG_TEXT + 2);
  assert_int_equal(captured.bytes[0], '<');
  assert_memory_equal(captured.bytes + 1, text, LONG_TEXT);
  assert_int_equal(captured.bytes[LONG_TEXT + 1], '>');
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(test_plain_text, reset_capture),
    cmocka_unit_test_setup(test_decimal, reset_capture),
    cmocka_unit_test_setup(test_unsigned, reset_capture),
    cmocka_unit_test_setup(test_hex, reset_capture),
    cmocka_unit_test_setup(test_long_sizes, reset_capture),
    cmocka_unit_test_setup(test_pointer, reset_capture),
    cmocka_unit_test_setup(test_string_and_char, reset_capture),
    cmocka_unit_test_setup(test_percent, reset_capture),
    cmocka_unit_test_setup(test_unknown_conversion_is_echoed, reset_capture),
    cmocka_unit_test_setup(test_width_and_flags, reset_capture),
    cmocka_unit_test_setup(test_mixed_arguments_stay_in_order, reset_capture),
    cmocka_unit_test_setup(test_fprintf_uses_its_fd, reset_capture),
    cmocka_unit_test_setup(test_long_output_is_complete, reset_capture),
  };

  return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
