#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"
#define MIB (1024*1024)
static struct vmmap_run runs[512];
int main(int argc, char **argv) {
  int secs = argc > 1 ? atoi(argv[1]) : 3;
  int kids[3];
  for (int k = 0; k < 3; k++) {
    kids[k] = fork();
    if (kids[k] == 0) {
      for (;;) {
        char *p = sbrklazy(8 * MIB);
        for (int i = 0; i < 8 * MIB; i += PGSIZE) { if (i & PGSIZE) p[i] = 1; else (void)*(volatile char*)(p+i); }
        if (fork() == 0) { p[0] = 2; p[5*PGSIZE] = 3; exit(0); }
        wait(0);
        sbrk(-8 * MIB);
      }
    }
  }
  int end = uptime() + secs * 10, calls = 0, bad = 0;
  struct vmstat st;
  while (uptime() < end) {
    for (int k = 0; k < 3; k++) {
      if (vmstat(kids[k], &st) < 0) bad++;
      if (vmstat(0, &st) < 0) bad++;
      if (vmmap(kids[k], runs, 512) < 0) bad++;
      if (vmmap(kids[k], runs, 2) < 0) bad++;
      if (vmcheck() != 0) { bad++; printf("vmcheck mismatch\n"); }
      calls += 5;
    }
  }
  for (int k = 0; k < 3; k++) kill(kids[k]);
  for (int k = 0; k < 3; k++) wait(0);
  printf("zzrace: calls %d bad %d\n", calls, bad);
  exit(0);
}
