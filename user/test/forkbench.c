/*
 * forkbench: what one fork() costs, in time and in pages, as the parent's
 * heap grows. tools/bench.py runs it on each kernel build and reads its lines.
 *
 * Heaps: 0, 1, 4, 16, 32 and 64 MiB grown with eager sbrk and written page by
 * page, then a 1 GiB lazy heap (sbrklazy) of which only the first 1 MiB is
 * written. For each heap, four cases:
 *   fork_exit   fork; the child exits at once; the parent waits
 *   fork_write  fork; the child writes one byte to every written heap page and
 *               exits; the parent waits
 *   fork_exec   fork; the child execs /true, which exits at once; the parent
 *               waits: what the shell pays for every command
 *   fork_pages  free pages before the fork minus free pages while the child
 *               is alive (parked in a pipe read)
 *   fork_write_b2b  fork_write 20 times back to back, timed as one total
 *               both with the time CSR and with uptime() (100 ms ticks): the
 *               method of an independent benchmark, beside ours (docs/cow.md,
 *               "Two measures of fork + write")
 * A time is the median of several runs after one untimed warm-up run (the
 * first exec reads /true from the disk). Each run is timed with the time CSR,
 * which user code may read: r_time(), 10 MHz on QEMU virt.
 *
 * Output: one line per case and heap, and "forkbench: done" at the end:
 *   forkbench: case fork_exit heap eager heap_kib 4096 touched_kib 4096 median_us 410 min_us 395 max_us 530 reps 21
 *   forkbench: case fork_pages heap lazy heap_kib 1048576 touched_kib 1024 pages 19
 *   forkbench: case fork_write_b2b heap eager heap_kib 32768 touched_kib 32768 forks 20 total_us 2100000 uptime_ticks 21 per_fork_us 105000
 *   forkbench: case fork_exit heap eager heap_kib 65536 touched_kib 65536 failed fork reps 0
 * A failed case names, in one word, what failed: sbrk (the heap did not fit),
 * fork (fork returned -1), child (the child did not exit with status 0: it
 * was killed for want of memory in a copy-on-write fault, or exec failed),
 * pipe. "reps" then counts the runs that had worked before.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"

#define KIB           1024
#define MIB           (1024 * 1024)
#define TIME_HZ       10000000UL    /* QEMU virt's timebase: time CSR ticks per second */
#define USEC_PER_SEC  1000000UL
#define LAZY_HEAP     (1 << 30)     /* the lazy heap: 1 GiB, eight times the RAM ... */
#define LAZY_WRITTEN  MIB           /* ... of which the first 1 MiB is written */

/*
 * Runs per case. fork_exit and fork_exec are short (well under 10 ms up to
 * 4 MiB on the copy-on-write build), so timer ticks and the host's other work
 * hit single runs hard: 21 runs give a median that 10 bad runs cannot move.
 * fork_write copies every written page (in fork or in the child's faults):
 * past 4 MiB one run takes from tens of milliseconds to a second, so 21 runs
 * at 32 MiB would take half a minute per build. A median of 11, or of 7 past
 * 16 MiB, still ignores 5 or 3 runs that the host disturbed. The min and max
 * printed beside each median show the spread, so the choice can be checked
 * on every run.
 */
#define REPS_SHORT    21
#define REPS_MEDIUM   11            /* fork_write, more than 4 MiB written */
#define REPS_LONG     7             /* fork_write, more than 16 MiB written */
#define REPS_MAX      REPS_SHORT
#define B2B_FORKS     20            /* fork_write_b2b: forks in a row */

/* What the forked child does before it exits. */
enum child_job { JOB_EXIT, JOB_WRITE, JOB_EXEC };

/* The heap under test. */
struct heap {
  const char *kind;     /* "eager" or "lazy": how sbrk grew it */
  char *base;           /* first byte */
  int bytes;            /* its size */
  int written_pages;    /* pages written from base up, by the parent first, by fork_write's child after */
};

static uint64 samples[REPS_MAX];    /* run times in ticks; static, as the user stack is one page */

/* The child's side of one run; never returns. */
static void
child_work(const struct heap *h, enum child_job job)
{
  if (job == JOB_WRITE) {
    volatile char *p = h->base;
    for (int i = 0; i < h->written_pages; i++)
      p[(uint64)i * PGSIZE] = (char)i;
  } else if (job == JOB_EXEC) {
    char *argv[] = { "true", 0 };
    exec("/true", argv);
    exit(1);                        /* exec failed */
  }
  exit(0);
}

