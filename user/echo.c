/* echo.c: print the arguments, separated by spaces, followed by a newline. */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{
  int i;

  for (i = 1; i < argc; i++) {
    const char *sep = (i + 1 < argc) ? " " : "\n";

    if (write(1, argv[i], strlen(argv[i])) < 0 || write(1, sep, 1) != 1) {
      fprintf(2, "echo: write error\n");
      exit(1);
    }
  }
  if (argc < 2 && write(1, "\n", 1) != 1) {
    fprintf(2, "echo: write error\n");
    exit(1);
  }
  exit(0);
}
