/*
 * mmapcheck: mmap and munmap, one behaviour per case, as kernel/mm/mmap.h
 * promises them: where mappings go, lazy fills from the file, private and
 * shared stores, write-back, open modes, faults that kill, partial munmap,
 * fork, exec, anonymous memory, bad arguments, and what touching costs.
 *
 *   mmapcheck          every case, in order
 *   mmapcheck CASE     that case alone (to debug one)
 * Each case prints one line, and the run ends with a line of its own:
 *   mmapcheck: private_write ok
 *   mmapcheck: shared_write FAILED byte 4100 of the file after munmap ...: saw 97, expected 122
 *   mmapcheck: done
 * A case that has a child killed on purpose prints, for each such child,
 *   mmapcheck: killed pid 7 va 0x0000003fffdfc000
 * so that a test can pair it with the kernel's usertrap line for that pid
 * and address. Files are named mmc.PID.N and removed after each case; after
 * each case every mapping the case left behind is a failure (and unmapped).
 *
 * `mmapcheck -touch ADDR` is the second half of the exec case: a fresh image
 * that reads the byte at ADDR (decimal), which exec must have unmapped.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define MAP_FAILED    ((char *)-1)
#define KILLED        (-1)          /* what wait() reports for a process the kernel killed */
#define SURVIVED      42            /* a child meant to be killed exits with this if it lives */
#define CHILD_BROKEN  43            /* a child could not set itself up (open, mmap, pipe) */
#define MAX_PAGES     5             /* the largest file a case makes */
#define MAX_BYTES     (MAX_PAGES * PGSIZE)
#define HALF_PAGE     (PGSIZE / 2)
#define MAX_FILES     4             /* files one case makes, at most */
#define NAME_BYTES    16            /* "mmc.", a pid, '.', a number, NUL: within DIRSIZ */
#define MAX_RUNS      64            /* vmmap runs of this small program, with room to spare */
#define FIRST_FD      3             /* 0-2 are the console */
#define PROGRAM       "/mmapcheck"
#define TOUCH_MODE    "-touch"
#define PROT_UNKNOWN  0x8           /* no PROT_ bit has this value (nor on Linux) */
#define TOO_LONG      (1UL << 40)   /* more than a whole Sv39 address space */
#define NO_ROOM       (MAXVA - 4 * PGSIZE)  /* fits below the trampoline only over the program */
#define RW            (PROT_READ | PROT_WRITE)
#define BIG_MAPPING   (64UL * 1024 * 1024)   /* "mapping a 64 MiB file maps nothing until touched" */
#define FLAT_MAPPING  (8UL * 1024 * 1024)    /* each of two mappings fork_flat touches */
#define FLAT_SLACK    2                      /* stack pages fork's two sides may copy before counting */
#define LEAF_SPAN     (512UL * PGSIZE)       /* what one leaf page table maps */
#define BREAK_STEP    (1UL << 30)            /* the most one sbrk call moves the break here */

/* Stores flip a byte so it differs from what was there; parent and child flip differently. */
#define CHILD_FLIP    0x55
#define PARENT_FLIP   0x2a
/* Offsets in a page where fork cases store: before fork, then the child's and the parent's. */
#define BEFORE_AT     100
#define CHILD_AT      200
#define PARENT_AT     300

static const char *case_name;      /* the case running, for its lines */
static char want[MAX_BYTES];       /* what a file or mapping should hold */
static char got[MAX_BYTES];        /* what a file was read back as */
static char chunk[PGSIZE];
static char names[MAX_FILES][NAME_BYTES];
static int nnames;
static int files_made;             /* for unique names across the run */
static struct vmmap_run runs[MAX_RUNS];
static volatile char sink;         /* loads go here so the compiler keeps them */

/* ---- reporting ---- */

static int
fail(const char *what)
{
  printf("mmapcheck: %s FAILED %s\n", case_name, what);
  return -1;
}

static int
fail_value(const char *what, long saw, long expected)
{
  printf("mmapcheck: %s FAILED %s: saw %ld, expected %ld\n", case_name, what, saw, expected);
  return -1;
}

/* The first of n bytes where seen and expected differ, or -1. */
static long
first_difference(const volatile char *seen, const char *expected, uint64 n)
{
  for (uint64 i = 0; i < n; i++)
    if (seen[i] != expected[i])
      return (long)i;
  return -1;
}

/* 0 if seen holds expected's n bytes; else a FAILED line naming the first byte that differs. */
static int
same_bytes(const char *where, const volatile char *seen, const char *expected, uint64 n)
{
  long i = first_difference(seen, expected, n);
  if (i < 0)
    return 0;
  printf("mmapcheck: %s FAILED byte %ld of %s: saw %d, expected %d\n", case_name, i, where,
         (uchar)seen[i], (uchar)expected[i]);
  return -1;
}

/* ---- files ---- */

/* Byte i of a file made with seed: never 0 (so a zero fill shows), different page to page. */
static char
pattern(int seed, uint64 i)
{
  return (char)(1 + (seed + i * 7 + (i / PGSIZE) * 29) % 250);
}

static void
fill(char *buf, uint64 n, int seed)
{
  for (uint64 i = 0; i < n; i++)
    buf[i] = pattern(seed, i);
}

/* Put in name "mmc.PID.N", N the count of files made so far in this run. */
static void
unique_name(char *name)
{
  int pid = getpid(), n = files_made++;
  char digits[12];
  int k = 0;
  strcpy(name, "mmc.");
  char *p = name + strlen(name);
  do {
    digits[k++] = '0' + pid % 10;
    pid /= 10;
  } while (pid > 0);
  while (k > 0)
    *p++ = digits[--k];
  *p++ = '.';
  do {
    digits[k++] = '0' + n % 10;
    n /= 10;
  } while (n > 0);
  while (k > 0)
    *p++ = digits[--k];
  *p = 0;
}

/* A new file of bytes bytes of pattern(seed); its name, or 0 (with a FAILED line). */
static const char *
make_file(uint64 bytes, int seed)
{
  if (nnames == MAX_FILES || bytes > MAX_BYTES) {
    fail("make_file: too many or too big files for this program");
    return 0;
  }
  char *name = names[nnames];
  unique_name(name);
  int fd = open(name, O_CREATE | O_TRUNC | O_WRONLY);
  if (fd < 0) {
    fail("could not create a file");
    return 0;
  }
  nnames++;
  for (uint64 done = 0; done < bytes; done += PGSIZE) {
    int n = bytes - done < PGSIZE ? (int)(bytes - done) : PGSIZE;
    for (int i = 0; i < n; i++)
      chunk[i] = pattern(seed, done + i);
    if (write(fd, chunk, n) != n) {
      close(fd);
      fail("could not write a file (disk full?)");
      return 0;
    }
  }
  close(fd);
  return name;
}

