/*
 * copybench: how fast the kernel copies and fills pages in its faults.
 * tools/bench.py runs it on the default build and on `make KCOPY=byte` (the
 * byte-at-a-time copies the tree had before) and prints the two side by side.
 *
 *   copy   a 16 MiB heap, grown with eager sbrk and written, is shared by
 *          fork; the child writes one byte to every page, so every page is
 *          copied (in the fault, or ahead of it by write-ahead).
 *   fill   a 16 MiB heap grown with sbrklazy; one byte written to every page,
 *          so every page is taken from the allocator and zeroed.
 *
 * The rate is the kernel's own measure of the step (vmstat's cow_copy_ns and
 * page_fill_ns: taking the page and copying or zeroing it), fault_us the
 * whole fault's cost per page as this program sees it (time CSR). Each is
 * the median of REPS runs. Output:
 *   copybench: copy heap_kib 16384 pages 4096 kernel_us 12345 mib_s 1327 fault_us 19
 *   copybench: fill heap_kib 16384 pages 4096 kernel_us 2345 mib_s 6800 fault_us 9
 *   copybench: done
 * or "copybench: NAME failed WHAT".
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define KIB          1024
#define MIB          (1024 * 1024)
#define HEAP         (16 * MIB)
#define PAGES        (HEAP / PGSIZE)
#define REPS         5
#define TICKS_PER_US 10            /* time CSR at 10 MHz */
#define NS_PER_US    1000

/* One run: pages done, kernel ns in the step, program µs for all the writes. */
struct run {
  uint64 pages;
  uint64 kernel_ns;
  uint64 user_us;
};

/* The counters of this process that the run reads. */
static void
counters(uint64 *pages, uint64 *ns, int copy)
{
  struct vmstat st;
  if (vmstat(getpid(), &st) < 0) {
    printf("copybench: vmstat failed\n");
    exit(1);
  }
  *pages = copy ? st.cow_copies : st.page_fills;
  *ns = copy ? st.cow_copy_ns : st.page_fill_ns;
}

/* Write one byte to each page of heap and measure it as a copy or a fill run. */
static void
write_pages(char *heap, int copy, struct run *r)
{
  uint64 pages0, ns0, pages1, ns1;
  counters(&pages0, &ns0, copy);
  uint64 start = r_time();
  for (int i = 0; i < PAGES; i++)
    heap[(uint64)i * PGSIZE] = (char)i;
  uint64 took = r_time() - start;
  counters(&pages1, &ns1, copy);
  r->pages = pages1 - pages0;
  r->kernel_ns = ns1 - ns0;
  r->user_us = took / TICKS_PER_US;
}

/* A copy run: the child writes the shared heap and sends its run back through a pipe. */
static int
copy_run(char *heap, struct run *r)
{
  int fds[2];
  if (pipe(fds) < 0)
    return -1;
  int pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    struct run mine;
    write_pages(heap, 1, &mine);
    write(fds[1], &mine, sizeof(mine));
    exit(0);
  }
  close(fds[1]);
  int got = read(fds[0], r, sizeof(*r));
  close(fds[0]);
  int status = -1;
  wait(&status);
  return got == sizeof(*r) && status == 0 ? 0 : -1;
}

/* A fill run: a fresh lazy heap, written, given back. */
static int
fill_run(struct run *r)
{
  char *heap = sbrklazy(HEAP);
  if (heap == SBRK_ERROR)
    return -1;
  write_pages(heap, 0, r);
  return sbrk(-HEAP) == SBRK_ERROR ? -1 : 0;
}

static void
sort_runs(struct run *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1].kernel_ns > v[j].kernel_ns; j--) {
      struct run t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
}

static void
report(const char *name, struct run *runs)
{
  sort_runs(runs, REPS);
  struct run *m = &runs[REPS / 2];
  if (m->pages == 0 || m->kernel_ns == 0) {
    printf("copybench: %s failed counters\n", name);
    return;
  }
  uint64 mib_s = m->pages * PGSIZE * 1000000000ULL / MIB / m->kernel_ns;
  printf("copybench: %s heap_kib %d pages %d kernel_us %d mib_s %d fault_us %d\n", name,
         HEAP / KIB, (int)m->pages, (int)(m->kernel_ns / NS_PER_US), (int)mib_s,
         (int)(m->user_us / PAGES));
}

int
main(void)
{
  static struct run runs[REPS];
  char *heap = sbrk(HEAP);
  int ok = heap != SBRK_ERROR;
  for (int i = 0; ok && i < PAGES; i++)
    heap[(uint64)i * PGSIZE] = 1;
  for (int i = 0; ok && i < REPS; i++)
    ok = copy_run(heap, &runs[i]) == 0;
  if (ok)
    report("copy", runs);
  else
    printf("copybench: copy failed run\n");
  if (heap != SBRK_ERROR)
    sbrk(-HEAP);

  ok = 1;
  for (int i = 0; ok && i < REPS; i++)
    ok = fill_run(&runs[i]) == 0;
  if (ok)
    report("fill", runs);
  else
    printf("copybench: fill failed run\n");
  printf("copybench: done\n");
  exit(0);
}
