/*
 * init.c: the first user process. Sets up the console as fds 0, 1 and 2,
 * then keeps a shell running, reaping every orphan that is handed to it.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE_MAJOR 1   /* device number of the console driver */
#define RETRY_TICKS   10  /* pause before retrying a failed fork */
#define STDERR        2   /* the last of the three standard descriptors */

static char *sh_argv[] = { "sh", 0 };

/* The console becomes descriptors 0, 1 and 2; a fresh file system has no device file for it yet. */
static void
open_console(void)
{
  int fd = open("console", O_RDWR);

  if (fd < 0 && mknod("console", CONSOLE_MAJOR, 0) == 0)
    fd = open("console", O_RDWR);
  while (fd >= 0 && fd < STDERR)
    fd = dup(0);
  if (fd != STDERR)
    exit(1);   /* nowhere to even report the failure */
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
