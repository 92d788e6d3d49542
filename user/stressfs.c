/*
 * stressfs.c: file system stress. Several processes at once each write a
 * file of their own in odd-sized chunks (big enough to need the indirect
 * block), read it back and compare, then remove it.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "user/user.h"

#define WORKERS     4
#define FILE_BYTES  (NDIRECT * BSIZE + 7 * BSIZE + 123)   /* reaches into the indirect block */
#define CHUNK       500                                   /* not a divisor of BSIZE, on purpose */
#define ROUNDS      2

/* The byte at offset off of worker w's file: differs between workers and positions. */
static char
expected_byte(int w, int off)
{
  return 'a' + (w * 7 + off / 13 + off) % 26;
}

static void
fail(const char *name, const char *why, int detail)
{
  fprintf(2, "stressfs: FAILED %s: %s (%d)\n", name, why, detail);
  exit(1);
}

static void
write_file(int w, const char *name)
{
  char buf[CHUNK];
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  int off;
  int n;
  int i;

  if (fd < 0)
    fail(name, "cannot create", fd);
  for (off = 0; off < FILE_BYTES; off += n) {
    n = FILE_BYTES - off < CHUNK ? FILE_BYTES - off : CHUNK;
    for (i = 0; i < n; i++)
      buf[i] = expected_byte(w, off + i);
    if (write(fd, buf, n) != n)
      fail(name, "short write at offset", off);
  }
  close(fd);
}

static void
check_file(int w, const char *name)
{
  char buf[CHUNK];
  int fd = open(name, O_RDONLY);
  int off = 0;
  int n;
  int i;

  if (fd < 0)
    fail(name, "cannot open for reading", fd);
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    for (i = 0; i < n; i++)
      if (buf[i] != expected_byte(w, off + i))
        fail(name, "wrong byte at offset", off + i);
    off += n;
  }
  close(fd);
  if (n < 0)
    fail(name, "read error at offset", off);
  if (off != FILE_BYTES)
    fail(name, "wrong length", off);
}

/* Appends the decimal digits of v (v >= 0) to s. */
static void
append_number(char *s, int v)
{
  char digits[12];
  int n = 0;

  s += strlen(s);
  do {
    digits[n++] = '0' + v % 10;
    v /= 10;
  } while (v > 0);
  while (n > 0)
    *s++ = digits[--n];
  *s = '\0';
}

/* Worker w of the process whose pid is owner: a name no concurrent stressfs shares. */
static void
worker(int owner, int w)
{
  char name[DIRSIZ + 1];
  int round;

  strcpy(name, "sfs");
  append_number(name, owner);
  strcpy(name + strlen(name), ".");
  append_number(name, w);
  for (round = 0; round < ROUNDS; round++) {
    write_file(w, name);
    check_file(w, name);
  }
  if (unlink(name) < 0)
    fail(name, "cannot unlink", -1);
  exit(0);
}

int
main(void)
{
  int owner = getpid();
  int started = 0;
  int status;
  int ok = 1;
  int w;

  for (w = 0; w < WORKERS; w++) {
    int pid = fork();

    if (pid < 0) {
      fprintf(2, "stressfs: FAILED fork of worker %d\n", w);
      ok = 0;
      break;
    }
    if (pid == 0)
      worker(owner, w);
    started++;
  }
  for (w = 0; w < started; w++) {
    if (wait(&status) < 0 || status != 0)
      ok = 0;
  }
  if (!ok) {
    fprintf(2, "stressfs: FAILED (a worker reported or crashed)\n");
    exit(1);
  }
  printf("stressfs: OK\n");
  exit(0);
}
