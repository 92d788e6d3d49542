/*
 * true.c: do nothing and exit with status 0. forkbench execs it to time
 * fork + exec + wait, the work the shell does for every command it runs.
 */
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
  exit(0);
}
