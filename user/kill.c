/* kill.c: ask the kernel to kill each process whose pid is given. */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int i;
  int status = 0;

  if (argc < 2) {
    fprintf(2, "kill: usage: kill pid...\n");
    exit(1);
  }
  for (i = 1; i < argc; i++) {
    if (kill(atoi(argv[i])) < 0) {
      fprintf(2, "kill: cannot kill %s\n", argv[i]);
      status = 1;
    }
  }
  exit(status);
}
