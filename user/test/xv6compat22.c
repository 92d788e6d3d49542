/*
 * xv6compat22: a program in the 2022-24 edition's style. It uses sleep()
 * (2025 renamed it pause), sbrk() as the plain eager call with the all-ones
 * failure value such programs compare against, and printf arguments that do
 * not match their format, which that edition's user.h never checked. This
 * file must build with warnings only (the Makefile's USER_UNCHECKED excludes
 * it from the strict check) and print what xv6 printed.
 *
 * It reports as MIT's graders expect a test to: "NAME: " first, then "ok" in
 * a second printf, and checks that lines reach the console as written: no
 * '\r' added, one written on purpose kept.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/memlayout.h"

#define SBRK_FAILED ((char *)0xffffffffffffffffL)   /* how 2022 programs spell SBRK_ERROR */
#define GROW        (3 * 4096)

static int failures;

static void
verdict(const char *name, int ok)
{
  printf("%s: ", name);         /* two writes, like MIT's tests */
  if (ok) {
    printf("ok\n");
  } else {
    printf("FAILED\n");
    failures++;
  }
}

int
main(int argc, char *argv[])
{
  uint64 value = 0x1234;
  char *pointer = (char *)0xabc;

  /* sleep(): the 2022 name of syscall 13. */
  int t0 = uptime();
  verdict("sleep", sleep(2) == 0 && uptime() >= t0 + 2);

  /* sbrk(): eager growth, old break returned, shrink back. */
  char *old = sbrk(GROW);
  int grew = old != SBRK_FAILED;
  if (grew) {
    old[0] = 'a';
    old[GROW - 1] = 'z';
  }
  verdict("sbrk", grew && old[0] == 'a' && old[GROW - 1] == 'z' && sbrk(-GROW) == old + GROW &&
          sbrk(0) == old);
  verdict("sbrk-fail", sbrk(PHYSTOP - KERNBASE) == SBRK_FAILED);

  /* printf with arguments its format does not name. */
  printf("%%p of a uint64: %p\n", value);
  printf("%%x of a pointer: %x\n", pointer);
  printf("%%s of 0: %s\n", 0);
  printf("%%d with an extra argument: %d\n", 7, 8);
  if (argc > 99)
    printf("%%s with no argument: %s\n");     /* built, never run: its output is undefined */

  /* A carriage return the program writes reaches the console; none is added. */
  printf("raw cr:\r|\n");

  if (failures) {
    printf("xv6compat22: %d FAILED\n", failures);
    exit(1);
  }
  printf("xv6compat22: OK\n");
  exit(0);
}
