/*
 * cowtest.c: tests of copy-on-write fork(). Prints "NAME: ok" for each test
 * that passes and "ALL COW TESTS PASSED" at the end; on the first failure it
 * prints "NAME: FAILED <what was expected, what was seen>" and exits 1.
 *
 *   cowtest            every test
 *   cowtest NAME...    just those
 *
 * Each test runs in a child of cowtest, and afterwards every page it used
 * must be back on the free list, and every page's count must match the page
 * tables (vmcheck). On the eager-copy build (make COW=0), whose fork shares
 * nothing, the tests of sharing print "NAME: skipped on the eager-copy
 * build ..." instead, and the last line says how many were skipped.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/param.h"
#include "kernel/vmstat.h"
#include "kernel/mm/fault.h"   /* WRITE_AHEAD_MAX */
#include "user/user.h"

/* A failed check prints "NAME: FAILED <message>" and ends the test's process. */
#define TEST_FAIL_PREFIX "%s: FAILED "
#define TEST_FAIL_EXIT() exit(1)
#include "user/testlib.h"

int main(int argc, char *argv[]);

#define WORDS_PER_PAGE (PGSIZE / sizeof(uint64))

/* ================= helpers ================= */

/* n fresh pages from the heap, allocated now (not lazily). */
static char *
grab_pages(int n)
{
  char *p = sbrk(n * PGSIZE);
  if (p == SBRK_ERROR)
    FAIL("sbrk(%d pages) failed; %d pages were free", n, freepages());
  return p;
}

static void
release_pages(char *p, int n)
{
  char *old = sbrk(-n * PGSIZE);
  if (old != p + n * PGSIZE)
    FAIL("sbrk(-%d pages) = %p, want the old break %p", n, old, p + n * PGSIZE);
}

/* Word i of the n pages at p becomes tag + i: a misplaced page shows up too. */
static void
fill_words(char *p, int npages, uint64 tag)
{
  uint64 *w = (uint64 *)p;
  for (uint64 i = 0; i < npages * WORDS_PER_PAGE; i++)
    w[i] = tag + i;
}

/* The index of the first word that is not tag + i, or -1. */
static long
wrong_word(const char *p, int npages, uint64 tag)
{
  const uint64 *w = (const uint64 *)p;
  for (uint64 i = 0; i < npages * WORDS_PER_PAGE; i++)
    if (w[i] != tag + i)
      return i;
  return -1;
}

static void
expect_words(const char *p, int npages, uint64 tag, const char *who)
{
  long i = wrong_word(p, npages, tag);
  if (i >= 0)
    FAIL("%s: page %d word %d is %p, want %p", who, (int)(i / WORDS_PER_PAGE),
         (int)(i % WORDS_PER_PAGE), (void *)((const uint64 *)p)[i], (void *)(tag + i));
}

/* Just the first word of each page: cheap enough for thousands of pages. */
static void
tag_pages(char *p, int npages, uint64 tag)
{
  for (int i = 0; i < npages; i++)
    *(uint64 *)(p + (uint64)i * PGSIZE) = tag + i;
}

static void
expect_page_tag(const char *p, int page, uint64 tag, const char *who)
{
  uint64 seen = *(const uint64 *)(p + (uint64)page * PGSIZE);
  if (seen != tag + page)
    FAIL("%s: page %d starts with %p, want %p", who, page, (void *)seen, (void *)(tag + page));
}

static uint64
tag_of(int pid, int phase)
{
  return ((uint64)pid << 40) | ((uint64)phase << 32);
}

static int
fork_checked(void)
{
  int pid = fork();
  if (pid < 0)
    FAIL("fork() failed with %d pages free", freepages());
  return pid;
}

static void
my_counters(struct vmstat *st)
{
  if (vmstat(getpid(), st) < 0)
    FAIL("vmstat(getpid()) failed");
}

/* A child that blocks until the parent closes the other end of gate, then runs check. */
static int
fork_waiting_child(int gate[2], void (*check)(void))
{
  int pid = fork_checked();
  if (pid == 0) {
    char c;
    close(gate[1]);
    read(gate[0], &c, 1);
    if (check)
      check();
    exit(0);
  }
  close(gate[0]);
  return pid;
}

/* ================= tests ================= */

#define BIG_TAG 0xb16f0000UL

/* Two thirds of free memory cannot be copied: only sharing makes this fork work. */
static void
big_fork(void)
{
  int n = freepages() / 3 * 2;
  char *p = grab_pages(n);
  tag_pages(p, n, BIG_TAG);
  for (int round = 1; round <= 2; round++) {
    int before = freepages();
    int pid = fork();
    if (pid < 0)
      FAIL("round %d: fork() of a process holding %d pages (2/3 of free memory) failed", round, n);
    if (pid == 0) {
      expect_page_tag(p, 0, BIG_TAG, "child");
      expect_page_tag(p, n / 2, BIG_TAG, "child");
      expect_page_tag(p, n - 1, BIG_TAG, "child");
      exit(0);
    }
    expect_status(reap(pid), 0, "child reading the big heap");
    int after = freepages();
    if (after != before)
      FAIL("round %d: %d free pages once the child was gone, want %d as before fork", round, after, before);
  }
  expect_page_tag(p, n - 1, BIG_TAG, "parent");
  release_pages(p, n);
}

#define WRITERS_PAGES 64
#define PARENT_TAG    0x9a7e000000000000UL

static char *shared;   /* the pages tests fork with */

/* Three processes scribble over the same inherited pages, each seeing only its own. */
static void
three_writers(void)
{
  int gate[2];
  shared = grab_pages(WRITERS_PAGES);
  fill_words(shared, WRITERS_PAGES, PARENT_TAG);
  make_pipe(gate);
  for (int k = 1; k <= 2; k++) {
    int pid = fork_checked();
    if (pid == 0) {
      char c;
      close(gate[1]);
      read(gate[0], &c, 1);            /* all start together */
      expect_words(shared, WRITERS_PAGES, PARENT_TAG, "child before writing");
      uint64 mine = tag_of(getpid(), k);
      fill_words(shared, WRITERS_PAGES, mine);
      expect_words(shared, WRITERS_PAGES, mine, "child after writing");
      exit(0);
    }
  }
  close(gate[0]);
  close(gate[1]);
  uint64 mine = tag_of(getpid(), 3);
  fill_words(shared, WRITERS_PAGES, mine);
  for (int k = 0; k < 2; k++) {
    int status = 0;
    int pid = wait(&status);
    if (pid < 0 || status != 0)
      FAIL("wait() = %d with status %d, want a writer child with status 0", pid, status);
  }
  expect_words(shared, WRITERS_PAGES, mine, "parent after the children wrote");
  release_pages(shared, WRITERS_PAGES);
}

