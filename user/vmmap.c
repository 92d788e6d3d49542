/*
 * vmmap.c: print a process's address space, from 0 to its break, as runs of
 * pages that are in the same state (kernel/vmstat.h), then its mappings.
 *
 *   vmmap        this process's own map
 *   vmmap PID    that process's map
 *   vmmap -d     demo: build lazy, zero-page, private and shared pages, fork
 *                a child that writes some of them, and print both maps
 *   vmmap -m     demo: map a file shared and private and anonymous memory
 *                shared, fork a child that writes to each, print both maps
 *
 * Output, one header and then one line per run:
 *   vmmap pid 5: 7 runs
 *   0x0000000000000000-0x0000000000002000      2 pages  text, 2 owners
 *   0x0000000000004000-0x0000000000005000      1 page   guard
 *   0x0000000000006000-0x0000000000010000     10 pages  lazy (unmapped)
 *   0x0000003fffdfe000-0x0000003fffe00000      2 pages  mapping shared rw- vmmap.demo
 *                                                       offset 0, 1 resident, 1 dirty
 * If the map could not all be fetched, the header ends ", N not shown".
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define FIRST_RUNS   32   /* the static buffer; bigger maps are fetched into malloc'd memory */
#define EXTRA_RUNS   16   /* room for runs that appear between two calls */
#define MAX_FETCHES  4    /* attempts before printing a map that is still growing */

static struct vmmap_run first_runs[FIRST_RUNS];

/* A mapping's second half of the line: sharing, rwx, the file's name, where, how much is in. */
static void
print_mapping(const struct vmmap_run *r)
{
  char name[VMMAP_NAME_BYTES + 1];
  memmove(name, r->name, VMMAP_NAME_BYTES);
  name[VMMAP_NAME_BYTES] = 0;
  printf("mapping %s %c%c%c %s\n", r->flags & MAP_SHARED ? "shared" : "private",
         r->prot & PROT_READ ? 'r' : '-', r->prot & PROT_WRITE ? 'w' : '-',
         r->prot & PROT_EXEC ? 'x' : '-', name[0] ? name : "(anonymous)");
  printf("%56soffset %lu, %u resident, %u dirty\n", "", r->offset, r->resident, r->dirty);
}

static void
print_run(const struct vmmap_run *r)
{
  const char *word = vmmap_state_name(r->state);
  uint64 end = r->start + r->npages * PGSIZE;

  printf("%p-%p %6lu %s  ", (void *)r->start, (void *)end, r->npages,
         r->npages == 1 ? "page " : "pages");
  if (r->state == VMMAP_MAPPING)
    print_mapping(r);
  else if (word == 0)
    printf("unknown state %u, %u owners\n", r->state, r->owners);
  else if (r->state == VMMAP_SHARED || r->owners > 1)
    printf("%s, %u owners\n", word, r->owners);
  else
    printf("%s\n", word);
}

/*
 * Fetches pid's map into *runs (first_runs, or a malloc'd array when it is
 * too small) and stores the run count in *total. Returns how many runs the
 * buffer holds, or -1 if the kernel refused (no such process).
 */
static int
fetch_map(int pid, struct vmmap_run **runs, int *total)
{
  struct vmmap_run *buf = first_runs;
  int max = FIRST_RUNS;

  for (int attempt = 1;; attempt++) {
    int n = vmmap(pid, buf, max);
    if (n < 0)
      return -1;
    *runs = buf;
    *total = n;
    if (n <= max || attempt == MAX_FETCHES)
      return n <= max ? n : max;
    /* Too small: ask again with room for all of them (and a few more, since
     * our own malloc below, or the other process, may add runs meanwhile). */
    struct vmmap_run *bigger = malloc((n + EXTRA_RUNS) * sizeof(struct vmmap_run));
    if (bigger == 0)
      return max;
    if (buf != first_runs)
      free(buf);
    buf = bigger;
    max = n + EXTRA_RUNS;
  }
}

/* Prints pid's map; 0, or -1 (with a message on fd 2) if there is no such process. */
static int
show_map(int pid)
{
  struct vmmap_run *runs;
  int total;
  int shown = fetch_map(pid, &runs, &total);

  if (shown < 0) {
    fprintf(2, "vmmap: no process with pid %d\n", pid);
    return -1;
  }
  printf("vmmap pid %d: %d runs", pid, total);
  if (shown < total)
    printf(", %d not shown", total - shown);
  printf("\n");
  for (int i = 0; i < shown; i++)
    print_run(&runs[i]);
  if (runs != first_runs)
    free(runs);
  return 0;
}

/* ---- the demo ---- */

#define DEMO_EAGER   2    /* pages allocated at once and written */
#define DEMO_LAZY    8    /* lazy pages: 0 and 1 read, 2 written, the rest untouched */
#define DEMO_STRIPE  40   /* lazy pages with every even one read: a run per page */

static void __attribute__((noreturn))
demo_fail(const char *what)
{
  fprintf(2, "vmmap: demo: %s\n", what);
  exit(1);
}

static char *
demo_grow(int pages, int lazy)
{
  char *p = lazy ? sbrklazy(pages * PGSIZE) : sbrk(pages * PGSIZE);
  if (p == SBRK_ERROR)
    demo_fail("sbrk failed");
  return p;
}

static volatile char demo_sink;

/*
 * Lays out pages in every state, forks, lets the child write one page of
 * each kind (shared, zero-mapped, untouched lazy), and prints the parent's
 * map and then the child's, while the child waits. The first line names the
 * pids and the addresses, so a reader can find each page in both maps.
 */
