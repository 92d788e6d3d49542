/* cat.c: copy each named file, or standard input when none is named, to standard output. */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CHUNK 1024

static char buf[CHUNK];

/* Copies fd to standard output: 0, or -1 if reading fd failed. A failed write ends cat. */
static int
copy_out(int fd)
{
  int n;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    if (write(1, buf, n) != n) {
      fprintf(2, "cat: cannot write to standard output\n");
      exit(1);
    }
  }
  return n < 0 ? -1 : 0;
}

/* Copies the file at path: 0, or -1 after saying what went wrong. */
static int
cat_file(const char *path)
{
  int fd = open(path, O_RDONLY);
  int result;

  if (fd < 0) {
    fprintf(2, "cat: cannot open %s\n", path);
    return -1;
  }
  result = copy_out(fd);
  if (result < 0)
    fprintf(2, "cat: cannot read %s\n", path);
  close(fd);
  return result;
}

/* A file that cannot be read is reported and skipped; the exit status then is 1. */
int
main(int argc, char *argv[])
{
  int status = 0;
  int i;

  if (argc < 2) {
    if (copy_out(0) < 0) {
      fprintf(2, "cat: cannot read standard input\n");
      exit(1);
    }
    exit(0);
  }
  for (i = 1; i < argc; i++)
    if (cat_file(argv[i]) < 0)
      status = 1;
  exit(status);
}