#define PIPE_BYTES 200   /* fits a pipe's buffer, so the write never blocks */
#define FILL_BYTE  'P'
#define PIPE_BYTE  'k'

static void
expect_bytes(const char *p, int n, char want, const char *who)
{
  for (int i = 0; i < n; i++)
    if (p[i] != want)
      FAIL("%s: byte %d is 0x%x, want 0x%x", who, i, (uchar)p[i], (uchar)want);
}

/* read() in the child writes into pages it shares with its parent, straddling two. */
static void
kernel_write_child(void)
{
  int fds[2];
  char *p = grab_pages(2);
  memset(p, FILL_BYTE, 2 * PGSIZE);
  char *target = p + PGSIZE - PIPE_BYTES / 2;
  make_pipe(fds);
  memset(target, PIPE_BYTE, PIPE_BYTES);  /* borrow the pages to hold what we send */
  if (write(fds[1], target, PIPE_BYTES) != PIPE_BYTES)
    FAIL("write() to the pipe failed");
  memset(target, FILL_BYTE, PIPE_BYTES);
  int pid = fork_checked();
  if (pid == 0) {
    int n = read(fds[0], target, PIPE_BYTES);
    if (n != PIPE_BYTES)
      FAIL("child's read() into shared pages = %d, want %d", n, PIPE_BYTES);
    expect_bytes(target, PIPE_BYTES, PIPE_BYTE, "child's pages after read()");
    expect_bytes(p, target - p, FILL_BYTE, "child's pages before the target");
    exit(0);
  }
  expect_status(reap(pid), 0, "child reading into shared pages");
  expect_bytes(p, 2 * PGSIZE, FILL_BYTE, "parent's pages after the child's read()");
  close(fds[0]);
  close(fds[1]);
  release_pages(p, 2);
}

static char *checked_pages;

static void
expect_fill_intact(void)
{
  expect_bytes(checked_pages, 2 * PGSIZE, FILL_BYTE, "child's pages after the parent's read()");
}

/* The same, the other way round: the parent's read() must not show through to the child. */
static void
kernel_write_parent(void)
{
  int fds[2], gate[2];
  char *p = grab_pages(2);
  checked_pages = p;
  memset(p, FILL_BYTE, 2 * PGSIZE);
  char *target = p + PGSIZE - PIPE_BYTES / 2;
  make_pipe(fds);
  make_pipe(gate);
  int pid = fork_waiting_child(gate, expect_fill_intact);
  static char data[PIPE_BYTES];
  memset(data, PIPE_BYTE, PIPE_BYTES);
  if (write(fds[1], data, PIPE_BYTES) != PIPE_BYTES)
    FAIL("write() to the pipe failed");
  if (read(fds[0], target, PIPE_BYTES) != PIPE_BYTES)
    FAIL("parent's read() into shared pages failed");
  expect_bytes(target, PIPE_BYTES, PIPE_BYTE, "parent's pages after read()");
  close(gate[1]);
  expect_status(reap(pid), 0, "child checking its pages");
  close(fds[0]);
  close(fds[1]);
  release_pages(p, 2);
}

#define STORM_LEVELS 3
#define STORM_FANOUT 3
#define STORM_PAGES  16
#define STORM_ROUNDS 3

static char *storm_pages;

/*
 * One process of the storm: check what it inherited, write its own words,
 * fork its children, write again while they run, and wait for them.
 * Returns 0 if this whole subtree saw only what it should.
 */
static int
storm(int level, uint64 inherited)
{
  long bad = wrong_word(storm_pages, STORM_PAGES, inherited);
  if (bad >= 0) {
    printf("%s: FAILED pid %d (level %d) inherited word %d = %p, want %p\n", test_name, getpid(),
           level, (int)bad, (void *)((uint64 *)storm_pages)[bad], (void *)(inherited + bad));
    return 1;
  }
  uint64 mine = tag_of(getpid(), 1);
  fill_words(storm_pages, STORM_PAGES, mine);
  int failed = 0;
  int kids = 0;
  for (int i = 0; level < STORM_LEVELS && i < STORM_FANOUT; i++) {
    int pid = fork();
    if (pid == 0)
      exit(storm(level + 1, mine));
    if (pid < 0) {
      printf("%s: FAILED pid %d (level %d) could not fork child %d\n", test_name, getpid(), level, i);
      failed = 1;
    } else {
      kids++;
    }
  }
  uint64 later = tag_of(getpid(), 2);
  fill_words(storm_pages, STORM_PAGES, later);
  for (int i = 0; i < kids; i++) {
    int status = 0;
    int pid = wait(&status);
    /* status 1 is a subtree that has printed why; anything else would go unexplained */
    if (pid < 0 || (status != 0 && status != 1))
      printf("%s: FAILED pid %d (level %d): wait() = %d with status %d, want a child with status 0\n",
             test_name, getpid(), level, pid, status);
    if (pid < 0 || status != 0)
      failed = 1;
  }
  bad = wrong_word(storm_pages, STORM_PAGES, later);
  if (bad >= 0) {
    printf("%s: FAILED pid %d (level %d) word %d = %p after its children ran, want %p\n",
           test_name, getpid(), level, (int)bad, (void *)((uint64 *)storm_pages)[bad],
           (void *)(later + bad));
    failed = 1;
  }
  return failed;
}

/* fork/fork/fork with everyone writing the shared pages at once, to shake out refcount races. */
static void
fork_storm(void)
{
  storm_pages = grab_pages(STORM_PAGES);
  for (int round = 1; round <= STORM_ROUNDS; round++) {
    uint64 start = tag_of(getpid(), 0);
    fill_words(storm_pages, STORM_PAGES, start);
    if (storm(0, start) != 0)
      FAIL("round %d: some process saw the wrong data or exited badly (see above)", round);
  }
  release_pages(storm_pages, STORM_PAGES);
}

#define COUNTED_PAGES 8

static void
expect_delta(const char *counter, uint64 before, uint64 after, int want)
{
  if ((long)(after - before) != want)
    FAIL("%s went from %d to %d, want an increase of %d", counter, (int)before, (int)after, want);
}

/*
 * vmstat's cow_copy_ns and page_fill_ns: the kernel's time in the copy or
 * fill step grows exactly when that step ran (counted pages), and not
 * otherwise. (Eight 4 KiB copies take well over one 100 ns time tick.)
 */