/* One fork + child job + wait. Its ticks in *ticks; 0, or the word for what failed. */
static const char *
fork_once(const struct heap *h, enum child_job job, uint64 *ticks)
{
  int status = -1;
  uint64 start = r_time();
  int pid = fork();
  if (pid < 0)
    return "fork";
  if (pid == 0)
    child_work(h, job);
  if (wait(&status) != pid || status != 0)
    return "child";
  *ticks = r_time() - start;
  return 0;
}

static void
sort_ticks(uint64 *v, int n)
{
  for (int i = 1; i < n; i++) {
    uint64 x = v[i];
    int j = i;
    for (; j > 0 && v[j - 1] > x; j--)
      v[j] = v[j - 1];
    v[j] = x;
  }
}

static int
ticks_to_us(uint64 ticks)
{
  return (int)((ticks * USEC_PER_SEC + TIME_HZ / 2) / TIME_HZ);
}

static void
report_failed(const char *name, const struct heap *h, const char *why, int reps_done)
{
  printf("forkbench: case %s heap %s heap_kib %d touched_kib %d failed %s reps %d\n", name,
         h->kind, h->bytes / KIB, h->written_pages * (PGSIZE / KIB), why, reps_done);
}

/* Times reps runs of one case (after a warm-up run) and prints its line. */
static void
time_case(const char *name, const struct heap *h, enum child_job job, int reps)
{
  uint64 warmup;
  const char *failed = fork_once(h, job, &warmup);
  int done = 0;
  while (failed == 0 && done < reps) {
    failed = fork_once(h, job, &samples[done]);
    if (failed == 0)
      done++;
  }
  if (failed != 0) {
    report_failed(name, h, failed, done);
    return;
  }
  sort_ticks(samples, reps);
  printf("forkbench: case %s heap %s heap_kib %d touched_kib %d median_us %d min_us %d"
         " max_us %d reps %d\n", name, h->kind, h->bytes / KIB,
         h->written_pages * (PGSIZE / KIB), ticks_to_us(samples[reps / 2]),
         ticks_to_us(samples[0]), ticks_to_us(samples[reps - 1]), reps);
}

static void
close_pipe(int fds[2])
{
  close(fds[0]);
  close(fds[1]);
}

/*
 * Free pages before a fork minus free pages while its child lives, in *pages:
 * what the fork allocated, plus the copy of the stack page that parent or
 * child writes first on a copy-on-write build. 0, or the word for what failed.
 */
