/* wc.c: count lines, words and bytes of each named file, or of standard input. */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CHUNK 1024

struct counts {
  int lines;
  int words;
  int bytes;
};

static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Counts what fd holds until end of file; -1 on a read error. */
static int
count(int fd, struct counts *c)
{
  static char buf[CHUNK];
  int in_word = 0;
  int n;
  int i;

  c->lines = c->words = c->bytes = 0;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    c->bytes += n;
    for (i = 0; i < n; i++) {
      if (buf[i] == '\n')
        c->lines++;
      if (is_space(buf[i])) {
        in_word = 0;
      } else if (!in_word) {
        in_word = 1;
        c->words++;
      }
    }
  }
  return n < 0 ? -1 : 0;
}

/* Prints the counts of fd under name: 0, or -1 after a read error (reported). */
static int
report(int fd, const char *name)
{
  struct counts c;

  if (count(fd, &c) < 0) {
    fprintf(2, "wc: cannot read %s\n", name[0] ? name : "standard input");
    return -1;
  }
  printf("%d %d %d %s\n", c.lines, c.words, c.bytes, name);
  return 0;
}

static int
report_file(const char *path)
{
  int fd = open(path, O_RDONLY);
  int result;

  if (fd < 0) {
    fprintf(2, "wc: cannot open %s\n", path);
    return -1;
  }
  result = report(fd, path);
  close(fd);
  return result;
}

/* Standard input gets an empty name. A file that cannot be read is reported and skipped. */
int
main(int argc, char *argv[])
{
  int status = 0;
  int i;

  if (argc < 2)
    exit(report(0, "") < 0 ? 1 : 0);
  for (i = 1; i < argc; i++)
    if (report_file(argv[i]) < 0)
      status = 1;
  exit(status);
}
