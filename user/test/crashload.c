/*
 * crashload.c: a file-system workload meant to be cut off by a crash, and
 * the checker that reads what survived. tests/test_crash.py drives both.
 *
 *   crashload SEED          work in /crash until killed (SEED: a positive number)
 *   crashload check PATH... report, for each file, how many whole records it holds
 *
 * The workload. Every role is a process of its own, with its own random
 * stream drawn from SEED:
 *   - writers w0, w1, ... append numbered records to a file each, one write()
 *     per record, and now and then rename the file by link(old, new) then
 *     unlink(old), then keep writing through the same descriptor;
 *   - a churner creates small files t0, t1, ..., writes one to three records
 *     to each and unlinks it, at once or later (it keeps a few);
 *   - an orphan maker opens o0, o1, ..., unlinks it while open and keeps
 *     writing to it (big enough to need the indirect block), then closes it;
 *   - a directory remover makes d0, d1, ...; a child makes it its working
 *     directory, the parent unlinks it (the kernel allows that for an empty
 *     directory, busy or not), and the child lives on in it for a while,
 *     looking at it but making nothing in it.
 *
 * Each step is announced on the console, in one write(), only after its
 * system call has returned:
 *   crashload: create NAME      NAME exists (empty)
 *   crashload: NAME N           record N of the file now called NAME is written
 *   crashload: link OLD NEW     NEW names the same file as OLD
 *   crashload: unlink NAME      NAME is gone
 *   crashload: open-unlinked NAME   NAME was unlinked while this process holds it open
 *   crashload: orphan NAME N    record N written to that unlinked file
 *   crashload: close NAME       the unlinked file is closed (and freed)
 *   crashload: mkdir D / cwd D / rmdir D / in-removed D nlink N / left D
 *   crashload: reaped D         the child in D has exited (D's inode is freed)
 *   crashload: sync K commits C overlapped O checkpoints P
 *                               every step announced above is on the disk, and so
 *                               is "sync K" in the file /crashsync; C, O, P are
 *                               the log's counters so far (fsstat): commits,
 *                               commits that overlapped the one before, and
 *                               checkpoints
 * A line that starts with "crashload: FAILED" reports a system call that
 * failed although it should have worked; that role then exits.
 *
 * A system call returns only once its changes are committed, so every step
 * announced is on the disk. A test that cuts the disk's stream of writes at
 * some write does not know which lines had been printed by then, so the
 * main process also marks points on the disk itself. A pipe holds one token
 * per role; a role holds a token while inside any system call that may
 * start a log operation (open, write, close, link, unlink, mkdir, chdir,
 * and a child's exit), and prints after giving it back. Now and then the
 * main process takes every token: no operation is running then, and
 * everything announced before is on the disk. It writes "sync K" over the start
 * of /crashsync, alone on the log, so the write commits before it returns,
 * then prints "sync K" and gives the tokens back. A disk that holds marker
 * K holds every step announced before that line, and none done after
 * marker K+1 (tests/test_crash_writes.py).
 *
 * A second pipe holding one byte is a door that a role passes before taking
 * a token; the main process shuts it while it gathers the tokens, so the
 * roles cannot keep passing them among themselves.
 *
 * A record is self-checking: "STREAM:NNNNNN:LLLL:" (the stream's name, the
 * record number from 1, the record length), then letters that depend on the
 * stream and the number, then a newline; LLLL bytes in all. The stream is
 * the part of a file name before its '.', so w1.0, w1.1, ... are the names
 * one writer's file takes in turn. Different writers use different record
 * lengths (64 to 1000 bytes), so records straddle block boundaries and the
 * longest files reach the indirect block.
 *
 * The checker prints one line per PATH:
 *   check: PATH missing
 *   check: PATH records N size S         records 1..N are whole and in order
 *   check: PATH bad record R at offset O: TEXT    (after the line above)
 * A file is sound when S is the sum of the lengths of its N records.
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define DIR_NAME        "/crash"
#define SYNC_MARKER     "/crashsync"   /* "sync K\n", K in SYNC_DIGITS digits, rewritten in place */
#define SYNC_DIGITS     6
#define NAME_MAX        16       /* room for any name this program makes */
#define RECORD_MAX      1000     /* longest record */
#define MIN_WRITERS     2
#define MAX_WRITERS     4
#define WRITER_BYTES    (96 * 1024)   /* a writer stops (and waits to be killed) at this size */
#define CHURN_KEEP      4        /* t files the churner leaves in place at most */
#define ORPHAN_RECLEN   512
#define ORPHAN_MIN      8        /* records per unlinked-open file: 8 .. 8 + ORPHAN_SPREAD - 1 */
#define ORPHAN_SPREAD   33       /* 40 records of 512 bytes reach past NDIRECT blocks */
#define TEXT_SHOWN      40       /* bytes of a bad record the checker shows */
#define IDLE_TICKS      100
#define SYNC_TICKS      1        /* between the main process's sync points */
#define ROLE_CHURN      MAX_WRITERS
#define ROLE_ORPHAN     (MAX_WRITERS + 1)
#define ROLE_DIR        (MAX_WRITERS + 2)

