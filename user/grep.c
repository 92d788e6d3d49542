/*
 * grep.c: print the lines that match a pattern.
 *   grep PATTERN [FILE...]
 * Patterns: a character matches itself, '.' matches any character, 'x*'
 * matches zero or more of x, a leading '^' anchors at the line's start and a
 * trailing '$' at its end.
 *
 * The pattern is compiled once into a list of steps; matching tries each
 * start position and backtracks over the lengths a starred step could take.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define MAX_STEPS 128    /* longest pattern, in steps */
#define LINE_MAX  1024   /* longer lines are matched in pieces of this size */

struct step {
  char ch;       /* the character to match, unless any is set */
  char any;      /* '.': matches every character */
  char repeat;   /* followed by '*': zero or more times */
};

struct pattern {
  struct step steps[MAX_STEPS];
  int nsteps;
  int at_start;  /* '^' given */
  int at_end;    /* '$' given */
};

/* Compiles text into p; returns 0, or -1 if it is too long. */
static int
compile(const char *text, struct pattern *p)
{
  int len = strlen(text);

  p->nsteps = 0;
  p->at_start = (text[0] == '^');
  if (p->at_start) {
    text++;
    len--;
  }
  p->at_end = (len > 0 && text[len - 1] == '$');
  if (p->at_end)
    len--;

  for (int i = 0; i < len; i++) {
    struct step *s;

    /* A '*' with nothing before it to repeat stands for itself. */
    if (text[i] == '*' && p->nsteps > 0 && !p->steps[p->nsteps - 1].repeat) {
      p->steps[p->nsteps - 1].repeat = 1;
      continue;
    }
    if (p->nsteps == MAX_STEPS)
      return -1;
    s = &p->steps[p->nsteps++];
    s->any = (text[i] == '.');
    s->ch = text[i];
    s->repeat = 0;
  }
  return 0;
}

static int
step_accepts(const struct step *s, char c)
{
  return s->any || s->ch == c;
}

/* Do steps [k, nsteps) match the text [t, end), reaching end if the pattern demands it? */
static int
match_from(const struct pattern *p, int k, const char *t, const char *end)
{
  for (; k < p->nsteps; k++) {
    const struct step *s = &p->steps[k];

    if (s->repeat) {
      const char *longest = t;

      while (longest < end && step_accepts(s, *longest))
        longest++;
      /* Greedy: try the longest run first, then give characters back. */
      for (; longest >= t; longest--)
        if (match_from(p, k + 1, longest, end))
          return 1;
      return 0;
    }
    if (t == end || !step_accepts(s, *t))
      return 0;
    t++;
  }
  return !p->at_end || t == end;
}

static int
matches(const struct pattern *p, const char *line, const char *end)
{
  const char *start = line;

  do {
    if (match_from(p, 0, start, end))
      return 1;
  } while (!p->at_start && start++ < end);
  return 0;
}

static char *
find_newline(char *p, char *end)
{
  for (; p < end; p++)
    if (*p == '\n')
      return p;
  return 0;
}

static void
check_line(const struct pattern *p, const char *line, const char *end)
{
  if (matches(p, line, end)) {
    write(1, line, end - line);
    write(1, "\n", 1);
  }
}

/* Prints the matching lines of fd. Returns 0, or -1 on a read error. */
static int
grep_fd(const struct pattern *p, int fd)
{
  static char buf[LINE_MAX];
  int have = 0;   /* bytes in buf not yet matched */
  int n;

  while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
    char *line = buf;
    char *nl;
    int rest;

    have += n;
    while ((nl = find_newline(line, buf + have)) != 0) {
      check_line(p, line, nl);
      line = nl + 1;
    }
    rest = buf + have - line;
    if (rest == sizeof(buf)) {
      /* A full buffer without a newline: match it as a line of its own. */
      check_line(p, buf, buf + rest);
      rest = 0;
    }
    memmove(buf, line, rest);
    have = rest;
  }
  if (have > 0)
    check_line(p, buf, buf + have);   /* last line without a newline */
  return n < 0 ? -1 : 0;
}

int
main(int argc, char *argv[])
{
  static struct pattern pattern;
  int status = 0;
  int i;
  int fd;

  if (argc < 2) {
    fprintf(2, "grep: usage: grep pattern [file ...]\n");
    exit(1);
  }
  if (compile(argv[1], &pattern) < 0) {
    fprintf(2, "grep: pattern too long\n");
    exit(1);
  }
  if (argc == 2) {
    if (grep_fd(&pattern, 0) < 0) {
      fprintf(2, "grep: read error\n");
      exit(1);
    }
    exit(0);
  }
  for (i = 2; i < argc; i++) {
    fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (grep_fd(&pattern, fd) < 0) {
      fprintf(2, "grep: read error on %s\n", argv[i]);
      status = 1;
    }
    close(fd);
  }
  exit(status);
}
