/*
 * zombie.c: leave a zombie behind. The child exits at once; the parent dozes
 * so the child is a zombie by the time the parent exits without waiting, and
 * init inherits it and must reap it.
 */
#include "kernel/types.h"
#include "user/user.h"

#define PARENT_DOZE_TICKS 5

int
main(void)
{
  int pid = fork();

  if (pid < 0) {
    fprintf(2, "zombie: fork failed\n");
    exit(1);
  }
  if (pid == 0)
    exit(0);
  sleep(PARENT_DOZE_TICKS);
  exit(0);
}