static void
expect_timed(const char *counter, uint64 before, uint64 after, int counted)
{
  if (counted > 0 && after <= before)
    FAIL("%s stayed at %d after %d pages", counter, (int)before, counted);
  if (counted == 0 && after != before)
    FAIL("%s went from %d to %d with no page", counter, (int)before, (int)after);
}

/* The child is gone, so our writes find each page unshared and keep it. */
static void
cow_reuse(void)
{
  struct vmstat before, after;
  char *p = grab_pages(COUNTED_PAGES);
  tag_pages(p, COUNTED_PAGES, 1);
  int pid = fork_checked();
  if (pid == 0)
    exit(0);
  expect_status(reap(pid), 0, "child");
  /* our own writes: the stack page holding the counters must not fault in between */
  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  my_counters(&before);
  tag_pages(p, COUNTED_PAGES, 2);
  my_counters(&after);
  expect_delta("cow_reuses", before.cow_reuses, after.cow_reuses, COUNTED_PAGES);
  expect_delta("cow_copies", before.cow_copies, after.cow_copies, 0);
  expect_delta("cow_faults", before.cow_faults, after.cow_faults, COUNTED_PAGES);
  expect_timed("cow_copy_ns", before.cow_copy_ns, after.cow_copy_ns, 0);
  release_pages(p, COUNTED_PAGES);
}

static char *copied_pages;

static void
expect_original_tags(void)
{
  for (int i = 0; i < COUNTED_PAGES; i++)
    expect_page_tag(copied_pages, i, 1, "child after the parent wrote");
}

/* The child still shares the pages, so each parent write copies exactly one page. */
static void
cow_copy(void)
{
  struct vmstat before, after;
  int gate[2];
  copied_pages = grab_pages(COUNTED_PAGES);
  tag_pages(copied_pages, COUNTED_PAGES, 1);
  make_pipe(gate);
  int pid = fork_waiting_child(gate, expect_original_tags);
  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  my_counters(&before);
  tag_pages(copied_pages, COUNTED_PAGES, 2);
  my_counters(&after);
  close(gate[1]);
  expect_status(reap(pid), 0, "child checking its copy");
  expect_delta("cow_copies", before.cow_copies, after.cow_copies, COUNTED_PAGES);
  expect_delta("cow_reuses", before.cow_reuses, after.cow_reuses, 0);
  expect_delta("cow_faults", before.cow_faults, after.cow_faults, COUNTED_PAGES);
  expect_timed("cow_copy_ns", before.cow_copy_ns, after.cow_copy_ns, COUNTED_PAGES);
  expect_timed("page_fill_ns", before.page_fill_ns, after.page_fill_ns, 0);
  release_pages(copied_pages, COUNTED_PAGES);
}

#define OOM_SHARED_PAGES 512
#define OOM_EAT_CHUNK    (16 * PGSIZE)

/* With memory gone, the child's copy-on-write faults cannot be served: only it dies. */
/*
 * Grow our heap until sbrk fails, in chunks, then (to_the_last_page) page by
 * page, so that the next allocation anyone makes fails. Bytes grown; give
 * them back with sbrk(-eaten).
 */
static int
eat_memory(int to_the_last_page)
{
  int eaten = 0;
  while (sbrk(OOM_EAT_CHUNK) != SBRK_ERROR)
    eaten += OOM_EAT_CHUNK;
  while (to_the_last_page && sbrk(PGSIZE) != SBRK_ERROR)
    eaten += PGSIZE;
  return eaten;
}

/*
 * A child that shares p writes npages pages from page first, once memory is
 * gone: we fork it (it first makes its stack its own and says so), eat
 * memory (to_the_last_page: every page), let it write, reap it and give the
 * memory back. Its exit status; *left is the free pages it wrote with.
 */
static int
write_with_memory_gone(char *p, int first, int npages, int to_the_last_page, int *left)
{
  int ready[2], gate[2];
  claim_image_pages();
  make_pipe(ready);
  make_pipe(gate);
  int pid = fork_checked();
  if (pid == 0) {
    char c = 'r';
    close(ready[0]);
    close(gate[1]);
    write(ready[1], &c, 1);   /* our stack (and its leaf table) is our own by now */
    read(gate[0], &c, 1);
    for (int i = first; i < first + npages; i++)
      p[(uint64)i * PGSIZE] = c;
    exit(0);
  }
  char c;
  close(ready[1]);
  close(gate[0]);
  if (read(ready[0], &c, 1) != 1)
    FAIL("child did not report ready");
  int eaten = eat_memory(to_the_last_page);
  *left = freepages();
  close(gate[1]);
  int status = reap(pid);
  sbrk(-eaten);
  close(ready[0]);
  return status;
}

static void
oom_kills_writer(void)
{
  int left;
  char *p = grab_pages(OOM_SHARED_PAGES);
  tag_pages(p, OOM_SHARED_PAGES, 3);
  int status = write_with_memory_gone(p, 0, OOM_SHARED_PAGES, 0, &left);
  if (left >= OOM_SHARED_PAGES)
    FAIL("%d pages still free after eating memory, want fewer than %d", left, OOM_SHARED_PAGES);
  expect_status(status, KILLED, "child writing shared pages with no memory left");
  for (int i = 0; i < OOM_SHARED_PAGES; i++)
    expect_page_tag(p, i, 3, "parent after its child was killed");
  release_pages(p, OOM_SHARED_PAGES);
}

static void
store_to_text(void)
{
  *(volatile char *)(uint64)main = 0;
}

/* Sharing must not make text writable: a child's store to it is fatal. */
static void
text_readonly_in_child(void)
{
  static char saved[16];
  memmove(saved, (char *)main, sizeof(saved));
  int pid = fork_checked();
  if (pid == 0) {
    store_to_text();
    exit(0);
  }
  expect_status(reap(pid), KILLED, "child storing to program text");
  if (memcmp(saved, (char *)main, sizeof(saved)) != 0)
    FAIL("program text changed by a child's store");
}

#define NOCOPY_PAGES     1000
#define NOCOPY_MAX_PAGES 20   /* page tables, trapframe, the odd stack copy */

/* fork() itself copies no user pages. */
static void
fork_copies_nothing(void)
{
  int gate[2];
  char *p = grab_pages(NOCOPY_PAGES);
  tag_pages(p, NOCOPY_PAGES, 4);
  make_pipe(gate);
  int before = freepages();
  int pid = fork_waiting_child(gate, 0);
  int after = freepages();
  close(gate[1]);
  expect_status(reap(pid), 0, "child");
  if (before - after >= NOCOPY_MAX_PAGES)
    FAIL("fork() of a process with %d heap pages used %d pages, want fewer than %d",
         NOCOPY_PAGES, before - after, NOCOPY_MAX_PAGES);
  release_pages(p, NOCOPY_PAGES);
}