/* Record lengths the writers use: one fits a block many times, others straddle blocks. */
static const int writer_reclen[MAX_WRITERS] = { 64, 100, 300, 1000 };

static uint rng_state;
static int gate[2];        /* the token pipe: one byte per role when nobody is inside a call */
static int door[2];        /* one byte: a role passes it before taking a token; sync holds it */
static int ntokens;

static void
rng_seed(uint seed, uint role)
{
  rng_state = seed * 2654435761u + role * 40503u + 1;
  if (rng_state == 0)
    rng_state = 1;
}

/* xorshift32: good enough to vary the timing and the choices. */
static uint
rng_next(void)
{
  uint x = rng_state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return x;
}

/* A number in [0, n). */
static int
rng_below(int n)
{
  return (int)(rng_next() % (uint)n);
}

/* Now and then give up the CPU for a tick, so the roles interleave differently per seed. */
static void
maybe_pause(int one_in)
{
  if (rng_below(one_in) == 0)
    sleep(1);
}

/* ---- tokens: no log operation runs while the main process holds them all ---- */

static void failed(const char *what, const char *name, int result);

/* Pass the door (so a sync that holds it is not starved), then take a token. */
static void
take(void)
{
  char c;

  if (read(door[0], &c, 1) != 1 || write(door[1], &c, 1) != 1)
    failed("pass", "door pipe", -1);
  if (read(gate[0], &c, 1) != 1)
    failed("read", "token pipe", -1);
}

static void
give(void)
{
  char c = 'k';

  if (write(gate[1], &c, 1) != 1)
    failed("write", "token pipe", -1);
}

static int
fs_open(const char *path, int mode)
{
  int fd;

  take();
  fd = open(path, mode);
  give();
  return fd;
}

static void
fs_close(int fd)
{
  take();
  close(fd);
  give();
}

static int
fs_write(int fd, const void *buf, int n)
{
  take();
  n = write(fd, buf, n);
  give();
  return n;
}

static int
fs_link(const char *old, const char *new)
{
  int rc;

  take();
  rc = link(old, new);
  give();
  return rc;
}

static int
fs_unlink(const char *path)
{
  int rc;

  take();
  rc = unlink(path);
  give();
  return rc;
}

static int
fs_mkdir(const char *path)
{
  int rc;

  take();
  rc = mkdir(path);
  give();
  return rc;
}

static int
fs_chdir(const char *path)
{
  int rc;

  take();
  rc = chdir(path);
  give();
  return rc;
}

/* ---- records ---- */

/* The stream of a file name: the part before the first '.'. */
static void
stream_of(const char *name, char *stream)
{
  int i;

  for (i = 0; name[i] != '\0' && name[i] != '.' && i < NAME_MAX - 1; i++)
    stream[i] = name[i];
  stream[i] = '\0';
}

/* Writes the decimal digits of v into out, zero-padded to width; returns width. */
static int
put_number(char *out, uint v, int width)
{
  int i;

  for (i = width - 1; i >= 0; i--) {
    out[i] = '0' + v % 10;
    v /= 10;
  }
  return width;
}

/* The letter at position i of record number of stream: shifts with both. */
static char
filler(const char *stream, int number, int i)
{
  uint h = (uint)number * 7u;
  int k;

  for (k = 0; stream[k] != '\0'; k++)
    h = h * 31u + (uchar)stream[k];
  return 'a' + (h + (uint)i) % 26;
}

/* Builds record number of stream, len bytes, in rec. */
static void
make_record(char *rec, const char *stream, int number, int len)
{
  int at = 0;
  int k;

  for (k = 0; stream[k] != '\0'; k++)
    rec[at++] = stream[k];
  rec[at++] = ':';
  at += put_number(rec + at, number, 6);
  rec[at++] = ':';
  at += put_number(rec + at, len, 4);
  rec[at++] = ':';
  for (; at < len - 1; at++)
    rec[at] = filler(stream, number, at);
  rec[len - 1] = '\n';
}

