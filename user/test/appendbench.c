/*
 * appendbench: concurrent appends through the log. Each of W writer
 * processes appends N writes of B bytes to a file of its own; every write
 * returns only once it is on the disk, so this measures group commit.
 *
 *   appendbench W B N
 *   appendbench: writers 4 bytes 100 writes 300 us 1234567 ops_s 972 kib_s 94 commits 700 ops_per_commit 2 overlapped 650
 * or "appendbench: failed WHAT". commits, ops_per_commit and overlapped are
 * the log's counters over the run (fsstat): groups committed, operations per
 * group, and groups that filled while the one before was being written.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define TICKS_PER_US  10            /* time CSR at 10 MHz */
#define US_PER_S      1000000ULL
#define MAX_WRITERS   16
#define MAX_BYTES     4096
#define NAME_BYTES    16           /* "ab.", a pid, '.', a letter, NUL: within DIRSIZ */

static char data[MAX_BYTES];

/*
 * Writer w's file: ab.PID.LETTER, PID the benchmark's own, so two runs at
 * once (one in the background) never truncate each other's files.
 */
static void
name_of(int bench_pid, int w, char *name)
{
  char digits[12];
  int n = 0;
  do {
    digits[n++] = '0' + bench_pid % 10;
    bench_pid /= 10;
  } while (bench_pid > 0);
  strcpy(name, "ab.");
  char *p = name + strlen(name);
  while (n > 0)
    *p++ = digits[--n];
  *p++ = '.';
  *p++ = 'a' + w;
  *p = 0;
}

/* One writer: N appends of B bytes to its own file; exits 0 if every write was whole. */
static void
writer(int bench_pid, int w, int bytes, int writes)
{
  char name[NAME_BYTES];
  name_of(bench_pid, w, name);
  int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0)
    exit(1);
  for (int i = 0; i < writes; i++)
    if (write(fd, data, bytes) != bytes)
      exit(1);
  close(fd);
  exit(0);
}

int
main(int argc, char *argv[])
{
  if (argc != 4) {
    printf("usage: appendbench WRITERS BYTES WRITES\n");
    exit(1);
  }
  int writers = atoi(argv[1]), bytes = atoi(argv[2]), writes = atoi(argv[3]);
  if (writers < 1 || writers > MAX_WRITERS || bytes < 1 || bytes > MAX_BYTES || writes < 1) {
    printf("appendbench: failed arguments\n");
    exit(1);
  }
  memset(data, 'a', bytes);
  struct fsstat before, after;
  if (fsstat(&before) < 0) {
    printf("appendbench: failed fsstat\n");
    exit(1);
  }
  int me = getpid();
  uint64 start = r_time();
  for (int w = 0; w < writers; w++) {
    int pid = fork();
    if (pid < 0) {
      printf("appendbench: failed fork\n");
      exit(1);
    }
    if (pid == 0)
      writer(me, w, bytes, writes);
  }
  int ok = 1;
  for (int w = 0; w < writers; w++) {
    int status = -1;
    wait(&status);
    ok = ok && status == 0;
  }
  uint64 us = (r_time() - start) / TICKS_PER_US;
  if (fsstat(&after) < 0) {
    printf("appendbench: failed fsstat\n");
    exit(1);
  }
  for (int w = 0; w < writers; w++) {
    char name[NAME_BYTES];
    name_of(me, w, name);
    unlink(name);
  }
  if (!ok || us == 0) {
    printf("appendbench: failed write (disk full?)\n");
    exit(1);
  }
  uint64 ops = (uint64)writers * writes;
  uint64 commits = after.log_commits - before.log_commits;
  printf("appendbench: writers %d bytes %d writes %d us %d ops_s %d kib_s %d commits %d"
         " ops_per_commit %d overlapped %d checkpoints %d\n", writers, bytes, writes, (int)us,
         (int)(ops * US_PER_S / us), (int)(ops * bytes * US_PER_S / 1024 / us), (int)commits,
         commits ? (int)((after.log_ops - before.log_ops) / commits) : 0,
         (int)(after.log_overlapped - before.log_overlapped),
         (int)(after.log_checkpoints - before.log_checkpoints));
  exit(0);
}