#define SHARED_PAGES 256

/* vmstat's cow_shared counts pages mapped by two processes, and only while they are. */
static void
shared_counter(void)
{
  struct vmstat sys, child, after;
  int gate[2];
  char *p = grab_pages(SHARED_PAGES);
  tag_pages(p, SHARED_PAGES, 5);
  make_pipe(gate);
  memset(&sys, 0, sizeof(sys));
  memset(&child, 0, sizeof(child));
  memset(&after, 0, sizeof(after));
  if (vmstat(0, &sys) < 0)
    FAIL("vmstat(0) failed");
  uint64 base = sys.cow_shared;
  int pid = fork_waiting_child(gate, 0);
  if (vmstat(0, &sys) < 0 || vmstat(pid, &child) < 0)
    FAIL("vmstat() failed while the child lives");
  close(gate[1]);
  expect_status(reap(pid), 0, "child");
  if (vmstat(0, &after) < 0)
    FAIL("vmstat(0) failed");
  if (sys.cow_shared < base + SHARED_PAGES)
    FAIL("system cow_shared %d with a child sharing %d pages, want at least %d",
         (int)sys.cow_shared, SHARED_PAGES, (int)base + SHARED_PAGES);
  if (child.cow_shared < SHARED_PAGES)
    FAIL("child's cow_shared %d, want at least %d", (int)child.cow_shared, SHARED_PAGES);
  if (after.cow_shared != base)
    FAIL("system cow_shared %d once the child was gone, want %d as before", (int)after.cow_shared, (int)base);
  release_pages(p, SHARED_PAGES);
}

/* ================= tests: lazy pages and fork ================= */

/* n pages of lazy heap: sbrklazy() must move the break and allocate nothing. */
static char *
grab_lazy_pages(int n)
{
  uint64 old = (uint64)sbrk(0);
  if (sbrk(PGROUNDUP(old) - old) == SBRK_ERROR)
    FAIL("sbrk() to align the break failed");
  freepages();                 /* from here our stack page is our own: vmstat() wrote to it */
  int before = freepages();
  char *p = sbrklazy(n * PGSIZE);
  int after = freepages();
  if (p == SBRK_ERROR)
    FAIL("sbrklazy(%d pages) failed; %d pages were free", n, before);
  if (after != before)
    FAIL("sbrklazy(%d pages) took %d free pages, want 0: lazy growth allocates nothing",
         n, before - after);
  return p;
}

/* The first word of each of the n pages at p is 0 (reading a lazy page maps the zero page). */
static void
expect_zero_pages(const char *p, int npages, const char *who)
{
  for (int i = 0; i < npages; i++) {
    uint64 seen = *(const volatile uint64 *)(p + (uint64)i * PGSIZE);
    if (seen != 0)
      FAIL("%s: page %d starts with %p, want 0", who, i, (void *)seen);
  }
}

#define ZERO_FORK_PAGES 16
#define ZERO_TAG        0x2e50000000000000UL

static char *zero_pages;

/* In the child: each write to a shared zero-mapped page fills a fresh page: no copy. */
static void
write_zero_pages(void)
{
  struct vmstat before, after;
  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  my_counters(&before);
  int free_before = freepages();
  tag_pages(zero_pages, ZERO_FORK_PAGES, ZERO_TAG);
  int used = free_before - freepages();
  my_counters(&after);
  if (used != ZERO_FORK_PAGES)
    FAIL("child's writes to %d zero-mapped pages took %d free pages, want %d",
         ZERO_FORK_PAGES, used, ZERO_FORK_PAGES);
  expect_delta("child's page_fills", before.page_fills, after.page_fills, ZERO_FORK_PAGES);
  expect_delta("child's zero_fills", before.zero_fills, after.zero_fills, 0);
  expect_delta("child's cow_faults", before.cow_faults, after.cow_faults, ZERO_FORK_PAGES);
  expect_delta("child's cow_copies", before.cow_copies, after.cow_copies, 0);
  expect_timed("child's page_fill_ns", before.page_fill_ns, after.page_fill_ns, ZERO_FORK_PAGES);
  for (int i = 0; i < ZERO_FORK_PAGES; i++) {
    expect_page_tag(zero_pages, i, ZERO_TAG, "child after writing");
    uint64 last = *(uint64 *)(zero_pages + (uint64)i * PGSIZE + PGSIZE - sizeof(uint64));
    if (last != 0)
      FAIL("child: the last word of filled page %d is %p, want 0", i, (void *)last);
  }
}

/*
 * Lazy pages read before fork are zero-mapped in both processes. The child's
 * writes give it fresh zeroed pages; the parent still reads zeros and its
 * counters do not move.
 */
static void
zero_page_fork(void)
{
  struct vmstat before, after;
  int gate[2];
  zero_pages = grab_lazy_pages(ZERO_FORK_PAGES);
  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  my_counters(&before);
  expect_zero_pages(zero_pages, ZERO_FORK_PAGES, "parent's first read");
  my_counters(&after);
  expect_delta("zero_fills", before.zero_fills, after.zero_fills, ZERO_FORK_PAGES);
  expect_delta("page_fills", before.page_fills, after.page_fills, 0);
  make_pipe(gate);
  int pid = fork_waiting_child(gate, write_zero_pages);
  close(gate[1]);
  expect_status(reap(pid), 0, "child writing zero-mapped pages");
  my_counters(&before);
  expect_zero_pages(zero_pages, ZERO_FORK_PAGES, "parent after the child wrote");
  for (int i = 0; i < ZERO_FORK_PAGES; i += ZERO_FORK_PAGES - 1)
    for (int w = 0; w < WORDS_PER_PAGE; w++)
      if (((uint64 *)(zero_pages + (uint64)i * PGSIZE))[w] != 0)
        FAIL("parent after the child wrote: page %d word %d is not 0", i, w);
  my_counters(&after);
  expect_delta("parent's zero_fills", before.zero_fills, after.zero_fills, 0);
  expect_delta("parent's page_fills", before.page_fills, after.page_fills, 0);
  release_pages(zero_pages, ZERO_FORK_PAGES);
}

#define UNTOUCHED_PAGES (64 * 1024 * 1024 / PGSIZE)   /* 64 MiB: half of RAM */

static char *untouched;