/* The length field of the record at rec (avail bytes there), or -1 if there is no header. */
static int
record_length(const char *rec, int avail, const char *stream)
{
  int slen = strlen(stream);
  int len = 0;
  int i;

  if (avail < slen + 13 || memcmp(rec, stream, slen) != 0 || rec[slen] != ':' ||
      rec[slen + 7] != ':' || rec[slen + 12] != ':')
    return -1;
  for (i = slen + 8; i < slen + 12; i++) {
    if (rec[i] < '0' || rec[i] > '9')
      return -1;
    len = len * 10 + rec[i] - '0';
  }
  if (len < slen + 14 || len > RECORD_MAX)
    return -1;
  return len;
}

/* ---- announcing: one write() per line, after the system call returned ---- */

static void
failed(const char *what, const char *name, int result)
{
  printf("crashload: FAILED %s %s (%d)\n", what, name, result);
  exit(1);
}

static void
write_record(int fd, const char *name, const char *stream, int number, int len, int orphan)
{
  static char rec[RECORD_MAX];
  int n;

  make_record(rec, stream, number, len);
  n = fs_write(fd, rec, len);
  if (n != len)
    failed("write", name, n);
  if (orphan)
    printf("crashload: orphan %s %d\n", name, number);
  else
    printf("crashload: %s %d\n", name, number);
}

static void
make_name(char *out, char prefix, int a, int b)
{
  char digits[12];
  int at = 0;
  int n;

  out[at++] = prefix;
  n = 0;
  do {
    digits[n++] = '0' + a % 10;
    a /= 10;
  } while (a > 0);
  while (n > 0)
    out[at++] = digits[--n];
  if (b >= 0) {
    out[at++] = '.';
    do {
      digits[n++] = '0' + b % 10;
      b /= 10;
    } while (b > 0);
    while (n > 0)
      out[at++] = digits[--n];
  }
  out[at] = '\0';
}

/* ---- the roles ---- */

static void
idle_forever(void)
{
  for (;;)
    sleep(IDLE_TICKS);
}

/* Appends records to w<k>.<gen>, renaming it to w<k>.<gen+1> by link and unlink now and then. */
static void
writer(int k)
{
  char name[NAME_MAX], next[NAME_MAX], stream[NAME_MAX];
  int len = writer_reclen[k];
  int rename_every = 5 + rng_below(20);
  int gen = 0;
  int fd;
  int r;
  int rc;

  make_name(name, 'w', k, gen);
  stream_of(name, stream);
  fd = fs_open(name, O_CREATE | O_RDWR);
  if (fd < 0)
    failed("create", name, fd);
  printf("crashload: create %s\n", name);
  for (r = 1; r * len <= WRITER_BYTES; r++) {
    write_record(fd, name, stream, r, len, 0);
    if (rng_below(rename_every) == 0) {
      make_name(next, 'w', k, gen + 1);
      if ((rc = fs_link(name, next)) != 0)
        failed("link", next, rc);
      printf("crashload: link %s %s\n", name, next);
      maybe_pause(3);
      if ((rc = fs_unlink(name)) != 0)
        failed("unlink", name, rc);
      printf("crashload: unlink %s\n", name);
      strcpy(name, next);
      gen++;
    }
    maybe_pause(8);
  }
  idle_forever();
}

/* Small files that come and go: create, one to three records, unlink now or later. */
static void
churner(void)
{
  char name[NAME_MAX];
  int kept[CHURN_KEEP];
  int nkept = 0;
  int t;
  int r;
  int nrecords;
  int fd;
  int rc;

  for (t = 0;; t++) {
    make_name(name, 't', t, -1);
    fd = fs_open(name, O_CREATE | O_RDWR);
    if (fd < 0)
      failed("create", name, fd);
    printf("crashload: create %s\n", name);
    nrecords = 1 + rng_below(3);
    for (r = 1; r <= nrecords; r++)
      write_record(fd, name, name, r, 64 + rng_below(3) * 40, 0);
    fs_close(fd);
    if (rng_below(2) == 0) {
      if ((rc = fs_unlink(name)) != 0)
        failed("unlink", name, rc);
      printf("crashload: unlink %s\n", name);
    } else {
      if (nkept == CHURN_KEEP) {
        int victim = rng_below(CHURN_KEEP);
        char old[NAME_MAX];

        make_name(old, 't', kept[victim], -1);
        if ((rc = fs_unlink(old)) != 0)
          failed("unlink", old, rc);
        printf("crashload: unlink %s\n", old);
        kept[victim] = kept[--nkept];
      }
      kept[nkept++] = t;
    }
    maybe_pause(4);
  }
}

