/*
 * obsbench: what observing and reaping cost the rest of the system.
 *
 *   obsbench vmstat0   A process reads a 256 MiB lazy heap (every page maps
 *                      the zero page) and forks 30 children that sleep in a
 *                      pipe read, sharing its page tables; then vmstat(0) is
 *                      timed. Goal (issue 15): under 10 ms.
 *   obsbench reap      A child fills a 64 MiB heap and exits; its parent reaps
 *                      it while another process forks in a loop on another
 *                      hart. The forks' latency (fork, the child's exit and
 *                      wait) during the reap, against their median, shows whether freeing the child
 *                      stalls everyone's fork (it did while wait() freed it
 *                      holding wait_lock).
 *   obsbench           both.
 * Times come from the time CSR (r_time(), 10 MHz on QEMU virt). Output, one
 * line per case:
 *   obsbench: vmstat0 procs 31 heap_mib 256 median_us 400 max_us 900 reps 21
 *   obsbench: reap child_mib 64 reap_us 90000 fork_median_us 600 fork_max_in_reap_us 900 forks_in_reap 40
 *   obsbench: FAIL <what>
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define MIB            (1024 * 1024)
#define TICKS_PER_US   10            /* time CSR at 10 MHz */
#define READ_HEAP      (256 * MIB)
#define SLEEPERS       30
#define VMSTAT_REPS    21
#define REAP_HEAP      (64 * MIB)
#define FORK_SAMPLES   4096          /* the forking process's latency log */
#define FORK_WINDOW_US (3 * 1000000) /* how long it forks: well past any reap seen */

/* The forking process's log; static: the user stack is one page. */
static uint64 samples[FORK_SAMPLES][2];   /* start, latency */
static uint64 latencies[FORK_SAMPLES];

static void
fail(const char *what)
{
  printf("obsbench: FAIL %s\n", what);
  exit(1);
}

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

static void
case_vmstat0(void)
{
  char *heap = sbrklazy(READ_HEAP);
  if (heap == (char *)-1)
    fail("sbrklazy");
  volatile char sink = 0;
  for (uint64 off = 0; off < READ_HEAP; off += PGSIZE)
    sink += heap[off];               /* a read maps the zero page */
  int hold[2];
  if (pipe(hold) < 0)
    fail("pipe");
  for (int i = 0; i < SLEEPERS; i++) {
    int pid = fork();
    if (pid < 0)
      fail("fork");
    if (pid == 0) {
      char c;
      close(hold[1]);
      read(hold[0], &c, 1);          /* asleep until the parent closes its end */
      exit(0);
    }
  }
  close(hold[0]);
  uint64 t[VMSTAT_REPS];
  struct vmstat st;
  for (int i = 0; i < VMSTAT_REPS; i++) {
    uint64 start = r_time();
    if (vmstat(0, &st) < 0)
      fail("vmstat");
    t[i] = r_time() - start;
  }
  close(hold[1]);
  for (int i = 0; i < SLEEPERS; i++)
    wait(0);
  sort(t, VMSTAT_REPS);
  printf("obsbench: vmstat0 procs %d heap_mib %d median_us %d max_us %d reps %d\n",
         SLEEPERS + 1, READ_HEAP / MIB, (int)(t[VMSTAT_REPS / 2] / TICKS_PER_US),
         (int)(t[VMSTAT_REPS - 1] / TICKS_PER_US), VMSTAT_REPS);
  sbrk(-READ_HEAP);
}

/*
 * The forking process: fork + exit + wait in a loop for FORK_WINDOW_US,
 * logging each round's time: fork and wait both take wait_lock, so a
 * stall behind the reap may land in either.
 */
static int
fork_loop(int started_fd)
{
  int n = 0;
  uint64 end = r_time() + (uint64)FORK_WINDOW_US * TICKS_PER_US;
  write(started_fd, "s", 1);
  while (n < FORK_SAMPLES && r_time() < end) {
    uint64 start = r_time();
    int pid = fork();
    if (pid < 0)
      return -1;
    if (pid == 0)
      exit(0);
    wait(0);
    samples[n][0] = start;
    samples[n][1] = r_time() - start;
    n++;
  }
  return n;
}

static void
case_reap(void)
{
  int ready[2], go[2], started[2], window[2];
  if (pipe(ready) < 0 || pipe(go) < 0 || pipe(started) < 0 || pipe(window) < 0)
    fail("pipe");
  int big = fork();
  if (big == 0) {                    /* the child to reap: fills its heap, then waits for the word */
    char *heap = sbrk(REAP_HEAP);
    if (heap == (char *)-1)
      exit(1);
    for (uint64 off = 0; off < REAP_HEAP; off += PGSIZE)
      heap[off] = 1;
    char c;
    write(ready[1], "r", 1);
    read(go[0], &c, 1);
    exit(0);
  }
  char c;
  if (big < 0 || read(ready[0], &c, 1) != 1)
    fail("the 64 MiB child");
  int forker = fork();
  if (forker == 0) {
    int n = fork_loop(started[1]);
    uint64 from, to;
    if (n <= 0 || read(window[0], &from, sizeof(from)) != sizeof(from) ||
        read(window[0], &to, sizeof(to)) != sizeof(to))
      exit(1);
    uint64 *lat = latencies, worst = 0;
    int in_reap = 0;
    for (int i = 0; i < n; i++) {
      lat[i] = samples[i][1];
      uint64 s = samples[i][0], e = s + samples[i][1];
      if (e >= from && s <= to) {    /* overlaps the reap */
        in_reap++;
        worst = samples[i][1] > worst ? samples[i][1] : worst;
      }
    }
    sort(lat, n);
    printf("obsbench: reap child_mib %d reap_us %d fork_median_us %d fork_max_in_reap_us %d forks_in_reap %d\n",
           REAP_HEAP / MIB, (int)((to - from) / TICKS_PER_US), (int)(lat[n / 2] / TICKS_PER_US),
           (int)(worst / TICKS_PER_US), in_reap);
    exit(in_reap > 0 ? 0 : 2);
  }
  if (forker < 0 || read(started[0], &c, 1) != 1)
    fail("the forking process");
  /* The child exits; the reap is timed from its exit's wait() on. */
  write(go[1], "g", 1);
  uint64 from = r_time();
  int status;
  if (wait(&status) != big || status != 0)
    fail("the 64 MiB child's exit");
  uint64 to = r_time();
  write(window[1], &from, sizeof(from));
  write(window[1], &to, sizeof(to));
  if (wait(&status) != forker || status != 0)
    fail("the forking process saw no fork during the reap");
}

int
main(int argc, char *argv[])
{
  int all = argc < 2;
  if (all || strcmp(argv[1], "vmstat0") == 0)
    case_vmstat0();
  if (all || strcmp(argv[1], "reap") == 0)
    case_reap();
  printf("obsbench: done\n");
  exit(0);
}