static const char *
count_fork_pages(int *pages)
{
  int ready[2], hold[2];
  char c;
  if (pipe(ready) < 0)
    return "pipe";
  if (pipe(hold) < 0) {
    close_pipe(ready);
    return "pipe";
  }
  int before = freepages();
  int pid = fork();
  if (pid < 0) {
    close_pipe(ready);
    close_pipe(hold);
    return "fork";
  }
  if (pid == 0) {
    close(ready[0]);
    close(hold[1]);
    write(ready[1], "r", 1);
    read(hold[0], &c, 1);           /* parked here until the parent has counted */
    exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  int child_ready = read(ready[0], &c, 1) == 1;
  int during = freepages();
  close(hold[1]);                   /* the child's read returns 0: it exits */
  close(ready[0]);
  int status = -1;
  if (wait(&status) != pid || status != 0 || !child_ready)
    return "child";
  *pages = before - during;
  return 0;
}

static int
write_reps(int pages)
{
  if (pages <= 4 * MIB / PGSIZE)
    return REPS_SHORT;
  if (pages <= 16 * MIB / PGSIZE)
    return REPS_MEDIUM;
  return REPS_LONG;
}

/* B2B_FORKS fork_write runs in a row, timed as a whole by both clocks; prints its line. */
static void
time_back_to_back(const struct heap *h)
{
  uint64 run;
  int start_ticks = uptime();
  uint64 start = r_time();
  for (int i = 0; i < B2B_FORKS; i++) {
    const char *failed = fork_once(h, JOB_WRITE, &run);
    if (failed != 0) {
      report_failed("fork_write_b2b", h, failed, i);
      return;
    }
  }
  uint64 total = r_time() - start;
  int ticks = uptime() - start_ticks;
  printf("forkbench: case fork_write_b2b heap %s heap_kib %d touched_kib %d forks %d total_us %d"
         " uptime_ticks %d per_fork_us %d\n", h->kind, h->bytes / KIB,
         h->written_pages * (PGSIZE / KIB), B2B_FORKS, ticks_to_us(total), ticks,
         ticks_to_us(total / B2B_FORKS));
}

/* Which cases run: all of them, or (forkbench big) only what a huge heap can afford. */
enum case_set { ALL_CASES, BIG_HEAP_CASES };

/* The cases of set for one heap, already grown and written. */
static void
measure_heap(const struct heap *h, enum case_set set)
{
  time_case("fork_exit", h, JOB_EXIT, REPS_SHORT);
  if (set == ALL_CASES) {
    time_case("fork_write", h, JOB_WRITE, write_reps(h->written_pages));
    time_case("fork_exec", h, JOB_EXEC, REPS_SHORT);
    time_back_to_back(h);
  }
  int pages = 0;
  const char *failed = count_fork_pages(&pages);
  if (failed != 0)
    report_failed("fork_pages", h, failed, 0);
  else
    printf("forkbench: case fork_pages heap %s heap_kib %d touched_kib %d pages %d\n",
           h->kind, h->bytes / KIB, h->written_pages * (PGSIZE / KIB), pages);
}

/*
 * Grows the heap (lazily or not), writes its first written_pages pages,
 * measures, and gives the heap back. 0, or -1 when it could not be given back.
 */
static int
bench_heap(struct heap *h, int lazy, enum case_set set)
{
  h->base = lazy ? sbrklazy(h->bytes) : sbrk(h->bytes);
  if (h->base == SBRK_ERROR) {
    static const char *const cases[] = { "fork_exit", "fork_write", "fork_exec", "fork_pages" };
    for (int i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++)
      report_failed(cases[i], h, "sbrk", 0);
    return 0;
  }
  for (int i = 0; i < h->written_pages; i++)
    h->base[(uint64)i * PGSIZE] = 1;
  measure_heap(h, set);
  if (sbrk(-h->bytes) == SBRK_ERROR) {
    printf("forkbench: could not give back a heap of %d KiB; stopping\n", h->bytes / KIB);
    return -1;
  }
  return 0;
}

/* Heaps of eager_mib[i] MiB (n of them), eager and written, in order; 0, or -1 if one stuck. */
static int
bench_eager_heaps(const int *eager_mib, int n, enum case_set set)
{
  for (int i = 0; i < n; i++) {
    struct heap h = { "eager", 0, eager_mib[i] * MIB, eager_mib[i] * (MIB / PGSIZE) };
    if (bench_heap(&h, 0, set) != 0)
      return -1;
  }
  return 0;
}

#define MAX_BIG_HEAPS 8
#define MAX_BIG_MIB   2047          /* a heap's size must fit struct heap's int bytes */

/*
 *   forkbench              every case, for the heaps of default_mib[] and the lazy heap
 *   forkbench big M ...    fork_exit and fork_pages for the empty heap and eager
 *                          heaps of M MiB each (for a machine booted with more RAM)
 */
int
main(int argc, char **argv)
{
  static const int default_mib[] = { 0, 1, 4, 16, 32, 64 };
  if (argc > 1 && strcmp(argv[1], "big") == 0) {
    int big_mib[MAX_BIG_HEAPS] = { 0 };
    int n = 1;                      /* big_mib[0]: the empty heap */
    for (int i = 2; i < argc && n < MAX_BIG_HEAPS; i++) {
      big_mib[n++] = atoi(argv[i]);
      if (big_mib[n - 1] < 1 || big_mib[n - 1] > MAX_BIG_MIB) {
        printf("forkbench: big heaps are 1 to %d MiB\n", MAX_BIG_MIB);
        exit(1);
      }
    }
    bench_eager_heaps(big_mib, n, BIG_HEAP_CASES);
  } else if (argc > 1) {
    printf("usage: forkbench [big MiB...]\n");
    exit(1);
  } else if (bench_eager_heaps(default_mib, sizeof(default_mib) / sizeof(default_mib[0]),
                               ALL_CASES) == 0) {
    struct heap lazy = { "lazy", 0, LAZY_HEAP, LAZY_WRITTEN / PGSIZE };
    bench_heap(&lazy, 1, ALL_CASES);
  }
  printf("forkbench: done\n");
  exit(0);
}