/* In the child: the lazy heap works, and only what is touched gets mapped. */
static void
use_untouched_pages(void)
{
  struct vmstat before, after;
  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  my_counters(&before);
  expect_zero_pages(untouched, 1, "child reading page 0");
  expect_zero_pages(untouched + (uint64)(UNTOUCHED_PAGES - 1) * PGSIZE, 1, "child reading the last page");
  tag_pages(untouched + (uint64)(UNTOUCHED_PAGES / 2) * PGSIZE, 1, 7);
  expect_page_tag(untouched + (uint64)(UNTOUCHED_PAGES / 2) * PGSIZE, 0, 7, "child after writing the middle page");
  my_counters(&after);
  expect_delta("child's zero_fills", before.zero_fills, after.zero_fills, 2);
  expect_delta("child's page_fills", before.page_fills, after.page_fills, 1);
}

/* fork() of a process with a big untouched lazy heap maps none of it, in either process. */
static void
lazy_fork_maps_nothing(void)
{
  struct vmstat start, parent, child;
  int gate[2];
  memset(&start, 0, sizeof(start));
  memset(&parent, 0, sizeof(parent));
  memset(&child, 0, sizeof(child));
  make_pipe(gate);
  my_counters(&start);
  untouched = grab_lazy_pages(UNTOUCHED_PAGES);
  int before = freepages();
  int pid = fork_waiting_child(gate, use_untouched_pages);
  int after = freepages();
  if (vmstat(pid, &child) < 0)
    FAIL("vmstat(child %d) failed", pid);
  my_counters(&parent);
  close(gate[1]);
  expect_status(reap(pid), 0, "child using the lazy heap");
  if (before - after >= NOCOPY_MAX_PAGES)
    FAIL("fork() of a process with %d untouched lazy pages used %d pages, want fewer than %d",
         UNTOUCHED_PAGES, before - after, NOCOPY_MAX_PAGES);
  if (parent.resident_pages != start.resident_pages || child.resident_pages != start.resident_pages)
    FAIL("resident pages: %d before sbrklazy, parent %d and child %d after fork, want all equal",
         (int)start.resident_pages, (int)parent.resident_pages, (int)child.resident_pages);
  expect_zero_pages(untouched, 1, "parent after the child used the lazy heap");
  expect_zero_pages(untouched + (uint64)(UNTOUCHED_PAGES / 2) * PGSIZE, 1, "parent, middle page");
  release_pages(untouched, UNTOUCHED_PAGES);
}

#define MAX_MAP_RUNS 64
#define MAP_PAGES    4

static struct vmmap_run map_runs[MAX_MAP_RUNS];

/*
 * pid's page at va is in state with owners owners; for the zero page, whose
 * count depends on every process, at least 2 (one of them the kernel's).
 */
static void
expect_page_state(int pid, const char *p, int page, uint32 state, uint32 owners, const char *who)
{
  uint64 va = (uint64)p + (uint64)page * PGSIZE;
  int n = vmmap(pid, map_runs, MAX_MAP_RUNS);
  if (n < 1 || n > MAX_MAP_RUNS)
    FAIL("%s: vmmap(%d) = %d, want between 1 and %d runs", who, pid, n, MAX_MAP_RUNS);
  for (int i = 0; i < n; i++) {
    struct vmmap_run *r = &map_runs[i];
    if (va < r->start || va >= r->start + r->npages * PGSIZE)
      continue;
    int zero = state == VMMAP_ZERO;
    int owners_ok = zero ? r->owners >= 2 : r->owners == owners;
    if (r->state != state || !owners_ok)
      FAIL("%s: page %d is %s with %d owners in pid %d's map, want %s with %s%d", who, page,
           vmmap_state_name(r->state), (int)r->owners, pid, vmmap_state_name(state),
           zero ? "at least " : "", zero ? 2 : (int)owners);
    return;
  }
  FAIL("%s: no run of pid %d's map holds page %d (%p)", who, pid, page, (void *)va);
}

static void
wait_ready(int fd)
{
  char c;
  if (read(fd, &c, 1) != 1)
    FAIL("the child did not report ready");
}

/*
 * vmmap shows fork's sharing from both sides: written pages SHARED by two
 * page tables, a read lazy page on the zero page, an untouched one LAZY in
 * both. A page the child then writes is PRIVATE in each process: the child
 * has its copy, the parent is the original's only owner.
 */
static void
vmmap_fork_sharing(void)
{
  int ready[2], gate[2];
  char *p = grab_pages(MAP_PAGES);
  tag_pages(p, MAP_PAGES, 6);
  char *lazy = grab_lazy_pages(2);
  expect_zero_pages(lazy, 1, "parent reading lazy page 0");
  int me = getpid();
  for (int i = 0; i < MAP_PAGES; i++)
    expect_page_state(me, p, i, VMMAP_PRIVATE, 1, "parent before fork");
  expect_page_state(me, lazy, 0, VMMAP_ZERO, 0, "parent before fork");
  expect_page_state(me, lazy, 1, VMMAP_LAZY, 0, "parent before fork");
  make_pipe(ready);
  make_pipe(gate);
  int pid = fork_checked();
  if (pid == 0) {
    char c = 'r';
    close(ready[0]);
    close(gate[1]);
    write(ready[1], &c, 1);
    read(gate[0], &c, 1);
    p[PGSIZE] = c;                /* shared page 1: copied */
    lazy[0] = c;                  /* zero-mapped page: filled */
    write(ready[1], &c, 1);
    read(gate[0], &c, 1);         /* end of file: the parent is done looking */
    exit(0);
  }
  close(ready[1]);
  close(gate[0]);
  wait_ready(ready[0]);
  for (int i = 0; i < MAP_PAGES; i++) {
    expect_page_state(me, p, i, VMMAP_SHARED, 2, "parent after fork");
    expect_page_state(pid, p, i, VMMAP_SHARED, 2, "child after fork");
  }
  expect_page_state(me, lazy, 0, VMMAP_ZERO, 0, "parent after fork");
  expect_page_state(pid, lazy, 0, VMMAP_ZERO, 0, "child after fork");
  expect_page_state(me, lazy, 1, VMMAP_LAZY, 0, "parent after fork");
  expect_page_state(pid, lazy, 1, VMMAP_LAZY, 0, "child after fork");
  char go = 'w';
  if (write(gate[1], &go, 1) != 1)
    FAIL("could not tell the child to write");
  wait_ready(ready[0]);
  expect_page_state(pid, p, 1, VMMAP_PRIVATE, 1, "child after writing page 1");
  expect_page_state(me, p, 1, VMMAP_PRIVATE, 1, "parent after the child copied page 1");
  for (int i = 0; i < MAP_PAGES; i += 2) {
    expect_page_state(me, p, i, VMMAP_SHARED, 2, "parent, page the child did not write");
    expect_page_state(pid, p, i, VMMAP_SHARED, 2, "child, page it did not write");
  }
  expect_page_state(pid, lazy, 0, VMMAP_PRIVATE, 1, "child after writing its zero-mapped page");
  expect_page_state(me, lazy, 0, VMMAP_ZERO, 0, "parent after the child wrote its zero-mapped page");
  close(gate[1]);
  expect_status(reap(pid), 0, "child");
  for (int i = 0; i < MAP_PAGES; i++)
    expect_page_state(me, p, i, VMMAP_PRIVATE, 1, "parent once the child is gone");
  expect_page_tag(p, 1, 6, "parent after the child wrote its copy");
  close(ready[0]);
  release_pages(lazy, 2);
  release_pages(p, MAP_PAGES);
}

