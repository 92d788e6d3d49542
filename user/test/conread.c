/*
 * conread: console reads with a bad buffer. Reads a line from the console
 * into a kernel address (must fail with -1), then into a good buffer (must
 * get the whole line: the failed read consumed nothing). tests/test_boot.py
 * types the line. Prints "conread: OK <line>".
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "user/user.h"

#define LINE 64

int
main(void)
{
  char buf[LINE];
  int n = read(0, (void *)KERNBASE, LINE);
  if (n != -1) {
    fprintf(2, "conread: FAILED read(console, KERNBASE) = %d, want -1\n", n);
    exit(1);
  }
  n = read(0, buf, LINE - 1);
  if (n <= 0 || buf[n - 1] != '\n') {
    fprintf(2, "conread: FAILED read(console, buf) = %d, want a whole line\n", n);
    exit(1);
  }
  buf[n - 1] = 0;
  printf("conread: OK %s\n", buf);
  exit(0);
}
