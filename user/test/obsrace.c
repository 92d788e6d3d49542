/*
 * obsrace: observers race owners that change their page tables.
 *
 *   obsrace SECONDS [vmstat|vmstat0|vmmap|vmcheck|all]
 *
 * Three churners loop: grow a lazy heap by 8 MiB, read half its pages (zero
 * page fills) and write the other half (fresh pages), fork a child that
 * writes two pages copy-on-write (its leaf tables shared with its parent)
 * and exits, then give the 8 MiB back. Meanwhile this process calls the
 * chosen observers on them in a loop for SECONDS: vmstat(pid), vmstat(0),
 * vmmap(pid) with a short and a long buffer, and vmcheck(). The test also
 * types ^P at the console. Every answer is checked: the calls succeed,
 * counts are possible, runs are ordered, do not overlap and end at the
 * break, and vmcheck finds every page's count right (it is exact while
 * others run). The churners stop at the same deadline; once they are
 * reaped the free page count must be what it was.
 *
 * Output: "obsrace: ok calls N" or "obsrace: FAIL ..." lines.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define MIB          (1024 * 1024)
#define CHURN_BYTES  (8 * MIB)
#define CHURNERS     3
#define TICKS_PER_S  10            /* uptime() ticks: one per 100 ms */
#define LONG_MAP     512           /* runs in the long vmmap buffer */
#define SHORT_MAP    2             /* ... and in the short one: the count must still be whole */
#define FAILS_SHOWN  8

static struct vmmap_run runs[LONG_MAP];   /* static: the user stack is one page */
static int failures;
static int deadline;                      /* uptime() at which the churners stop */

/*
 * A churner exits once it sees uptime() reach the deadline: a call that
 * found no such process is a failure only if the deadline is still ahead
 * after it returned (the clock never goes back, so the churner was alive).
 */
static int
churners_must_live(void)
{
  return uptime() < deadline;
}

#define FAIL(...)                                  \
  do {                                             \
    if (failures++ < FAILS_SHOWN) {                \
      printf("obsrace: FAIL ");                    \
      printf(__VA_ARGS__);                         \
      printf("\n");                                \
    }                                              \
  } while (0)

/* Churn until uptime() reaches end, then exit once the child forked last is reaped. */
static void
churn(int end)
{
  while (uptime() < end) {
    char *heap = sbrklazy(CHURN_BYTES);
    if (heap == (char *)-1)
      exit(1);
    volatile char sink = 0;
    for (int off = 0; off < CHURN_BYTES; off += PGSIZE) {
      if ((off / PGSIZE) % 2)
        heap[off] = 1;
      else
        sink += heap[off];
    }
    int pid = fork();
    if (pid == 0) {
      heap[PGSIZE] = 2;
      heap[5 * PGSIZE] = 3;
      exit(0);
    }
    if (pid > 0)
      wait(0);
    if (sbrk(-CHURN_BYTES) == (char *)-1)
      exit(1);
  }
  exit(0);
}

static void
check_vmstat(int pid, uint64 total_pages)
{
  struct vmstat st;
  if (vmstat(pid, &st) < 0) {
    if (churners_must_live())
      FAIL("vmstat(%d) = -1 for a live process", pid);
    return;
  }
  /*
   * One process's two counts come from one walk under its lock; the
   * system's are read at different moments (free pages first), so only
   * each against the total.
   */
  uint64 shared_limit = pid == 0 ? total_pages : st.resident_pages;
  if (st.resident_pages > total_pages || st.cow_shared > shared_limit)
    FAIL("vmstat(%d): resident %d shared %d of %d pages", pid, (int)st.resident_pages,
         (int)st.cow_shared, (int)total_pages);
}

static void
check_vmmap(int pid, int max)
{
  int n = vmmap(pid, runs, max);
  if (n < 0) {
    if (churners_must_live())
      FAIL("vmmap(%d, %d) = -1 for a live process", pid, max);
    return;
  }
  if (n == 0) {
    FAIL("vmmap(%d) found no runs", pid);
    return;
  }
  uint64 at = 0;
  for (int i = 0; i < n && i < max; i++) {
    if (runs[i].start != at || runs[i].npages == 0 || vmmap_state_name(runs[i].state) == 0) {
      FAIL("vmmap(%d) run %d: start %p pages %d state %d, after %p", pid, i,
           (void *)runs[i].start, (int)runs[i].npages, (int)runs[i].state, (void *)at);
      return;
    }
    at += runs[i].npages * PGSIZE;
  }
}

int
main(int argc, char *argv[])
{
  if (argc < 2) {
    printf("usage: obsrace SECONDS [vmstat|vmstat0|vmmap|vmcheck|all]\n");
    exit(1);
  }
  int seconds = atoi(argv[1]);
  const char *mode = argc > 2 ? argv[2] : "all";
  int all = strcmp(mode, "all") == 0;
  int do_vmstat = all || strcmp(mode, "vmstat") == 0;
  int do_vmstat0 = all || strcmp(mode, "vmstat0") == 0;
  int do_vmmap = all || strcmp(mode, "vmmap") == 0;
  int do_vmcheck = all || strcmp(mode, "vmcheck") == 0;

  struct vmstat sys;
  vmstat(0, &sys);
  uint64 free_before = sys.free_pages;
  int kids[CHURNERS];
  deadline = uptime() + seconds * TICKS_PER_S;
  for (int i = 0; i < CHURNERS; i++) {
    kids[i] = fork();
    if (kids[i] == 0)
      churn(deadline);
    if (kids[i] < 0) {
      printf("obsrace: FAIL fork\n");
      exit(1);
    }
  }

  int calls = 0;
  while (churners_must_live()) {
    for (int i = 0; i < CHURNERS; i++) {
      if (do_vmstat) {
        check_vmstat(kids[i], sys.total_pages);
        calls++;
      }
      if (do_vmstat0) {
        check_vmstat(0, sys.total_pages);
        calls++;
      }
      if (do_vmmap) {
        check_vmmap(kids[i], LONG_MAP);
        check_vmmap(kids[i], SHORT_MAP);
        calls += 2;
      }
      if (do_vmcheck) {
        if (vmcheck() != 0)
          FAIL("vmcheck found a page whose count the page tables do not explain");
        calls++;
      }
    }
  }

  /* The churners stop by themselves at the same deadline: nothing they forked outlives them. */
  for (int i = 0; i < CHURNERS; i++) {
    int status = -1;
    if (wait(&status) < 0 || status != 0)
      FAIL("a churner failed (status %d)", status);
  }
  vmstat(0, &sys);
  if (sys.free_pages != free_before)
    FAIL("%d free pages after, %d before", (int)sys.free_pages, (int)free_before);
  if (failures > 0) {
    printf("obsrace: %d failures in %d calls\n", failures, calls);
    exit(1);
  }
  printf("obsrace: ok calls %d\n", calls);
  exit(0);
}