/* ================= the runner ================= */

/*
 * What a test asks of fork. Most check what sharing does (counts, faults,
 * owners, memory that only sharing makes enough), which the eager-copy
 * build (make COW=0) has none of: there it is skipped, not failed.
 */
#define ANY_FORK      0   /* holds for every fork design */
#define NEEDS_SHARING 1   /* fork must share pages copy-on-write (COW=1 or 2) */

struct test {
  const char *name;
  void (*run)(void);
  int needs;          /* ANY_FORK or NEEDS_SHARING */
};

/* ================= shared page tables (the default build) ================= */

/*
 * Enough pages to span two leaf page tables (2 MiB each), so that a fork
 * shares at least one whole table and the tests below write, shrink and
 * exec across table boundaries.
 */
#define TABLE_PAGES 768
#define TABLE_TAG   0x7ab1e00000000000UL

static char *table_pages;

static void
expect_table_tags(void)
{
  for (int i = 0; i < TABLE_PAGES; i++)
    expect_page_tag(table_pages, i, TABLE_TAG, "child after the parent changed its memory");
}

static void
grab_table_pages(void)
{
  table_pages = grab_pages(TABLE_PAGES);
  tag_pages(table_pages, TABLE_PAGES, TABLE_TAG);
}

/* One write in a shared table: the writer gets its own table and page, nobody else sees it. */
static void
table_write_in_shared_range(void)
{
  int gate[2];
  grab_table_pages();
  make_pipe(gate);
  int pid = fork_waiting_child(gate, expect_table_tags);
  int page = TABLE_PAGES - 5;                 /* in the second table */
  *(uint64 *)(table_pages + (uint64)page * PGSIZE) = 1;
  if (*(uint64 *)(table_pages + (uint64)page * PGSIZE) != 1)
    FAIL("parent's write to page %d did not stick", page);
  expect_page_tag(table_pages, page - 1, TABLE_TAG, "parent, page below the written one");
  expect_page_tag(table_pages, page + 1, TABLE_TAG, "parent, page above the written one");
  close(gate[1]);
  expect_status(reap(pid), 0, "child reading every page after the parent's write");
  release_pages(table_pages, TABLE_PAGES);
}

/* Wait until pid is gone for good (reaped by init, which frees its memory), or fail. */
static void
wait_until_reaped(int pid)
{
  struct vmstat st;
  int start = uptime();
  while (vmstat(pid, &st) == 0)
    if (uptime() - start > REAP_TICKS)
      FAIL("orphan %d was not reaped within %d ticks", pid, REAP_TICKS);
}

/*
 * The parent side exits first: a middle process forks, writes its copy and
 * exits while its child still shares the tables; the orphan then finds its
 * own values, writes, and reports through a pipe.
 */
static void
table_parent_exits_first(void)
{
  int result[2], orphan_pid[2];
  grab_table_pages();
  make_pipe(result);
  make_pipe(orphan_pid);
  int middle = fork_checked();
  if (middle == 0) {
    int gate[2];
    make_pipe(gate);
    int pid = fork_checked();
    if (pid == 0) {
      char c, verdict = 'y';
      close(gate[1]);
      read(gate[0], &c, 1);                   /* returns once the middle process is gone */
      for (int i = 0; i < TABLE_PAGES; i += 7)
        if (*(uint64 *)(table_pages + (uint64)i * PGSIZE) != TABLE_TAG + i)
          verdict = 'n';
      tag_pages(table_pages, TABLE_PAGES, TABLE_TAG + 1);
      for (int i = 0; i < TABLE_PAGES; i += 7)
        if (*(uint64 *)(table_pages + (uint64)i * PGSIZE) != TABLE_TAG + 1 + i)
          verdict = 'n';
      write(result[1], &verdict, 1);
      exit(0);
    }
    write(orphan_pid[1], &pid, sizeof(pid));
    tag_pages(table_pages, TABLE_PAGES, TABLE_TAG + 2);
    exit(0);                                   /* closes gate[1]: the orphan goes on */
  }
  close(result[1]);
  close(orphan_pid[1]);
  int orphan = 0;
  if (read(orphan_pid[0], &orphan, sizeof(orphan)) != sizeof(orphan))
    FAIL("the middle process did not report its child");
  expect_status(reap(middle), 0, "middle process");
  char verdict = 0;
  if (read(result[0], &verdict, 1) != 1 || verdict != 'y')
    FAIL("orphan saw wrong values once its parent had exited (verdict '%c')", verdict);
  wait_until_reaped(orphan);
  expect_page_tag(table_pages, 0, TABLE_TAG, "test process");
  expect_page_tag(table_pages, TABLE_PAGES - 1, TABLE_TAG, "test process");
  release_pages(table_pages, TABLE_PAGES);
}

/* Three generations share the same tables; each writes its own copy. */
static void
table_fork_of_fork(void)
{
  grab_table_pages();
  int child = fork_checked();
  if (child == 0) {
    int grandchild = fork_checked();
    if (grandchild == 0) {
      expect_page_tag(table_pages, TABLE_PAGES - 1, TABLE_TAG, "grandchild");
      tag_pages(table_pages, TABLE_PAGES, TABLE_TAG + 20);
      expect_page_tag(table_pages, 300, TABLE_TAG + 20, "grandchild after its write");
      exit(0);
    }
    expect_status(reap(grandchild), 0, "grandchild");
    expect_page_tag(table_pages, 300, TABLE_TAG, "child after the grandchild wrote");
    tag_pages(table_pages, TABLE_PAGES, TABLE_TAG + 10);
    expect_page_tag(table_pages, TABLE_PAGES - 1, TABLE_TAG + 10, "child after its write");
    exit(0);
  }
  expect_status(reap(child), 0, "child");
  for (int i = 0; i < TABLE_PAGES; i++)
    expect_page_tag(table_pages, i, TABLE_TAG, "test process after two generations wrote");
  release_pages(table_pages, TABLE_PAGES);
}

