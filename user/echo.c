/*
 * echo.c: print the arguments, separated by spaces, followed by a newline.
 * The line is collected first and written in as few pieces as possible, so
 * output from concurrent echos stays on separate lines.
 */
#include "kernel/types.h"
#include "user/user.h"

#define OUT_MAX 512

static char out[OUT_MAX];
static int out_len;

static void
flush(void)
{
  if (out_len > 0 && write(1, out, out_len) != out_len) {
    fprintf(2, "echo: write error\n");
    exit(1);
  }
  out_len = 0;
}

static void
emit(const char *s)
{
  for (; *s != '\0'; s++) {
    if (out_len == OUT_MAX)
      flush();
    out[out_len++] = *s;
  }
}

int
main(int argc, char *argv[])
{
  int i;

  for (i = 1; i < argc; i++) {
    emit(argv[i]);
    if (i + 1 < argc)
      emit(" ");
  }
  emit("\n");
  flush();
  exit(0);
}