static void
remove_files(void)
{
  for (int i = 0; i < nnames; i++)
    unlink(names[i]);
  nnames = 0;
}

/* 0 if name holds exactly expected's n bytes (read with read(), so the file's own size counts). */
static int
file_holds(const char *name, const char *expected, uint64 n, const char *what)
{
  int fd = open(name, O_RDONLY);
  if (fd < 0)
    return fail("could not open a file to read it back");
  int size = 0, k;
  while (size < MAX_BYTES && (k = read(fd, got + size, MAX_BYTES - size)) > 0)
    size += k;
  close(fd);
  if (size != (int)n) {
    printf("mmapcheck: %s FAILED %s: the file has %d bytes, expected %d\n", case_name, what,
           size, (int)n);
    return -1;
  }
  return same_bytes(what, got, expected, n);
}

/* ---- mappings ---- */

static char *
map(uint64 len, int prot, int flags, int fd, long offset)
{
  return (char *)mmap(0, len, prot, flags, fd, offset);
}

/* This process's map from vmmap; how many runs, or -1. */
static int
read_map(void)
{
  int n = vmmap(getpid(), runs, MAX_RUNS);
  return n > MAX_RUNS ? -1 : n;
}

/* vmmap's run for the mapping that starts at p, or 0 if none does. */
static struct vmmap_run *
find_mapping(char *p)
{
  int n = read_map();
  for (int i = 0; i < n; i++)
    if (runs[i].state == VMMAP_MAPPING && runs[i].start == (uint64)p)
      return &runs[i];
  return 0;
}

/* Pages of the mapping at p that are in the page table now, or -1 if there is none. */
static int
resident(char *p)
{
  struct vmmap_run *r = find_mapping(p);
  return r ? (int)r->resident : -1;
}

/* Unmap whatever mappings this process has; how many there were, or -1 if vmmap failed. */
static int
unmap_leftovers(void)
{
  int n = read_map(), left = 0;
  if (n < 0)
    return -1;
  for (int i = 0; i < n; i++)
    if (runs[i].state == VMMAP_MAPPING) {
      munmap((void *)runs[i].start, runs[i].npages * PGSIZE);
      left++;
    }
  return left;
}

/*
 * Does a child die loading (or storing to) addr? It must be killed, and
 * wait() must say so; then the "killed" line tells the test which usertrap
 * line to look for. 0 if it died, -1 (with a FAILED line) if not.
 */
static int
touch_kills(volatile char *addr, int store, const char *what)
{
  int pid = fork();
  if (pid < 0)
    return fail("fork failed");
  if (pid == 0) {
    if (store)
      *addr = 1;
    else
      sink = *addr;
    exit(SURVIVED);
  }
  int status = 0;
  if (wait(&status) != pid)
    return fail("wait did not return the child");
  if (status != KILLED) {
    printf("mmapcheck: %s FAILED %s: the child %s, expected it killed\n", case_name, what,
           status == SURVIVED ? "lived" : "exited otherwise");
    return -1;
  }
  printf("mmapcheck: killed pid %d va %p\n", pid, addr);
  return 0;
}

/* ---- taking turns with a child, through pipes (no sleeping) ---- */

struct turns {
  int to_child[2];
  int to_parent[2];
};

static int
turns_open(struct turns *t)
{
  if (pipe(t->to_child) < 0)
    return -1;
  if (pipe(t->to_parent) < 0) {
    close(t->to_child[0]);
    close(t->to_child[1]);
    return -1;
  }
  return 0;
}

/* Each side keeps only its own ends, so that the other side's exit reads as end of file. */
static void
turns_keep(struct turns *t, int child)
{
  close(child ? t->to_child[1] : t->to_child[0]);
  close(child ? t->to_parent[0] : t->to_parent[1]);
}

/*
 * Open the pipes and fork, each side keeping its own ends. The pid as fork
 * gives it, or -1 with nothing left open when a pipe or the fork fails.
 */
static int
turns_fork(struct turns *t)
{
  if (turns_open(t) < 0)
    return -1;
  int pid = fork();
  if (pid < 0) {
    turns_keep(t, 0);
      return -1;
  }
  turns_keep(t, pid == 0);
  return pid;
}