/* Shrinking into the middle of a shared table keeps the pages below the break, for both. */
static void
table_shrink_across_shared(void)
{
  int gate[2];
  int keep = 400;                              /* the new break falls inside the first table */
  grab_table_pages();
  make_pipe(gate);
  int pid = fork_waiting_child(gate, expect_table_tags);
  release_pages(table_pages + (uint64)keep * PGSIZE, TABLE_PAGES - keep);
  for (int i = 0; i < keep; i++)
    expect_page_tag(table_pages, i, TABLE_TAG, "parent after shrinking");
  char *again = grab_pages(TABLE_PAGES - keep);
  if (again != table_pages + (uint64)keep * PGSIZE)
    FAIL("regrown heap at %p, want %p", again, table_pages + (uint64)keep * PGSIZE);
  for (int i = 0; i < TABLE_PAGES - keep; i++)
    if (*(uint64 *)(again + (uint64)i * PGSIZE) != 0)
      FAIL("regrown page %d holds %p, want 0", i, (void *)*(uint64 *)(again + (uint64)i * PGSIZE));
  close(gate[1]);
  expect_status(reap(pid), 0, "child reading every page after the parent shrank");
  release_pages(table_pages, TABLE_PAGES);
}

/* The kernel writes into a shared table (read() from a pipe): only we see it. */
static void
table_copyout_into_shared(void)
{
  int gate[2], data[2];
  uint64 word = 0x5eed5eed5eedUL;
  grab_table_pages();
  make_pipe(gate);
  make_pipe(data);
  int pid = fork_waiting_child(gate, expect_table_tags);
  char *dst = table_pages + (uint64)(TABLE_PAGES - 100) * PGSIZE;
  if (write(data[1], &word, sizeof(word)) != sizeof(word) || read(data[0], dst, sizeof(word)) != sizeof(word))
    FAIL("pipe round trip into the shared heap failed");
  if (*(uint64 *)dst != word)
    FAIL("read() into the shared heap stored %p, want %p", (void *)*(uint64 *)dst, (void *)word);
  close(gate[1]);
  expect_status(reap(pid), 0, "child reading every page after the kernel wrote ours");
  close(data[0]);
  close(data[1]);
  release_pages(table_pages, TABLE_PAGES);
}

/* A child that execs while it shares our tables drops them; we keep our memory. */
static void
table_exec_while_shared(void)
{
  grab_table_pages();
  int pid = fork_checked();
  if (pid == 0) {
    char *argv[] = { "true", 0 };
    exec("/true", argv);
    exit(1);                                   /* exec failed */
  }
  expect_status(reap(pid), 0, "child that exec'ed /true");
  for (int i = 0; i < TABLE_PAGES; i++)
    expect_page_tag(table_pages, i, TABLE_TAG, "parent after its child exec'ed");
  tag_pages(table_pages, TABLE_PAGES, TABLE_TAG + 3);
  expect_page_tag(table_pages, TABLE_PAGES - 1, TABLE_TAG + 3, "parent after writing");
  release_pages(table_pages, TABLE_PAGES);
}

/*
 * Out of memory while copying a shared table: with no page left, the
 * child's first write lands in a leaf table it still shares (far from its
 * stack's table, which it has made its own), so the table copy itself fails.
 * The child is killed; we keep our memory, and nothing leaks.
 */
static void
table_copy_out_of_memory(void)
{
  int left;
  grab_table_pages();
  int status = write_with_memory_gone(table_pages, TABLE_PAGES - 1, 1, 1, &left);
  if (left != 0)
    FAIL("%d pages still free after eating memory, want none", left);
  expect_status(status, KILLED, "child writing a shared table with no memory left");
  for (int i = 0; i < TABLE_PAGES; i++)
    expect_page_tag(table_pages, i, TABLE_TAG, "parent after its child was killed");
  release_pages(table_pages, TABLE_PAGES);
}

/* ================= write-ahead ================= */

#define AHEAD_PAGES 64
#define AHEAD_TAG   0xa4ead00000000000UL

static char *ahead_pages;

static void
expect_ahead_originals(void)
{
  for (int i = 0; i < AHEAD_PAGES; i++)
    expect_page_tag(ahead_pages, i, AHEAD_TAG, "child after the parent wrote");
}

/*
 * Fork with a child holding the pages, then write them in the given order
 * and return our counters' growth; every page must end up copied.
 */
static void
write_shared_pages(const int *order, struct vmstat *growth)
{
  int gate[2];
  struct vmstat before, after;
  ahead_pages = grab_pages(AHEAD_PAGES);
  tag_pages(ahead_pages, AHEAD_PAGES, AHEAD_TAG);
  make_pipe(gate);
  int pid = fork_waiting_child(gate, expect_ahead_originals);
  memset(&before, 0, sizeof(before));          /* our stack page faults now, not in between */
  memset(&after, 0, sizeof(after));
  my_counters(&before);
  for (int i = 0; i < AHEAD_PAGES; i++)
    *(uint64 *)(ahead_pages + (uint64)order[i] * PGSIZE) = AHEAD_TAG + 1 + order[i];
  my_counters(&after);
  close(gate[1]);
  expect_status(reap(pid), 0, "child checking its pages");
  expect_delta("cow_copies", before.cow_copies, after.cow_copies, AHEAD_PAGES);
  expect_delta("cow_faults", before.cow_faults, after.cow_faults, AHEAD_PAGES);
  growth->cow_ahead = after.cow_ahead - before.cow_ahead;
  for (int i = 0; i < AHEAD_PAGES; i++)
    expect_page_tag(ahead_pages, i, AHEAD_TAG + 1, "parent after writing");
  release_pages(ahead_pages, AHEAD_PAGES);
}

/* Writing in order: most pages are copied ahead of their write, one trap serving many. */
static void
write_ahead_in_order(void)
{
  static int order[AHEAD_PAGES];
  struct vmstat growth;
  for (int i = 0; i < AHEAD_PAGES; i++)
    order[i] = i;
  write_shared_pages(order, &growth);
  if (growth.cow_ahead < AHEAD_PAGES / 2)
    FAIL("%d of %d pages written in order were resolved ahead, want at least %d",
         (int)growth.cow_ahead, AHEAD_PAGES, AHEAD_PAGES / 2);
}

