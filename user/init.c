/*
 * init.c: the first user process. Sets up the console as fds 0, 1 and 2,
 * then keeps a shell running, reaping every orphan that is handed to it.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE_MAJOR 1   /* device number of the console driver */
#define RETRY_TICKS   10  /* pause before retrying a failed fork */

static char *sh_argv[] = { "sh", 0 };

static void
open_console(void)
{
  if (open("console", O_RDWR) < 0) {
    if (mknod("console", CONSOLE_MAJOR, 0) < 0 || open("console", O_RDWR) < 0)
      exit(1);   /* nowhere to even report the failure */
  }
  dup(0);   /* standard output */
  dup(0);   /* standard error */
}

static int
start_shell(void)
{
  int pid = fork();

  if (pid == 0) {
    exec("sh", sh_argv);
    fprintf(2, "init: exec sh failed\n");
    exit(1);
  }
  return pid;
}

/* Waits until the shell exits; any other child that ends meanwhile is an orphan to reap. */
static void
reap_until(int shell)
{
  int pid;

  do {
    pid = wait(0);
  } while (pid >= 0 && pid != shell);
}

int
main(void)
{
  int shell;

  open_console();
  for (;;) {
    printf("init: starting sh\n");
    shell = start_shell();
    if (shell < 0) {
      fprintf(2, "init: fork failed\n");
      sleep(RETRY_TICKS);
      continue;
    }
    reap_until(shell);
  }
}
