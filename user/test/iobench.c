/*
 * iobench: how long a process waits for the disk, for another process and
 * for the clock. tools/bench.py runs it on 1 and 3 harts and reads its lines.
 *
 *   disk_read   400 KiB in two files of 200 KiB (a file holds at most 268
 *               KiB, as on xv6), thirteen times the buffer cache, read back
 *               5 times in 4 KiB reads: every pass goes to the disk. The time
 *               of each pass, in µs and in clock ticks (uptime()).
 *   pingpong    two processes pass one byte back and forth through two
 *               pipes: µs per round trip (each one a sleep and a wakeup).
 *   sleep1      sleep(1) ten times: how long one takes (at most one tick).
 *   cached_read a 20 KiB file, in the buffer cache, read 400 times in 4 KiB
 *               reads: the kernel's copies, with no disk in the way.
 *   pipe_bulk   16 MiB through a pipe from one process to another, in 4 KiB
 *               writes and reads.
 *
 * Times come from the time CSR (r_time(), 10 MHz on QEMU virt). Output:
 *   iobench: case disk_read kib 400 passes 5 median_us 61000 max_us 90000 ticks 3
 *   iobench: case pingpong rounds 500 us_per_round 310
 *   iobench: case sleep1 reps 10 median_us 51000 max_us 99000 tick_us 100000
 *   iobench: case cached_read kib 20 times 400 us 90000
 *   iobench: case pipe_bulk mib 16 us 400000
 *   iobench: idle_late_wakeups 0
 *   iobench: done
 * or "iobench: case NAME failed WHAT".
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "kernel/trap/timer.h"
#include "user/user.h"

#define TICKS_PER_US   10                    /* time CSR at 10 MHz */
#define CHUNK          4096
#define FILE_KIB       200
#define FILES          2
#define PASSES         5
#define ROUNDS         500
#define SLEEPS         10
#define CACHED_KIB     20
#define CACHED_TIMES   400
#define BULK_MIB       16
#define MIB            (1024 * 1024)
static char *const file_names[FILES] = { "iobench.1", "iobench.2" };

static char chunk[CHUNK];
static uint64 times[PASSES > SLEEPS ? PASSES : SLEEPS];

static void
sort(uint64 *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      uint64 t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
}

/* Write file name with FILE_KIB KiB; 0, or -1 (reported). */
static int
write_file(const char *name)
{
  int fd = open(name, O_CREATE | O_RDWR);
  if (fd < 0) {
    printf("iobench: case disk_read failed create\n");
    return -1;
  }
  for (int i = 0; i < FILE_KIB * 1024 / CHUNK; i++) {
    memset(chunk, i, CHUNK);
    if (write(fd, chunk, CHUNK) != CHUNK) {
      printf("iobench: case disk_read failed write (disk full?)\n");
      close(fd);
      return -1;
    }
  }
  close(fd);
  return 0;
}

/* Read file name through in CHUNK reads: the bytes read. */
static int
read_file(const char *name)
{
  int fd = open(name, O_RDONLY);
  int got = 0, n;
  while (fd >= 0 && (n = read(fd, chunk, CHUNK)) > 0)
    got += n;
  close(fd);
  return got;
}

static void
case_disk_read(void)
{
  int ok = 1;
  for (int f = 0; f < FILES && ok; f++)
    ok = write_file(file_names[f]) == 0;
  int ticks = uptime();
  for (int pass = 0; pass < PASSES && ok; pass++) {
    uint64 start = r_time();
    for (int f = 0; f < FILES && ok; f++)
      ok = read_file(file_names[f]) == FILE_KIB * 1024;
    times[pass] = r_time() - start;
  }
  ticks = uptime() - ticks;
  for (int f = 0; f < FILES; f++)
    unlink(file_names[f]);
  if (!ok) {
    printf("iobench: case disk_read failed read\n");
    return;
  }
  sort(times, PASSES);
  printf("iobench: case disk_read kib %d passes %d median_us %d max_us %d ticks %d\n",
         FILES * FILE_KIB, PASSES, (int)(times[PASSES / 2] / TICKS_PER_US),
         (int)(times[PASSES - 1] / TICKS_PER_US), ticks);
}