/* Files unlinked while open, written to afterwards, then closed (which frees them). */
static void
orphan_maker(void)
{
  char name[NAME_MAX];
  int o;
  int r;
  int n;
  int fd;
  int rc;

  for (o = 0;; o++) {
    make_name(name, 'o', o, -1);
    fd = fs_open(name, O_CREATE | O_RDWR);
    if (fd < 0)
      failed("create", name, fd);
    printf("crashload: create %s\n", name);
    if ((rc = fs_unlink(name)) != 0)
      failed("unlink", name, rc);
    printf("crashload: open-unlinked %s\n", name);
    n = ORPHAN_MIN + rng_below(ORPHAN_SPREAD);
    for (r = 1; r <= n; r++) {
      write_record(fd, name, name, r, ORPHAN_RECLEN, 1);
      maybe_pause(4);
    }
    fs_close(fd);
    printf("crashload: close %s\n", name);
  }
}

/* A child whose working directory is unlinked under it, and what it may still do there. */
static void
dir_remover(void)
{
  char name[NAME_MAX];
  int ready[2], removed[2];
  int d;
  int pid;
  int rc;
  char c = 'x';

  for (d = 0;; d++) {
    make_name(name, 'd', d, -1);
    if ((rc = fs_mkdir(name)) != 0)
      failed("mkdir", name, rc);
    printf("crashload: mkdir %s\n", name);
    if (pipe(ready) < 0 || pipe(removed) < 0)
      failed("pipe", name, -1);
    pid = fork();
    if (pid < 0)
      failed("fork", name, pid);
    if (pid == 0) {
      struct stat st;
      int fd;

      if ((rc = fs_chdir(name)) != 0)
        failed("chdir", name, rc);
      printf("crashload: cwd %s\n", name);
      write(ready[1], &c, 1);
      read(removed[0], &c, 1);
      /*
       * No name reaches this directory any more; it lives until this process
       * leaves it. Only look at it: a file made in it could never be found.
       */
      fd = fs_open(".", O_RDONLY);
      if (fd < 0 || fstat(fd, &st) < 0)
        failed("open .", name, fd);
      fs_close(fd);
      if (st.nlink != 0)
        failed("nlink of removed", name, st.nlink);
      printf("crashload: in-removed %s nlink %d\n", name, st.nlink);
      sleep(1 + rng_below(10));
      printf("crashload: left %s\n", name);
      take();   /* exit puts the directory, freeing it: the parent gives the token back */
      exit(0);
    }
    read(ready[0], &c, 1);
    if ((rc = fs_unlink(name)) != 0)
      failed("rmdir", name, rc);
    printf("crashload: rmdir %s\n", name);
    write(removed[1], &c, 1);
    wait(0);
    give();
    printf("crashload: reaped %s\n", name);
    close(ready[0]);
    close(ready[1]);
    close(removed[0]);
    close(removed[1]);
    maybe_pause(3);
  }
}

/* Forks a role: writers are roles 0 .. nwriters - 1, then ROLE_CHURN, ROLE_ORPHAN, ROLE_DIR. */
static void
start_role(uint seed, int role)
{
  int pid = fork();

  if (pid < 0)
    failed("fork", "role", pid);
  if (pid > 0)
    return;
  rng_seed(seed, role + 1);
  if (role == ROLE_CHURN)
    churner();
  else if (role == ROLE_ORPHAN)
    orphan_maker();
  else if (role == ROLE_DIR)
    dir_remover();
  else
    writer(role);
  exit(0);
}

/*
 * Writes "sync K" over the marker file. The caller holds every token, so this
 * is the only log operation running and each call below commits on its own.
 */
static void
write_sync_marker(int k)
{
  char line[] = "sync 000000\n";
  int digit;
  int fd;

  for (digit = SYNC_DIGITS; digit > 0; digit--, k /= 10)
    line[sizeof("sync ") - 1 + digit - 1] = '0' + k % 10;
  fd = open(SYNC_MARKER, O_CREATE | O_WRONLY);
  if (fd < 0)
    failed("open", SYNC_MARKER, fd);
  if (write(fd, line, sizeof(line) - 1) != sizeof(line) - 1)
    failed("write", SYNC_MARKER, -1);
  close(fd);
}