static int
demo(void)
{
  int ready[2], gate[2];
  char c = 'r';
  uint64 brk = (uint64)sbrk(0);

  if (sbrk(PGROUNDUP(brk) - brk) == SBRK_ERROR)
    demo_fail("could not align the break");
  char *eager = demo_grow(DEMO_EAGER, 0);
  char *lazy = demo_grow(DEMO_LAZY, 1);
  char *stripe = demo_grow(DEMO_STRIPE, 1);
  memset(eager, 'e', DEMO_EAGER * PGSIZE);
  demo_sink = lazy[0] + lazy[PGSIZE];
  lazy[2 * PGSIZE] = 'w';
  for (int i = 0; i < DEMO_STRIPE; i += 2)
    demo_sink = stripe[i * PGSIZE];
  if (pipe(ready) < 0 || pipe(gate) < 0)
    demo_fail("pipe failed");

  int pid = fork();
  if (pid < 0)
    demo_fail("fork failed");
  if (pid == 0) {
    close(ready[0]);
    close(gate[1]);
    eager[0] = 'c';              /* shared: copied */
    lazy[0] = 'c';               /* zero page: filled */
    lazy[3 * PGSIZE] = 'c';      /* untouched lazy: filled */
    write(ready[1], &c, 1);
    read(gate[0], &c, 1);        /* until the parent has printed both maps */
    exit(0);
  }
  close(ready[1]);
  close(gate[0]);
  if (read(ready[0], &c, 1) != 1)
    demo_fail("the child did not get ready");
  printf("demo: parent %d child %d eager %p lazy %p stripe %p\n",
         getpid(), pid, eager, lazy, stripe);
  int failed = show_map(getpid()) < 0 || show_map(pid) < 0;
  close(gate[1]);
  int status = -1;
  wait(&status);
  return failed || status != 0 ? 1 : 0;
}

/* ---- the mapping demo ---- */

#define MDEMO_FILE   "vmmap.demo"
#define MDEMO_PAGES  2    /* the file's pages, and the anonymous region's */

/* A scratch file of MDEMO_PAGES pages, opened for reading and writing. */
static int
mdemo_file(void)
{
  static char page[PGSIZE];
  int fd = open(MDEMO_FILE, O_CREATE | O_TRUNC | O_RDWR);
  if (fd < 0)
    demo_fail("cannot create " MDEMO_FILE);
  memset(page, 'f', sizeof(page));
  for (int i = 0; i < MDEMO_PAGES; i++)
    if (write(fd, page, sizeof(page)) != sizeof(page))
      demo_fail("cannot write " MDEMO_FILE);
  return fd;
}

static char *
mdemo_map(int prot, int flags, int fd)
{
  char *p = mmap(0, MDEMO_PAGES * PGSIZE, prot, flags, fd, 0);
  if (p == (char *)-1)
    demo_fail("mmap failed");
  return p;
}

/*
 * Maps the scratch file shared and private and an anonymous region shared;
 * the parent reads the first page of each; a child writes the shared file's
 * first page, the private copy's first page and the anonymous region's
 * second. Then both maps, while the child waits: the shared pages are the
 * same in both, the child's private page is its own copy (dirty).
 */
static int
mapping_demo(void)
{
  int ready[2], gate[2];
  char c = 'r';
  int fd = mdemo_file();
  char *shared = mdemo_map(PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  char *private = mdemo_map(PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
  char *anon = mdemo_map(PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
  close(fd);                     /* the mappings keep the file */
  demo_sink = shared[0] + private[0] + anon[0];
  if (pipe(ready) < 0 || pipe(gate) < 0)
    demo_fail("pipe failed");
  int pid = fork();
  if (pid < 0)
    demo_fail("fork failed");
  if (pid == 0) {
    close(ready[0]);
    close(gate[1]);
    shared[0] = 's';             /* the file's page: the parent's too */
    private[0] = 'p';            /* a copy of our own */
    anon[PGSIZE] = 'a';          /* the anonymous object's second page: the parent's too */
    write(ready[1], &c, 1);
    read(gate[0], &c, 1);
    exit(0);
  }
  close(ready[1]);
  close(gate[0]);
  if (read(ready[0], &c, 1) != 1)
    demo_fail("the child did not get ready");
  printf("demo: parent %d child %d shared %p private %p anonymous %p: parent sees %c %c %c\n",
         getpid(), pid, shared, private, anon, shared[0], private[0], anon[PGSIZE]);
  int failed = show_map(getpid()) < 0 || show_map(pid) < 0;
  close(gate[1]);
  int status = -1;
  wait(&status);
  unlink(MDEMO_FILE);
  return failed || status != 0 ? 1 : 0;
}

int
main(int argc, char *argv[])
{
  if (argc > 2) {
    fprintf(2, "vmmap: usage: vmmap [PID | -d | -m]\n");
    exit(1);
  }
  if (argc == 2 && strcmp(argv[1], "-d") == 0)
    exit(demo());
  if (argc == 2 && strcmp(argv[1], "-m") == 0)
    exit(mapping_demo());
  int pid = getpid();
  if (argc == 2) {
    pid = atoi(argv[1]);
    if (pid <= 0) {
      fprintf(2, "vmmap: bad pid %s\n", argv[1]);
      exit(1);
    }
  }
  exit(show_map(pid) < 0 ? 1 : 0);
}