static void
case_pingpong(void)
{
  int there[2], back[2];
  if (pipe(there) < 0 || pipe(back) < 0) {
    printf("iobench: case pingpong failed pipe\n");
    return;
  }
  char c = 0;
  int pid = fork();
  if (pid == 0) {
    for (int i = 0; i < ROUNDS; i++)
      if (read(there[0], &c, 1) != 1 || write(back[1], &c, 1) != 1)
        exit(1);
    exit(0);
  }
  uint64 start = r_time();
  int rounds = 0;
  for (; rounds < ROUNDS; rounds++)
    if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
      break;
  uint64 took = r_time() - start;
  int status = -1;
  wait(&status);
  close(there[0]);
  close(there[1]);
  close(back[0]);
  close(back[1]);
  if (pid < 0 || rounds != ROUNDS || status != 0) {
    printf("iobench: case pingpong failed rounds %d\n", rounds);
    return;
  }
  printf("iobench: case pingpong rounds %d us_per_round %d\n", ROUNDS,
         (int)(took / ROUNDS / TICKS_PER_US));
}

static void
case_sleep1(void)
{
  for (int i = 0; i < SLEEPS; i++) {
    uint64 start = r_time();
    sleep(1);
    times[i] = r_time() - start;
  }
  sort(times, SLEEPS);
  printf("iobench: case sleep1 reps %d median_us %d max_us %d tick_us %d\n", SLEEPS,
         (int)(times[SLEEPS / 2] / TICKS_PER_US), (int)(times[SLEEPS - 1] / TICKS_PER_US),
         (int)(TIMER_INTERVAL / TICKS_PER_US));
}

static void
case_cached_read(void)
{
  const char *name = file_names[0];
  int fd = open(name, O_CREATE | O_RDWR);
  for (int i = 0; fd >= 0 && i < CACHED_KIB * 1024 / CHUNK; i++)
    if (write(fd, chunk, CHUNK) != CHUNK)
      fd = -1;
  close(fd);
  int ok = fd >= 0 && read_file(name) == CACHED_KIB * 1024;   /* the first read fills the cache */
  uint64 start = r_time();
  for (int i = 0; ok && i < CACHED_TIMES; i++)
    ok = read_file(name) == CACHED_KIB * 1024;
  uint64 took = r_time() - start;
  unlink(name);
  if (!ok) {
    printf("iobench: case cached_read failed read\n");
    return;
  }
  printf("iobench: case cached_read kib %d times %d us %d\n", CACHED_KIB, CACHED_TIMES,
         (int)(took / TICKS_PER_US));
}

static void
case_pipe_bulk(void)
{
  int fds[2];
  if (pipe(fds) < 0) {
    printf("iobench: case pipe_bulk failed pipe\n");
    return;
  }
  uint64 start = r_time();
  int pid = fork();
  if (pid == 0) {
    close(fds[0]);
    for (int i = 0; i < BULK_MIB * MIB / CHUNK; i++)
      if (write(fds[1], chunk, CHUNK) != CHUNK)
        exit(1);
    exit(0);
  }
  close(fds[1]);
  uint64 got = 0;
  int n;
  while ((n = read(fds[0], chunk, CHUNK)) > 0)
    got += n;
  close(fds[0]);
  int status = -1;
  wait(&status);
  uint64 took = r_time() - start;
  if (pid < 0 || got != (uint64)BULK_MIB * MIB || status != 0) {
    printf("iobench: case pipe_bulk failed (%d bytes)\n", (int)got);
    return;
  }
  printf("iobench: case pipe_bulk mib %d us %d\n", BULK_MIB, (int)(took / TICKS_PER_US));
}

int
main(void)
{
  case_disk_read();
  case_pingpong();
  case_sleep1();
  case_cached_read();
  case_pipe_bulk();
  struct vmstat st;
  if (vmstat(0, &st) == 0)
    printf("iobench: idle_late_wakeups %d\n", (int)st.idle_late_wakeups);
  printf("iobench: done\n");
  exit(0);
}