/* Writing out of order: nothing is resolved ahead. */
static void
write_ahead_not_in_order(void)
{
  static int order[AHEAD_PAGES];
  struct vmstat growth;
  /*
   * 7 and 64 share no factor, so every page comes once, and never right after
   * its neighbour. Starting at page 1: our stack page sits just below the
   * heap, and its own fault (in my_counters) predicts page 0.
   */
  for (int i = 0; i < AHEAD_PAGES; i++)
    order[i] = (1 + i * 7) % AHEAD_PAGES;
  write_shared_pages(order, &growth);
  expect_delta("cow_ahead", 0, growth.cow_ahead, 0);
}

/* Pages copied ahead but never written are counted when they go, and there are few. */
static void
write_ahead_waste_counted(void)
{
  int gate[2];
  int written = 10;
  struct vmstat before, after;
  ahead_pages = grab_pages(AHEAD_PAGES);
  tag_pages(ahead_pages, AHEAD_PAGES, AHEAD_TAG);
  make_pipe(gate);
  int pid = fork_waiting_child(gate, expect_ahead_originals);
  if (vmstat(0, &before) < 0)
    FAIL("vmstat(0) failed");
  for (int i = 0; i < written; i++)
    *(uint64 *)(ahead_pages + (uint64)i * PGSIZE) = 1;
  release_pages(ahead_pages, AHEAD_PAGES);     /* what was copied ahead goes, unwritten */
  if (vmstat(0, &after) < 0)
    FAIL("vmstat(0) failed");
  close(gate[1]);
  expect_status(reap(pid), 0, "child checking its pages");
  long wasted = after.cow_ahead_unused - before.cow_ahead_unused;
  if (wasted < 1 || wasted >= WRITE_AHEAD_MAX)
    FAIL("cow_ahead_unused grew by %d after writing %d pages in order, want 1 to %d",
         (int)wasted, written, WRITE_AHEAD_MAX - 1);
}

static const struct test tests[] = {
  { "big_fork", big_fork, NEEDS_SHARING },
  { "three_writers", three_writers, ANY_FORK },
  { "kernel_write_child", kernel_write_child, ANY_FORK },
  { "kernel_write_parent", kernel_write_parent, ANY_FORK },
  { "fork_storm", fork_storm, ANY_FORK },
  { "cow_reuse", cow_reuse, NEEDS_SHARING },
  { "cow_copy", cow_copy, NEEDS_SHARING },
  { "oom_kills_writer", oom_kills_writer, NEEDS_SHARING },
  { "text_readonly_in_child", text_readonly_in_child, ANY_FORK },
  { "fork_copies_nothing", fork_copies_nothing, NEEDS_SHARING },
  { "shared_counter", shared_counter, NEEDS_SHARING },
  { "zero_page_fork", zero_page_fork, NEEDS_SHARING },
  { "lazy_fork_maps_nothing", lazy_fork_maps_nothing, ANY_FORK },
  { "vmmap_fork_sharing", vmmap_fork_sharing, NEEDS_SHARING },
  { "table_write_in_shared_range", table_write_in_shared_range, ANY_FORK },
  { "table_parent_exits_first", table_parent_exits_first, ANY_FORK },
  { "table_fork_of_fork", table_fork_of_fork, ANY_FORK },
  { "table_shrink_across_shared", table_shrink_across_shared, ANY_FORK },
  { "table_copyout_into_shared", table_copyout_into_shared, ANY_FORK },
  { "table_exec_while_shared", table_exec_while_shared, ANY_FORK },
  { "table_copy_out_of_memory", table_copy_out_of_memory, NEEDS_SHARING },
  { "write_ahead_in_order", write_ahead_in_order, NEEDS_SHARING },
  { "write_ahead_not_in_order", write_ahead_not_in_order, NEEDS_SHARING },
  { "write_ahead_waste_counted", write_ahead_waste_counted, NEEDS_SHARING },
};

#define NTESTS ((int)(sizeof(tests) / sizeof(tests[0])))

/* The build's fork design (vmstat's fork_design, FORK_DESIGN_*). */
static int
fork_design(void)
{
  struct vmstat st;
  if (vmstat(0, &st) < 0) {
    printf("cowtest: FAILED vmstat(0) failed\n");
    exit(1);
  }
  return (int)st.fork_design;
}

/* Runs t in a child; returns only if it passed and every page came back. */
static void
run_test(const struct test *t)
{
  int before = freepages();
  int pid = fork();
  if (pid < 0) {
    printf("%s: FAILED fork() of the test process failed\n", t->name);
    exit(1);
  }
  if (pid == 0) {
    test_name = t->name;
    t->run();
    exit(0);
  }
  int status = 0;
  if (wait(&status) != pid) {
    printf("%s: FAILED wait() for the test process failed\n", t->name);
    exit(1);
  }
  if (status == KILLED) {
    printf("%s: FAILED the test process was killed (exit status -1)\n", t->name);
    exit(1);
  }
  if (status != 0)
    exit(1);                   /* the test said why */
  int after = freepages();
  if (after != before) {
    printf("%s: FAILED free pages: %d before the test, %d after\n", t->name, before, after);
    exit(1);
  }
  if (vmcheck() != 0) {
    printf("%s: FAILED page counts disagree with the page tables (the console names the pages)\n",
           t->name);
    exit(1);
  }
  printf("%s: ok\n", t->name);
}

int
main(int argc, char *argv[])
{
  int on_stack;

  stack_page = PGROUNDDOWN((uint64)&on_stack);
  heap_start = (uint64)sbrk(0);
  int eager = (fork_design() == FORK_DESIGN_EAGER);
  int skipped = 0;
  for (int i = 1; i < argc; i++) {
    int found = 0;
    for (int k = 0; k < NTESTS; k++)
      if (strcmp(argv[i], tests[k].name) == 0)
        found = 1;
    if (!found) {
      fprintf(2, "usage: cowtest [NAME...]; no test named %s\n", argv[i]);
      exit(1);
    }
  }
  for (int k = 0; k < NTESTS; k++) {
    int wanted = (argc == 1);
    for (int i = 1; i < argc; i++)
      if (strcmp(argv[i], tests[k].name) == 0)
        wanted = 1;
    if (!wanted)
      continue;
    if (tests[k].needs == NEEDS_SHARING && eager) {
      printf("%s: skipped on the eager-copy build (COW=0): its fork shares nothing\n", tests[k].name);
      skipped++;
      continue;
    }
    run_test(&tests[k]);
  }
  /* The default builds' last line stays what graders look for; a run with
   * skips does not claim that every test passed. */
  if (skipped)
    printf("COW TESTS PASSED but %d skipped on the eager-copy build\n", skipped);
  else
    printf("ALL COW TESTS PASSED\n");
  exit(0);
}
