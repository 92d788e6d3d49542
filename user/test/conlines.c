/*
 * conlines: the console under fire from several harts at once. Writer
 * children print whole lines, one write() each, while a killer child keeps
 * making the kernel kill its own children (a load from KERNBASE), so kernel
 * messages and user lines race for the UART. Every line must arrive whole:
 * tests/test_console.py checks the transcript line by line.
 *
 *   conlines [ROUNDS]     each writer prints ROUNDS lines; ROUNDS kills
 */
#include "kernel/types.h"
#include "kernel/memlayout.h"
#include "user/user.h"

#define WRITERS        2
#define DEFAULT_ROUNDS 100
#define LINE_TAIL      "abcdefghijklmnopqrstuvwxyz"

static void
writer(int id, int rounds)
{
  char line[64];

  for (int i = 0; i < rounds; i++) {
    /* "conlines w1 0042 abc...z\n": built by hand to go out in a single write */
    char *p = line;
    const char *head = "conlines w";
    while (*head)
      *p++ = *head++;
    *p++ = '0' + id;
    *p++ = ' ';
    for (int div = 1000; div > 0; div /= 10)
      *p++ = '0' + (i / div) % 10;
    *p++ = ' ';
    for (const char *t = LINE_TAIL; *t; t++)
      *p++ = *t;
    *p++ = '\n';
    write(1, line, p - line);
  }
  exit(0);
}

static void
killer(int rounds)
{
  for (int i = 0; i < rounds; i++) {
    int pid = fork();
    if (pid == 0) {
      volatile char *kernel = (char *)KERNBASE;
      exit(*kernel);             /* the kernel kills us first */
    }
    if (pid < 0 || wait(0) != pid)
      exit(1);
  }
  exit(0);
}

int
main(int argc, char *argv[])
{
  int rounds = argc > 1 ? atoi(argv[1]) : DEFAULT_ROUNDS;
  int failed = 0;
  int status;

  for (int w = 1; w <= WRITERS; w++)
    if (fork() == 0)
      writer(w, rounds);
  if (fork() == 0)
    killer(rounds);
  for (int i = 0; i < WRITERS + 1; i++)
    if (wait(&status) < 0 || status != 0)
      failed = 1;
  printf(failed ? "conlines: FAILED\n" : "conlines: done\n");
  exit(failed);
}
