/*
 * forktest.c: fork until the process table is full, check that a sensible
 * number of forks worked and that fork then fails cleanly, wait for every
 * child, and check that wait() finally reports there are none left.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "user/user.h"

/* Some slots are taken by init, sh and others; demand at least half the table. */
#define MIN_FORKS  (NPROC / 2)
/* Far more than the table holds, so a missing limit cannot go unnoticed. */
#define MAX_TRIES  (NPROC * 4)

static void
failed(const char *why, int expected, int seen)
{
  fprintf(2, "forktest: FAILED %s (expected %d, saw %d)\n", why, expected, seen);
  exit(1);
}

int
main(void)
{
  int forks = 0;
  int status;
  int pid;
  int i;

  printf("forktest: starting\n");
  for (forks = 0; forks < MAX_TRIES; forks++) {
    pid = fork();
    if (pid < 0)
      break;
    if (pid == 0)
      exit(0);
  }
  if (forks == MAX_TRIES)
    failed("fork never failed: no process limit", NPROC, forks);
  if (forks < MIN_FORKS)
    failed("too few forks succeeded", MIN_FORKS, forks);

  for (i = 0; i < forks; i++) {
    status = -1;
    pid = wait(&status);
    if (pid < 0)
      failed("wait ran out of children early", forks, i);
    if (status != 0)
      failed("a child exited with a bad status", 0, status);
  }
  pid = wait(0);
  if (pid != -1)
    failed("wait found a child after all were reaped", -1, pid);

  printf("forktest: %d forks\n", forks);
  printf("forktest: OK\n");
  exit(0);
}