static int
turn_pass(int fd)
{
  char c = 1;
  return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int
turn_wait(int fd)
{
  char c;
  return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* The parent's last turn: let the child go, close its ends, and reap it. The child's status. */
static int
turns_finish(struct turns *t)
{
  turn_pass(t->to_child[1]);
  close(t->to_child[1]);
  close(t->to_parent[0]);
  int status = -1;
  wait(&status);
  return status;
}

/* 0 if the child exited 0; else a FAILED line from why[status], a table of its exit codes. */
static int
child_verdict(int status, const char *const why[], int nwhy)
{
  if (status == 0)
    return 0;
  if (status > 0 && status < nwhy && why[status])
    return fail(why[status]);
  if (status == CHILD_BROKEN)
    return fail("the child could not set itself up (open, mmap or pipe failed)");
  if (status == KILLED)
    return fail("the child was killed (its usertrap line says where)");
  return fail_value("the child's exit status", status, 0);
}

/* ---- the cases ---- */

static const uint64 place_lengths[] = { 1, PGSIZE - 1, PGSIZE, PGSIZE + 1, 3 * PGSIZE };
#define NPLACE (sizeof(place_lengths) / sizeof(place_lengths[0]))

/* addr 0: the kernel picks page-aligned places above the heap that do not overlap. */
static int
case_place(void)
{
  const char *name = make_file(4 * PGSIZE, 11);
  if (name == 0)
    return -1;
  fill(want, 4 * PGSIZE, 11);
  int fd = open(name, O_RDONLY);
  char *at[NPLACE];
  char *heap_end = sbrk(0);
  for (int i = 0; i < NPLACE; i++) {
    uint64 len = PGROUNDUP(place_lengths[i]);
    at[i] = map(place_lengths[i], PROT_READ, MAP_PRIVATE, fd, 0);
    if (at[i] == MAP_FAILED)
      return fail_value("mmap of this many bytes failed", place_lengths[i], place_lengths[i]);
    if ((uint64)at[i] % PGSIZE != 0)
      return fail_value("a mapping's address mod PGSIZE", (uint64)at[i] % PGSIZE, 0);
    if (at[i] < heap_end)
      return fail("a mapping was placed below the heap's break");
    for (int j = 0; j < i; j++)
      if (at[i] < at[j] + PGROUNDUP(place_lengths[j]) && at[j] < at[i] + len)
        return fail("two mappings overlap");
    /* The length is rounded up to whole pages: all of them read as the file. */
    if (same_bytes("a mapping rounded up to pages", at[i], want, len) < 0)
      return -1;
  }
  for (int i = 0; i < NPLACE; i++)
    if (munmap(at[i], place_lengths[i]) != 0)
      return fail("munmap with the length mmap was given failed");
  /* Anything this long would cover the program: there is no room for it above the heap. */
  char *huge = map(NO_ROOM, PROT_READ, MAP_PRIVATE, fd, 0);
  if (huge != MAP_FAILED && huge < heap_end)
    return fail("a mapping too long to fit above the heap was placed over the program");
  if (huge != MAP_FAILED)
    return fail("a mapping too long to fit above the heap worked");
  close(fd);
  return 0;   /* the leftover check after the case sees that each munmap took whole pages */
}

static const long bad_offsets[] = { 1, HALF_PAGE, PGSIZE - 1, PGSIZE + 1 };

/* A page-aligned offset maps the file from there; any other offset fails. */
static int
case_offset(void)
{
  const char *name = make_file(4 * PGSIZE, 12);
  if (name == 0)
    return -1;
  fill(want, 4 * PGSIZE, 12);
  int fd = open(name, O_RDONLY);
  const int sharing[] = { MAP_PRIVATE, MAP_SHARED };
  for (int s = 0; s < 2; s++) {
    for (long off = PGSIZE; off <= 2 * PGSIZE; off += PGSIZE) {
      char *p = map(2 * PGSIZE, PROT_READ, sharing[s], fd, off);
      if (p == MAP_FAILED)
        return fail_value("mmap at this page-aligned offset failed", off, off);
      if (same_bytes("a mapping at an offset", p, want + off, 2 * PGSIZE) < 0)
        return -1;
      munmap(p, 2 * PGSIZE);
    }
    for (int i = 0; i < sizeof(bad_offsets) / sizeof(bad_offsets[0]); i++)
      if (map(PGSIZE, PROT_READ, sharing[s], fd, bad_offsets[i]) != MAP_FAILED)
        return fail_value("mmap at an offset that is not page-aligned worked", bad_offsets[i], -1);
  }
  close(fd);
  return 0;
}

/* Pages come from the file only when touched; past the file's end, the last page reads zeros. */
static int
case_lazy(void)
{
  uint64 size = 2 * PGSIZE + HALF_PAGE;
  const char *name = make_file(size, 13);
  if (name == 0)
    return -1;
  fill(want, size, 13);
  memset(want + size, 0, 3 * PGSIZE - size);
  int fd = open(name, O_RDONLY);
  const int sharing[] = { MAP_PRIVATE, MAP_SHARED };
  for (int s = 0; s < 2; s++) {
    char *p = map(3 * PGSIZE, PROT_READ, sharing[s], fd, 0);
    if (p == MAP_FAILED)
      return fail("mmap failed");
    int n = resident(p);
    if (n != 0)
      return fail_value("pages resident right after mmap", n, 0);
    sink = p[2 * PGSIZE];
    if ((n = resident(p)) != 1)
      return fail_value("pages resident after one load from the last page", n, 1);
    if (same_bytes("the last page (half file, half past its end)", p + 2 * PGSIZE,
                   want + 2 * PGSIZE, PGSIZE) < 0)
      return -1;
    sink = p[0];
    if ((n = resident(p)) != 2)
      return fail_value("pages resident after a load from the first page too", n, 2);
    if (same_bytes("the whole mapping", p, want, 3 * PGSIZE) < 0)
      return -1;
    munmap(p, 3 * PGSIZE);
  }
  close(fd);
  return 0;
}

/*
 * A private mapping's first touch copies what the file holds for everyone
 * who maps it: a store through a shared mapping, not yet written back, is
 * in the new private page; and the private page stays private after.
 */
static int
case_private_sees_shared(void)
{
  const char *name = make_file(PGSIZE, 18);
  if (name == 0)
    return -1;
  int fd = open(name, O_RDWR);
  char *shared = map(PGSIZE, RW, MAP_SHARED, fd, 0);
  char *private = map(PGSIZE, RW, MAP_PRIVATE, fd, 0);
  if (shared == MAP_FAILED || private == MAP_FAILED)
    return fail("mmap failed");
  char stored = shared[BEFORE_AT] ^ CHILD_FLIP;
  shared[BEFORE_AT] = stored;
  if (private[BEFORE_AT] != stored)
    return fail_value("the private page's byte after a shared store", private[BEFORE_AT], stored);
  private[PARENT_AT] ^= PARENT_FLIP;
  if (shared[PARENT_AT] == private[PARENT_AT])
    return fail("a store to the private page reached the shared one");
  munmap(private, PGSIZE);
  munmap(shared, PGSIZE);
  close(fd);
  return 0;
}

/* This process's count of mapping fills or write-backs (vmstat), or -1. */
static long
my_count(int writebacks)
{
  struct vmstat st;
  if (vmstat(getpid(), &st) < 0)
    return -1;
  return (long)(writebacks ? st.map_writebacks : st.map_fills);
}

/*
 * Costs follow what is touched: a 64 MiB mapping (of a one-page file, and of
 * anonymous memory) has nothing resident until a page is touched, and one
 * touch fills one page; a clean shared mapping writes nothing back at
 * munmap, and one stored page writes back one page.
 */
static int
case_costs(void)
{
  const char *name = make_file(PGSIZE, 17);
  if (name == 0)
    return -1;
  int fd = open(name, O_RDWR);
  for (int anon = 0; anon < 2; anon++) {
    char *p = map(BIG_MAPPING, RW, MAP_SHARED | (anon ? MAP_ANONYMOUS : 0), anon ? -1 : fd, 0);
    if (p == MAP_FAILED)
      return fail("mmap of 64 MiB failed");
    int n = resident(p);
    if (n != 0)
      return fail_value("pages resident right after mmap of 64 MiB", n, 0);
    long fills = my_count(0);
    sink = p[BIG_MAPPING - 1];
    if ((n = resident(p)) != 1 || my_count(0) != fills + 1)
      return fail_value("pages resident (and filled) after one load at the end", n, 1);
    munmap(p, BIG_MAPPING);
  }
  char *p = map(PGSIZE, RW, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return fail("mmap failed");
  long written = my_count(1);
  sink = p[0];
  munmap(p, PGSIZE);
  if (my_count(1) != written)
    return fail_value("pages written back at munmap of a clean shared mapping", my_count(1) - written, 0);
  if ((p = map(PGSIZE, RW, MAP_SHARED, fd, 0)) == MAP_FAILED)
    return fail("mmap failed");
  p[0] ^= CHILD_FLIP;
  munmap(p, PGSIZE);
  close(fd);
  if (my_count(1) != written + 1)
    return fail_value("pages written back at munmap after one store", my_count(1) - written, 1);
  return 0;
}

/*
 * Pages fork took: free pages before it, less free pages once the child
 * lives (waiting on a pipe) and the parent is back, or -1.
 */
static int
fork_pages(void)
{
  int gate[2];
  if (pipe(gate) < 0)
    return -1;
  char c;
  int before = freepages();
  int pid = fork();
  if (pid == 0) {
    close(gate[1]);
    read(gate[0], &c, 1);
    exit(0);
  }
  int after = freepages();
  close(gate[0]);
  close(gate[1]);
  if (pid < 0 || wait(0) != pid)
    return -1;
  return before - after;
}

/*
 * Fork stays flat with mappings: with FLAT_MAPPING bytes each of shared and
 * private anonymous memory mapped and every page touched, fork takes no more
 * pages than it does with nothing mapped, give or take the pages the two
 * processes' first stores copy (FLAT_SLACK). Sharing the mappings page by
 * page would need a leaf table per 2 MiB in the child: 8 here.
 */
static int
case_fork_flat(void)
{
  int bare = fork_pages();
  char *shared = map(FLAT_MAPPING, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  char *private = map(FLAT_MAPPING, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (bare < 0 || shared == MAP_FAILED || private == MAP_FAILED)
    return fail("fork or mmap failed");
  for (uint64 off = 0; off < FLAT_MAPPING; off += PGSIZE)
    shared[off] = private[off] = 1;
  int mapped = fork_pages();
  if (mapped < 0 || mapped > bare + FLAT_SLACK)
    return fail_value("pages fork took with both mappings touched (the bare fork took the expected)", mapped, bare);
  /* After fork, the one shared page is still one: a store is seen through it, a private copy is not. */
  shared[0] = private[0] = 2;
  if (shared[0] != 2 || private[0] != 2)
    return fail("a store after fork was lost");
  munmap(shared, FLAT_MAPPING);
  munmap(private, FLAT_MAPPING);
  return 0;
}

/* Move the break to `to` (lazily, in steps sbrk's int can say); 0, or -1. */
static int
break_to(uint64 to)
{
  for (;;) {
    uint64 now = (uint64)sbrk(0);
    if (now == to)
      return 0;
    uint64 gap = to > now ? to - now : now - to;
    long step = gap < BREAK_STEP ? (long)gap : (long)BREAK_STEP;
    if (to < now)
      step = -step;
    if (sbrklazy((int)step) == SBRK_ERROR)
      return -1;
  }
}

/*
 * The heap and a mapping in one leaf table that fork shares: the parent
 * then shrinks the heap by the two pages it has in that table, which must
 * leave the mapping's page (the table becomes the parent's own first), and
 * the child still sees both as they were.
 */
static int
case_heap_meets_mapping(void)
{
  uint64 start = (uint64)sbrk(0);
  volatile char *m = map(PGSIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    return fail("mmap failed");
  uint64 table = (uint64)m & ~(LEAF_SPAN - 1);
  if (break_to(table + 2 * PGSIZE) < 0)
    return fail("sbrk up to the mapping's leaf table failed");
  volatile char *heap = (char *)table;
  heap[0] = heap[PGSIZE] = m[0] = 7;
  struct turns t;
  int pid = turns_fork(&t);
  if (pid < 0)
    return fail("pipe or fork failed");
  if (pid == 0) {
    turn_wait(t.to_child[0]);
    exit(heap[0] == 7 && heap[PGSIZE] == 7 && m[0] == 7 ? 0 : 1);
  }
  if (sbrk(-2 * PGSIZE) == SBRK_ERROR)
    return fail("sbrk shrinking the heap out of the shared table failed");
  int kept = m[0] == 7;
  m[0] = 8;
  int status = turns_finish(&t);
  munmap((char *)m, PGSIZE);
  if (break_to(start) < 0)
    return fail("sbrk back down failed");
  if (!kept)
    return fail("the mapping's page changed when the heap shrank out of its table");
  if (status != 0)
    return fail_value("the child's exit status (1: it lost the heap or the mapping)", status, 0);
  return 0;
}

/* A child maps name private and writable, overwrites it all, and exits without munmap. */
static void
private_writer(const char *name, uint64 len)
{
  int fd = open(name, O_RDWR);
  char *p = fd < 0 ? MAP_FAILED : map(len, RW, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    exit(CHILD_BROKEN);
  for (uint64 i = 0; i < len; i++)
    p[i] = pattern(99, i);
  exit(0);
}

/* MAP_PRIVATE stores stay in the mapping: the file never changes, at munmap nor at exit. */
static int
case_private_write(void)
{
  uint64 size = 2 * PGSIZE;
  const char *name = make_file(size, 14);
  if (name == 0)
    return -1;
  int fd = open(name, O_RDWR);
  char *p = map(size, RW, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return fail("mmap of a file opened O_RDWR, MAP_PRIVATE and writable, failed");
  for (uint64 i = 0; i < size; i++)
    p[i] = pattern(15, i);
  fill(want, size, 15);
  if (same_bytes("the mapping after the stores", p, want, size) < 0)
    return -1;
  fill(want, size, 14);
  if (file_holds(name, want, size, "the file while privately mapped and written") < 0)
    return -1;
  if (munmap(p, size) != 0)
    return fail("munmap failed");
  close(fd);
  if (file_holds(name, want, size, "the file after munmap of a private mapping") < 0)
    return -1;

  int pid = fork();
  if (pid < 0)
    return fail("fork failed");
  if (pid == 0)
    private_writer(name, size);
  int status = -1;
  wait(&status);
  if (child_verdict(status, 0, 0) < 0)
    return -1;
  return file_holds(name, want, size, "the file after a child wrote a private mapping and exited");
}

/* MAP_SHARED stores reach the file at munmap, through the log, and only up to its size. */
static int
case_shared_write(void)
{
  uint64 size = PGSIZE + HALF_PAGE;
  const char *name = make_file(size, 16);
  if (name == 0)
    return -1;
  fill(want, size, 16);
  memset(want + size, 0, 2 * PGSIZE - size);
  int fd = open(name, O_RDWR);
  char *p = map(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    return fail("mmap shared and writable of a file opened O_RDWR failed");
  if (same_bytes("the mapping before any store", p, want, 2 * PGSIZE) < 0)
    return -1;
  for (uint64 i = 0; i < 2 * PGSIZE; i++)
    p[i] = pattern(17, i);                 /* past the file's end too: that part must not go back */
  struct fsstat before, after;
  if (fsstat(&before) < 0)
    return fail("fsstat failed");
  if (munmap(p, 2 * PGSIZE) != 0)
    return fail("munmap failed");
  if (fsstat(&after) < 0)
    return fail("fsstat failed");
  close(fd);
  if (after.log_ops <= before.log_ops)
    return fail_value("log operations during munmap of dirty shared pages",
                      after.log_ops - before.log_ops, 1);
  fill(want, size, 17);
  return file_holds(name, want, size, "the file after munmap of a shared mapping");
}

/* A child's shared stores reach the file when it exits without munmap. */
static int
case_shared_exit(void)
{
  uint64 size = PGSIZE + HALF_PAGE;
  const char *name = make_file(size, 18);
  if (name == 0)
    return -1;
  int pid = fork();
  if (pid < 0)
    return fail("fork failed");
  if (pid == 0) {
    int fd = open(name, O_RDWR);
    char *p = fd < 0 ? MAP_FAILED : map(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
      exit(CHILD_BROKEN);
    for (uint64 i = 0; i < 2 * PGSIZE; i++)
      p[i] = pattern(19, i);
    exit(0);
  }
  int status = -1;
  wait(&status);
  if (status != 0)
    return child_verdict(status, 0, 0);
  fill(want, size, 19);
  return file_holds(name, want, size, "the file after its shared writer exited");
}

/* 0 if mmap of fd with prot and flags fails as it should; else a FAILED line. */
static int
refused(const char *what, uint64 len, int prot, int flags, int fd, long offset)
{
  char *p = map(len, prot, flags, fd, offset);
  if (p == MAP_FAILED)
    return 0;
  munmap(p, len);
  printf("mmapcheck: %s FAILED mmap of %s worked, expected -1\n", case_name, what);
  return -1;
}

/* Shared writable mappings need a writable fd; every file mapping needs a readable one. */
static int
case_open_modes(void)
{
  const char *name = make_file(PGSIZE, 20);
  if (name == 0)
    return -1;
  fill(want, PGSIZE, 20);
  int fd_rw = open(name, O_RDWR), fd_r = open(name, O_RDONLY), fd_w = open(name, O_WRONLY);
  if (fd_rw < 0 || fd_r < 0 || fd_w < 0)
    return fail("could not open the file three ways");
  char *p = map(PGSIZE, RW, MAP_SHARED, fd_rw, 0);
  if (p == MAP_FAILED)
    return fail("mmap shared and writable of an O_RDWR file failed");
  munmap(p, PGSIZE);
  if (refused("an O_RDONLY file shared and writable", PGSIZE, RW, MAP_SHARED, fd_r, 0) < 0 ||
      refused("an O_WRONLY file shared, read only", PGSIZE, PROT_READ, MAP_SHARED, fd_w, 0) < 0 ||
      refused("an O_WRONLY file private, read only", PGSIZE, PROT_READ, MAP_PRIVATE, fd_w, 0) < 0 ||
      refused("an O_WRONLY file shared, write only", PGSIZE, PROT_WRITE, MAP_SHARED, fd_w, 0) < 0)
    return -1;
  if ((p = map(PGSIZE, PROT_READ, MAP_SHARED, fd_r, 0)) == MAP_FAILED)
    return fail("mmap shared, read only, of an O_RDONLY file failed");
  if (same_bytes("a shared read-only mapping", p, want, PGSIZE) < 0)
    return -1;
  munmap(p, PGSIZE);
  if ((p = map(PGSIZE, RW, MAP_PRIVATE, fd_r, 0)) == MAP_FAILED)
    return fail("mmap private and writable of an O_RDONLY file failed");
  p[0] ^= CHILD_FLIP;
  if (p[0] != (want[0] ^ CHILD_FLIP))
    return fail("a store to a private mapping of an O_RDONLY file did not stick");
  munmap(p, PGSIZE);
  return file_holds(name, want, PGSIZE, "the file after its O_RDONLY private mapping was written");
}

/* A store to a mapping without PROT_WRITE kills, on a page loaded already or not yet. */
static int
case_readonly_store(void)
{
  const char *name = make_file(2 * PGSIZE, 21);
  if (name == 0)
    return -1;
  fill(want, 2 * PGSIZE, 21);
  int fd = open(name, O_RDWR);
  const int sharing[] = { MAP_SHARED, MAP_PRIVATE };
  for (int s = 0; s < 2; s++) {
    char *p = map(2 * PGSIZE, PROT_READ, sharing[s], fd, 0);
    if (p == MAP_FAILED)
      return fail("mmap read only failed");
    sink = p[0];
    if (touch_kills(p, 1, "a store to a read-only page already loaded") < 0 ||
        touch_kills(p + PGSIZE, 1, "a store to a read-only page not loaded yet") < 0)
      return -1;
    if (same_bytes("the read-only mapping after the children's stores", p, want, 2 * PGSIZE) < 0)
      return -1;
    munmap(p, 2 * PGSIZE);
  }
  close(fd);
  return file_holds(name, want, 2 * PGSIZE, "the file after stores to read-only mappings");
}

/* After munmap, a load from a page that was loaded, or never was, kills; anonymous too. */
static int
case_unmapped_touch(void)
{
  const char *name = make_file(2 * PGSIZE, 22);
  if (name == 0)
    return -1;
  int fd = open(name, O_RDONLY);
  char *p = map(2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return fail("mmap failed");
  sink = p[0];
  if (munmap(p, 2 * PGSIZE) != 0)
    return fail("munmap failed");
  if (touch_kills(p, 0, "a load from an unmapped page that was loaded") < 0 ||
      touch_kills(p + PGSIZE, 0, "a load from an unmapped page never loaded") < 0)
    return -1;
  char *a = map(PGSIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED)
    return fail("mmap of anonymous memory failed");
  a[0] = 1;
  if (munmap(a, PGSIZE) != 0)
    return fail("munmap of anonymous memory failed");
  if (touch_kills(a, 0, "a load from unmapped anonymous memory") < 0)
    return -1;
  close(fd);
  return 0;
}

/* The mapping holds its own reference to the file: close(fd) changes nothing. */
static int
case_close_fd(void)
{
  const char *name = make_file(2 * PGSIZE, 23);
  if (name == 0)
    return -1;
  fill(want, 2 * PGSIZE, 23);
  int fd = open(name, O_RDWR);
  char *shared = map(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  char *private = map(2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (shared == MAP_FAILED || private == MAP_FAILED)
    return fail("mmap failed");
  if (same_bytes("a private mapping after close", private, want, 2 * PGSIZE) < 0 ||
      same_bytes("a shared mapping after close", shared, want, 2 * PGSIZE) < 0)
    return -1;
  shared[PGSIZE + CHILD_AT] ^= CHILD_FLIP;
  want[PGSIZE + CHILD_AT] ^= CHILD_FLIP;
  if (munmap(shared, 2 * PGSIZE) != 0 || munmap(private, 2 * PGSIZE) != 0)
    return fail("munmap failed");
  return file_holds(name, want, 2 * PGSIZE, "the file after munmap of a mapping whose fd was closed");
}

/* Pages first..last of the mapping at p hold the file's pages at the same place (in want). */
static int
pages_intact(char *p, int first, int last, const char *what)
{
  return same_bytes(what, p + first * PGSIZE, want + first * PGSIZE, (last - first + 1) * PGSIZE);
}

/*
 * munmap of the start, the end, the middle, the whole, and nothing; bad
 * arguments fail. Pages 1 and 3 are first loaded only after the start is
 * cut and after the middle is, so that they come from the file through the
 * shortened and the split mapping (whose offsets must have moved along).
 */
static int
case_munmap_parts(void)
{
  const char *name = make_file(MAX_PAGES * PGSIZE, 24);
  if (name == 0)
    return -1;
  fill(want, MAX_PAGES * PGSIZE, 24);
  int fd = open(name, O_RDONLY);
  char *p = map(MAX_PAGES * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return fail("mmap failed");
  if (munmap(p + 1, PGSIZE) != -1 || munmap(p + HALF_PAGE, PGSIZE) != -1)
    return fail("munmap at an address that is not page-aligned did not return -1");
  if (munmap(p, 0) != -1)
    return fail("munmap of length 0 did not return -1");
  struct vmmap_run *r = find_mapping(p);
  int n = r ? (int)r->npages : -1;
  if (n != MAX_PAGES)
    return fail_value("pages mapped after munmaps that failed", n, MAX_PAGES);
  if (munmap(p, PGSIZE) != 0)
    return fail("munmap of the first page failed");
  if (touch_kills(p, 0, "a load from the unmapped first page") < 0 ||
      pages_intact(p, 1, 1, "page 1, first loaded after the first page was unmapped") < 0)
    return -1;
  if (munmap(p + 4 * PGSIZE, PGSIZE) != 0)
    return fail("munmap of the last page failed");
  if (touch_kills(p + 4 * PGSIZE, 0, "a load from the unmapped last page") < 0)
    return -1;
  if (munmap(p + 2 * PGSIZE, PGSIZE) != 0)
    return fail("munmap of a page in the middle failed");
  if (touch_kills(p + 2 * PGSIZE, 0, "a load from the unmapped middle page") < 0 ||
      pages_intact(p, 1, 1, "page 1, below the hole") < 0 ||
      pages_intact(p, 3, 3, "page 3, first loaded after the hole was made below it") < 0)
    return -1;
  if (munmap(p, MAX_PAGES * PGSIZE) != 0)
    return fail("munmap of the whole range (holes included) failed");
  if (touch_kills(p + PGSIZE, 0, "a load from page 1, unmapped with the whole range") < 0 ||
      touch_kills(p + 3 * PGSIZE, 0, "a load from page 3, unmapped with the whole range") < 0)
    return -1;
  if (munmap(p, MAX_PAGES * PGSIZE) != 0)
    return fail("munmap of a range where nothing is mapped did not return 0");
  return 0;
}

enum { FP_BEFORE = 1, FP_OWN, FP_PARENTS, FP_PIPE, FP_CODES };
static const char *const fork_private_why[FP_CODES] = {
  [FP_BEFORE] = "the child does not see the parent's store from before fork",
  [FP_OWN] = "the child does not read back its own stores",
  [FP_PARENTS] = "the child sees a store the parent made after fork in a private mapping",
  [FP_PIPE] = "the child lost its pipe to the parent",
};

/* The child's half of fork_private: its stores stay its own, the parent's stay the parent's. */
static void
fork_private_child(struct turns *t, volatile char *p)
{
  if (p[BEFORE_AT] != (want[BEFORE_AT] ^ PARENT_FLIP))
    exit(FP_BEFORE);
  p[CHILD_AT] ^= CHILD_FLIP;
  p[PGSIZE + CHILD_AT] ^= CHILD_FLIP;      /* page 1, never touched before fork */
  if (turn_pass(t->to_parent[1]) < 0 || turn_wait(t->to_child[0]) < 0)
    exit(FP_PIPE);
  if (p[CHILD_AT] != (want[CHILD_AT] ^ CHILD_FLIP) ||
      p[PGSIZE + CHILD_AT] != (want[PGSIZE + CHILD_AT] ^ CHILD_FLIP))
    exit(FP_OWN);
  if (p[PARENT_AT] != want[PARENT_AT])
    exit(FP_PARENTS);
  exit(0);
}

/* fork copies private mappings: after it, each side's stores are its own; the file never changes. */
static int
case_fork_private(void)
{
  const char *name = make_file(2 * PGSIZE, 25);
  if (name == 0)
    return -1;
  fill(want, 2 * PGSIZE, 25);
  int fd = open(name, O_RDWR);
  volatile char *p = map(2 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  close(fd);
  struct turns t;
  if (p == MAP_FAILED)
    return fail("mmap failed");
  p[BEFORE_AT] ^= PARENT_FLIP;
  int pid = turns_fork(&t);
  if (pid < 0)
    return fail("pipe or fork failed");
  if (pid == 0)
    fork_private_child(&t, p);
  int turned = turn_wait(t.to_parent[0]);
  char page0 = p[CHILD_AT], page1 = p[PGSIZE + CHILD_AT];
  p[PARENT_AT] ^= PARENT_FLIP;
  int status = turns_finish(&t);
  if (turned < 0)
    return child_verdict(status, fork_private_why, FP_CODES);
  if (page0 != want[CHILD_AT])
    return fail("the parent sees the child's store to a private page both had before fork");
  if (page1 != want[PGSIZE + CHILD_AT])
    return fail("the parent sees the child's store to a private page untouched at fork");
  if (child_verdict(status, fork_private_why, FP_CODES) < 0)
    return -1;
  munmap((char *)p, 2 * PGSIZE);
  return file_holds(name, want, 2 * PGSIZE, "the file after parent and child wrote it privately");
}

enum { FS_BEFORE = 1, FS_PARENTS, FS_PIPE, FS_CODES };
static const char *const fork_shared_why[FS_CODES] = {
  [FS_BEFORE] = "the child does not see the parent's store from before fork",
  [FS_PARENTS] = "the child does not see the parent's store to the shared page",
  [FS_PIPE] = "the child lost its pipe to the parent",
};

/*
 * The child's half of a shared fork case: it stores to page 0 (and page 1
 * when there is one), lets the parent look, then looks for the parent's store.
 */
static void
fork_shared_child(struct turns *t, volatile char *p, char before, int pages)
{
  if (p[BEFORE_AT] != before)
    exit(FS_BEFORE);
  for (int page = 0; page < pages; page++)
    p[page * PGSIZE + CHILD_AT] ^= CHILD_FLIP;
  if (turn_pass(t->to_parent[1]) < 0 || turn_wait(t->to_child[0]) < 0)
    exit(FS_PIPE);
  if (p[PARENT_AT] != (want[PARENT_AT] ^ PARENT_FLIP))
    exit(FS_PARENTS);
  exit(0);
}

/*
 * The parent's half: p is mapped shared, page 0 was touched (and
 * p[BEFORE_AT] flipped) before fork; pages (1 or 2) is how many pages the
 * child stores to. The child's stores must be visible while it still lives.
 */
static int
fork_shared_parent(volatile char *p, int pages)
{
  struct turns t;
  int pid = turns_fork(&t);
  if (pid < 0)
    return fail("pipe or fork failed");
  if (pid == 0)
    fork_shared_child(&t, p, want[BEFORE_AT] ^ PARENT_FLIP, pages);
  int turned = turn_wait(t.to_parent[0]);
  char page0 = p[CHILD_AT], page1 = pages > 1 ? p[PGSIZE + CHILD_AT] : 0;
  p[PARENT_AT] ^= PARENT_FLIP;
  int status = turns_finish(&t);
  if (turned < 0)
    return child_verdict(status, fork_shared_why, FS_CODES);
  if (page0 != (want[CHILD_AT] ^ CHILD_FLIP))
    return fail("the parent does not see the child's store to a shared page touched before fork");
  if (pages > 1 && page1 != (want[PGSIZE + CHILD_AT] ^ CHILD_FLIP))
    return fail("the parent does not see the child's store to a shared page untouched at fork");
  return child_verdict(status, fork_shared_why, FS_CODES);
}

/* A shared file page the parent touched before fork is one page for both. */
static int
case_fork_shared(void)
{
  const char *name = make_file(2 * PGSIZE, 26);
  if (name == 0)
    return -1;
  fill(want, 2 * PGSIZE, 26);
  int fd = open(name, O_RDWR);
  volatile char *p = map(2 * PGSIZE, RW, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return fail("mmap failed");
  p[BEFORE_AT] ^= PARENT_FLIP;
  if (fork_shared_parent(p, 1) < 0)
    return -1;
  munmap((char *)p, 2 * PGSIZE);
  want[BEFORE_AT] ^= PARENT_FLIP;
  want[CHILD_AT] ^= CHILD_FLIP;
  want[PARENT_AT] ^= PARENT_FLIP;
  return file_holds(name, want, 2 * PGSIZE, "the file after parent and child wrote it shared");
}

enum { EX_EXEC = 1, EX_CODES };
static const char *const exec_why[EX_CODES] = {
  [EX_EXEC] = "the child could not exec " PROGRAM,
};

/* Put addr in decimal into buf. */
static void
decimal(uint64 addr, char *buf)
{
  char digits[24];
  int k = 0;
  do {
    digits[k++] = '0' + addr % 10;
    addr /= 10;
  } while (addr > 0);
  while (k > 0)
    *buf++ = digits[--k];
  *buf = 0;
}

/* The exec case's child: map shared, store, send the address, exec a program that touches it. */
static void
exec_child(const char *name, int to_parent)
{
  int fd = open(name, O_RDWR);
  char *p = fd < 0 ? MAP_FAILED : map(PGSIZE, RW, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    exit(CHILD_BROKEN);
  p[CHILD_AT] ^= CHILD_FLIP;
  if (write(to_parent, &p, sizeof(p)) != sizeof(p))
    exit(CHILD_BROKEN);
  close(to_parent);
  char where[24];
  decimal((uint64)p, where);
  char *argv[] = { PROGRAM, TOUCH_MODE, where, 0 };
  exec(PROGRAM, argv);
  exit(EX_EXEC);
}

/* exec drops the mappings (writing shared ones back): the new image dies touching the old address. */
static int
case_exec_drops(void)
{
  const char *name = make_file(PGSIZE, 27);
  if (name == 0)
    return -1;
  fill(want, PGSIZE, 27);
  int fds[2];
  if (pipe(fds) < 0)
    return fail("pipe failed");
  int pid = fork();
  if (pid < 0)
    return fail("fork failed");
  if (pid == 0) {
    close(fds[0]);
    exec_child(name, fds[1]);
  }
  close(fds[1]);
  char *p = 0;
  int got_addr = read(fds[0], &p, sizeof(p)) == sizeof(p);
  close(fds[0]);
  int status = 0;
  wait(&status);
  if (status == SURVIVED)
    return fail("the exec'd program loaded from the old mapping's address and lived");
  if (status != KILLED)
    return child_verdict(status, exec_why, EX_CODES);
  if (!got_addr)
    return fail("the child never sent its mapping's address");
  printf("mmapcheck: killed pid %d va %p\n", pid, p);
  want[CHILD_AT] ^= CHILD_FLIP;
  return file_holds(name, want, PGSIZE, "the file after exec dropped its shared mapping");
}

enum { AP_SEES = 1, AP_PARENTS, AP_PIPE, AP_CODES };
static const char *const anon_private_why[AP_CODES] = {
  [AP_SEES] = "the child does not see what the parent stored before fork",
  [AP_PARENTS] = "the child sees the parent's store made after fork to private anonymous memory",
  [AP_PIPE] = "the child lost its pipe to the parent",
};

static void
anon_private_child(struct turns *t, volatile char *a, uint64 len)
{
  if (first_difference(a, want, len) >= 0)
    exit(AP_SEES);
  a[CHILD_AT] ^= CHILD_FLIP;
  if (turn_pass(t->to_parent[1]) < 0 || turn_wait(t->to_child[0]) < 0)
    exit(AP_PIPE);
  if (a[PARENT_AT] != want[PARENT_AT])
    exit(AP_PARENTS);
  exit(0);
}

/* MAP_PRIVATE | MAP_ANONYMOUS: zeros, writable, and a private copy in a child. */
static int
case_anon_private(void)
{
  uint64 len = 3 * PGSIZE;
  volatile char *a = map(len, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED)
    return fail("mmap of private anonymous memory failed");
  memset(want, 0, len);
  if (same_bytes("fresh anonymous memory", a, want, len) < 0)
    return -1;
  fill(want, len, 28);
  for (uint64 i = 0; i < len; i++)
    a[i] = want[i];
  if (same_bytes("anonymous memory after stores", a, want, len) < 0)
    return -1;
  struct turns t;
  int pid = turns_fork(&t);
  if (pid < 0)
    return fail("pipe or fork failed");
  if (pid == 0)
    anon_private_child(&t, a, len);
  int turned = turn_wait(t.to_parent[0]);
  char seen = a[CHILD_AT];
  a[PARENT_AT] ^= PARENT_FLIP;
  int status = turns_finish(&t);
  if (turned < 0)
    return child_verdict(status, anon_private_why, AP_CODES);
  if (seen != want[CHILD_AT])
    return fail("the parent sees the child's store to private anonymous memory");
  if (child_verdict(status, anon_private_why, AP_CODES) < 0)
    return -1;
  return munmap((char *)a, len) == 0 ? 0 : fail("munmap failed");
}

/* MAP_SHARED | MAP_ANONYMOUS is one memory for parent and child, touched before fork or not. */
static int
case_anon_shared(void)
{
  uint64 len = 2 * PGSIZE;
  volatile char *a = map(len, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED)
    return fail("mmap of shared anonymous memory failed");
  memset(want, 0, len);
  if (same_bytes("fresh shared anonymous memory", a, want, PGSIZE) < 0)
    return -1;                             /* page 1 stays untouched until the child's store */
  a[BEFORE_AT] ^= PARENT_FLIP;
  if (fork_shared_parent(a, 2) < 0)
    return -1;
  return munmap((char *)a, len) == 0 ? 0 : fail("munmap failed");
}

/* Bad arguments fail with -1 (and nothing is mapped); a good call beside them works. */
static int
case_bad_args(void)
{
  const char *name = make_file(PGSIZE, 29);
  if (name == 0)
    return -1;
  int fd = open(name, O_RDWR), dir = open(".", O_RDONLY), fds[2];
  if (fd < 0 || dir < 0 || pipe(fds) < 0)
    return fail("open or pipe failed");
  int closed = dup(fd);
  close(closed);
  char *p = map(PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    return fail("the good mmap the bad ones are varied from failed");
  munmap(p, PGSIZE);
  if (refused("length 0", 0, PROT_READ, MAP_PRIVATE, fd, 0) < 0 ||
      refused("a length beyond the address space", TOO_LONG, PROT_READ, MAP_PRIVATE, fd, 0) < 0 ||
      refused("an unknown PROT bit", PGSIZE, PROT_READ | PROT_UNKNOWN, MAP_PRIVATE, fd, 0) < 0 ||
      refused("flags 0 (neither shared nor private)", PGSIZE, PROT_READ, 0, fd, 0) < 0 ||
      refused("MAP_ANONYMOUS alone", PGSIZE, PROT_READ, MAP_ANONYMOUS, -1, 0) < 0 ||
      refused("both MAP_SHARED and MAP_PRIVATE", PGSIZE, PROT_READ, MAP_SHARED | MAP_PRIVATE, fd,
              0) < 0 ||
      refused("fd -1 without MAP_ANONYMOUS", PGSIZE, PROT_READ, MAP_PRIVATE, -1, 0) < 0 ||
      refused("an fd out of range", PGSIZE, PROT_READ, MAP_PRIVATE, NOFILE, 0) < 0 ||
      refused("a closed fd", PGSIZE, PROT_READ, MAP_PRIVATE, closed, 0) < 0 ||
      refused("a negative offset", PGSIZE, PROT_READ, MAP_PRIVATE, fd, -PGSIZE) < 0 ||
      refused("a directory", PGSIZE, PROT_READ, MAP_PRIVATE, dir, 0) < 0 ||
      refused("a directory, shared", PGSIZE, PROT_READ, MAP_SHARED, dir, 0) < 0 ||
      refused("a pipe", PGSIZE, PROT_READ, MAP_PRIVATE, fds[0], 0) < 0 ||
      refused("a pipe, shared", PGSIZE, PROT_READ, MAP_SHARED, fds[0], 0) < 0 ||
      refused("the console", PGSIZE, PROT_READ, MAP_SHARED, 0, 0) < 0)
    return -1;
  return 0;
}

/* ---- running them ---- */

struct check {
  const char *name;
  int (*run)(void);
};

static const struct check checks[] = {
  { "place", case_place },
  { "offset", case_offset },
  { "lazy", case_lazy },
  { "private_write", case_private_write },
  { "shared_write", case_shared_write },
  { "shared_exit", case_shared_exit },
  { "open_modes", case_open_modes },
  { "readonly_store", case_readonly_store },
  { "unmapped_touch", case_unmapped_touch },
  { "close_fd", case_close_fd },
  { "munmap_parts", case_munmap_parts },
  { "fork_private", case_fork_private },
  { "fork_shared", case_fork_shared },
  { "exec_drops", case_exec_drops },
  { "anon_private", case_anon_private },
  { "anon_shared", case_anon_shared },
  { "bad_args", case_bad_args },
  { "private_sees_shared", case_private_sees_shared },
  { "costs", case_costs },
  { "fork_flat", case_fork_flat },
  { "heap_meets_mapping", case_heap_meets_mapping },
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

/*
 * Run one case, then clean up after it whether it passed or not: its fds
 * (which also ends any child still waiting on a pipe), its children, its
 * mappings and its files. A mapping left behind fails a case that passed.
 */
static void
run_check(const struct check *c)
{
  case_name = c->name;
  int result = c->run();
  for (int fd = FIRST_FD; fd < NOFILE; fd++)
    close(fd);
  while (wait(0) >= 0)
    ;
  int left = unmap_leftovers();
  remove_files();
  if (result < 0)
    return;
  if (left != 0)
    fail_value("mappings left after the case (-1: vmmap failed)", left, 0);
  else
    printf("mmapcheck: %s ok\n", c->name);
}

/* The exec case's new image: load from the address the old image had mapped. */
static void
touch_after_exec(const char *where)
{
  uint64 addr = 0;
  for (; *where >= '0' && *where <= '9'; where++)
    addr = addr * 10 + (*where - '0');
  sink = *(volatile char *)addr;
  exit(SURVIVED);
}

int
main(int argc, char *argv[])
{
  if (argc == 3 && strcmp(argv[1], TOUCH_MODE) == 0)
    touch_after_exec(argv[2]);
  if (argc > 2) {
    printf("usage: mmapcheck [CASE]\n");
    exit(1);
  }
  int ran = 0;
  for (int i = 0; i < NCHECKS; i++)
    if (argc == 1 || strcmp(argv[1], checks[i].name) == 0) {
      run_check(&checks[i]);
      ran++;
    }
  if (ran == 0) {
    printf("mmapcheck: no case %s; the cases are:", argv[1]);
    for (int i = 0; i < NCHECKS; i++)
      printf(" %s", checks[i].name);
    printf("\n");
    exit(1);
  }
  printf("mmapcheck: done\n");
  exit(0);
}