/* Marks, now and then, a moment when no log operation runs (see the top of the file). */
static void
sync_forever(void)
{
  char tokens[MAX_WRITERS + 3];
  struct fsstat st;
  int held;
  int n;
  int k;

  for (k = 1;; k++) {
    sleep(SYNC_TICKS);
    if (read(door[0], tokens, 1) != 1)
      failed("read", "door pipe", -1);
    for (held = 0; held < ntokens; held += n)
      if ((n = read(gate[0], tokens, ntokens - held)) <= 0)
        failed("read", "token pipe", n);
    write_sync_marker(k);
    if (fsstat(&st) < 0)
      failed("fsstat", "/", -1);
    printf("crashload: sync %d commits %d overlapped %d checkpoints %d\n", k, (int)st.log_commits,
           (int)st.log_overlapped, (int)st.log_checkpoints);
    if (write(gate[1], tokens, ntokens) != ntokens || write(door[1], tokens, 1) != 1)
      failed("write", "token pipe", -1);
  }
}

static int
run(uint seed)
{
  int nwriters;
  int k;

  rng_seed(seed, 0);
  nwriters = MIN_WRITERS + rng_below(MAX_WRITERS - MIN_WRITERS + 1);
  mkdir(DIR_NAME);   /* may exist from an earlier run */
  if (chdir(DIR_NAME) != 0)
    failed("chdir", DIR_NAME, -1);
  if (pipe(gate) < 0 || pipe(door) < 0)
    failed("pipe", "token pipe", -1);
  ntokens = nwriters + 3;
  for (k = 0; k < ntokens; k++)
    give();
  if (write(door[1], "d", 1) != 1)
    failed("write", "door pipe", -1);
  printf("crashload: start seed %d writers %d\n", (int)seed, nwriters);
  for (k = 0; k < nwriters; k++)
    start_role(seed, k);
  start_role(seed, ROLE_CHURN);
  start_role(seed, ROLE_ORPHAN);
  start_role(seed, ROLE_DIR);
  sync_forever();
  return 1;
}

/* ---- the checker ---- */

static void
show_bad(const char *path, int number, int off, const char *at, int avail)
{
  char text[TEXT_SHOWN + 1];
  int i;

  for (i = 0; i < TEXT_SHOWN && i < avail; i++)
    text[i] = (at[i] >= ' ' && at[i] <= '~') ? at[i] : '?';
  text[i] = '\0';
  printf("check: %s bad record %d at offset %d: %s\n", path, number, off, text);
}

static void
check_file(const char *path)
{
  static char expect[RECORD_MAX];
  char stream[NAME_MAX];
  const char *base = path;
  struct stat st;
  char *data;
  int fd;
  int off = 0;
  int got = 0;
  int n;
  int number = 0;

  for (n = 0; path[n] != '\0'; n++)
    if (path[n] == '/')
      base = path + n + 1;
  stream_of(base, stream);
  fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("check: %s missing\n", path);
    return;
  }
  if (fstat(fd, &st) < 0 || st.type != T_FILE) {
    printf("check: %s not a file\n", path);
    close(fd);
    return;
  }
  data = malloc(st.size + 1);
  if (data == 0) {
    printf("check: %s too big to read (%d bytes)\n", path, (int)st.size);
    close(fd);
    return;
  }
  while (got < (int)st.size && (n = read(fd, data + got, st.size - got)) > 0)
    got += n;
  close(fd);
  while (off < got) {
    int len = record_length(data + off, got - off, stream);

    if (len < 0 || off + len > got)
      break;
    make_record(expect, stream, number + 1, len);
    if (memcmp(expect, data + off, len) != 0)
      break;
    number++;
    off += len;
  }
  printf("check: %s records %d size %d\n", path, number, got);
  if (off < got || got != (int)st.size)
    show_bad(path, number + 1, off, data + off, got - off);
  free(data);
}

int
main(int argc, char *argv[])
{
  int i;

  if (argc >= 2 && strcmp(argv[1], "check") == 0) {
    for (i = 2; i < argc; i++)
      check_file(argv[i]);
    exit(0);
  }
  if (argc != 2 || atoi(argv[1]) <= 0) {
    fprintf(2, "usage: crashload SEED | crashload check PATH...\n");
    exit(2);
  }
  exit(run((uint)atoi(argv[1])));
}
