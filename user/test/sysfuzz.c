/*
 * sysfuzz: a system-call fuzzer, and checks that processes stay isolated.
 *
 *   sysfuzz SEED CALLS [PROCS [FLAGS]]   CALLS random system calls in all, across
 *                                        a fork tree of at most PROCS processes
 *                                        (default 8). FLAGS: v prints each call
 *                                        before making it; s lets children work
 *                                        in their parent's directory (below)
 *   sysfuzz isolate                      copy-on-write, fresh-page, read-only
 *                                        text and kernel-memory checks
 *
 * A fuzzed call is a raw ecall: a7 is a number from 0 to a little past the
 * last system call (now and then a negative or huge one), a0..a5 come from
 * hostile values (see "values"). Each process keeps a model of its
 * descriptors, its pipes' fill levels and its heap. It adjusts only the
 * arguments that would stop the run instead of testing the kernel (see
 * call_adjust): a read of the console, a pipe read or write that would wait
 * for ever, killing a process it does not own, a path out of the scratch
 * directory, and the like. After each call it checks what the kernel must
 * never do: store into text or outside user memory, take bytes from kernel
 * memory, return more than was asked.
 *
 * The first process is a supervisor that never fuzzes. It builds the scratch
 * memory, measures free pages, inodes and blocks, creates the scratch
 * directory /fz and forks the tree's first process, and beside it a churner
 * (lazy heap grown, touched, shared copy-on-write and given back, in a loop)
 * and an observer that races them all with vmstat, vmmap and vmcheck, which
 * must stay exact (see "observer and churner"). Every process of the
 * tree sends records (fork, kill, end) through a pipe; the supervisor reads
 * them until every write end is closed, which also tells it that orphans are
 * gone. It then removes /fz, waits until the counts are back (init reaps
 * orphans in its own time), runs vmcheck(), checks that its own copies of the
 * shared pages never changed, and prints a line with how many calls returned
 * -1 and how many did not, then
 *
 *   sysfuzz: SEED calls N ok      or      sysfuzz: SEED calls N FAILED: <what differs>
 *
 * N counts the calls made: a killed process takes its unused share with it.
 *
 * A kernel bug this fuzzer found: a directory removed while it is a process's
 * working directory (or while another call is creating a name in it) still
 * accepts new names, and when its last reference goes, whatever was created
 * in it stays allocated and unreachable (fsck: "orphan"). So by default each
 * child works in a directory of its own ("k<pid>"), which nobody else can
 * remove; FLAGS s turns that off, and then runs with several processes
 * sometimes end FAILED with free inodes and blocks lower than before.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/vm.h"
#include "kernel/syscall.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/file.h"
#include "kernel/vmstat.h"
#include "user/user.h"

int main(int argc, char *argv[]);

#define INT_MAX            0x7fffffff
#define INT_MIN            (-INT_MAX - 1)

#define DEFAULT_PROCS      8
#define MAX_PROCS          24          /* fuzz processes in one tree, at most */
#define PIPE_BYTES         512         /* a pipe's capacity (kernel/fs/pipe.c) */
#define CONSOLE_WRITE_MAX  48          /* bytes one fuzzed write may put on the console */
#define FILE_WRITE_MAX     4096        /* bytes one fuzzed write may put in a file */
#define EAGER_GROWTH_MAX   (32 * PGSIZE)
#define LAZY_GROWTH_MAX    (1 << 30)
#define SLEEP_MAX          2           /* ticks */
#define ZERO_PAGES         64          /* lazy pages read once: they map the zero page */
#define LAZY_PAGES         256         /* lazy pages nobody touches before the fuzz */
#define SYSCALL_LAST       SYS_munmap
#define NUMBER_SPAN        (SYSCALL_LAST + 5)  /* numbers drawn uniformly: 0 .. LAST + 4 */
#define EXIT_NEAR_END      16          /* a fuzzed exit comes only with fewer calls left */
#define KILL_SHARE_MAX     100         /* a fuzzed kill hits only a child given fewer calls */
#define CHECK_EVERY        64          /* calls between a process's own checks */
#define SETTLE_TICKS       100         /* how long init may take to reap orphans */
#define REMOVE_STEPS_MAX   5000        /* directory scans remove_tree may make */
#define PRIVATE_BIT        (1UL << 40) /* moves a value off our private pages, same low 32 bits */
#define SCRATCH_DIR        "/fz"
#define ISOLATE_FILE       "/sysfuzz.iso"

/* ================= pseudo-random numbers ================= */

/* Marsaglia's xorshift with shifts 13, 7, 17: the state must never be 0. */
static uint64
rng_step(uint64 *state)
{
  uint64 x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

/* A state for seed: spread by an odd multiplier, then stepped so nearby seeds part ways. */
static uint64
rng_from_seed(uint64 seed)
{
  uint64 state = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ 0xD1B54A32D192ED03ULL;
  if (state == 0)
    state = 1;
  for (int i = 0; i < 16; i++)
    rng_step(&state);
  return state;
}

/* ================= the fuzzer's state ================= */

/* Where things are. Built by the supervisor; fork copies it to every process. */
struct layout {
  uint64 text_end;       /* end of the read-only code and constants */
  uint64 guard;          /* the unmapped page below the stack */
  uint64 heap_base;
  char *sentinel;        /* never given to the kernel: each process's signature */
  char *names;           /* a page of path names */
  char *cow;             /* written before the fork: shared copy-on-write */
  char *unterminated;    /* a page of 'u', no NUL; the zero-mapped pages follow */
  char *zero;            /* ZERO_PAGES lazy pages, read once */
  char *lazy;            /* LAZY_PAGES lazy pages, untouched at setup */
  char *tail;            /* a page of 't' just below the setup break */
  uint64 scratch_end;    /* the break after setup: fuzzing only grows above it */
  uint32 text_sum;       /* checksum of the text at setup */
};

enum desc_kind {
  DESC_FREE, DESC_CONSOLE, DESC_FILE, DESC_DIR, DESC_DEVICE, DESC_PIPE_READ, DESC_PIPE_WRITE,
  DESC_REPORT,             /* write end of the supervisor's record pipe: never touched */
  DESC_LOG,                /* a console descriptor kept for FAILED lines: never touched */
  DESC_UNKNOWN,
};

struct fd_model {
  int kind;              /* enum desc_kind */
  int pipe;              /* FD_PIPE_*: index into fuzzer.pipe_fill */
};

/* One fuzz process's view of itself. */
struct fuzzer {
  uint64 rng;
  int pid, parent_pid;
  int is_first;          /* the tree's first process: protects fds 0-2, never exits early */
  int alone;             /* the tree is this one process: vmcheck() may run */
  int shared_dirs;       /* children work in their parent's directory, not one of their own */
  int verbose;
  int calls_left;        /* calls this process (not its children) still makes */
  int procs_left;        /* processes it may still create, with their descendants */
  int calls, failed, succeeded, adjusted, problems;
  int forks;
  int kids[MAX_PROCS];   /* children not yet waited for */
  int kid_share[MAX_PROCS];  /* the calls each was given */
  int nkids;
  struct fd_model fd[NOFILE];
  int pipe_fill[NOFILE]; /* bytes in each pipe this process holds */
  int last_closed;
  int report_fd, log_fd;
  uint64 grown;          /* bytes the fuzz moved the break up, net */
  uint64 eager_grown;    /* of those, grown eagerly (a bound, not exact) */
};

static struct layout lay;
static struct fuzzer fz;

/* Records sent through the supervisor's pipe, written whole (32 bytes fit in one pipe turn). */
enum { REC_FORK = 0x5f01, REC_KILL = 0x5f02, REC_END = 0x5f03 };
struct record {
  int tag;
  int pid;               /* who sends it */
  int v[6];              /* FORK: child; KILL: target; END: calls failed succeeded adjusted problems */
};

static uint64
rnd(uint64 n)
{
  return n ? rng_step(&fz.rng) % n : 0;
}

static int
chance(int percent)
{
  return (int)rnd(100) < percent;
}

static uint32
checksum(const char *p, uint64 n)
{
  uint32 sum = 5381;
  for (uint64 i = 0; i < n; i++)
    sum = sum * 33 + (uchar)p[i];
  return sum;
}

static uint64
heap_break(void)
{
  return lay.scratch_end + fz.grown;
}

/* ================= problems ================= */

/* A FAILED line from a fuzz process, on the kept console descriptor. */
#define PROBLEM(...)                                                  \
  do {                                                                \
    fz.problems++;                                                    \
    fprintf(fz.log_fd, "sysfuzz: pid %d FAILED: ", fz.pid);           \
    fprintf(fz.log_fd, __VA_ARGS__);                                  \
    fprintf(fz.log_fd, "\n");                                         \
  } while (0)

/* ================= memory this process may read ================= */

/*
 * Can this process load the byte at addr? Text, data, stack, and the heap up
 * to the end of the break's page: the CPU and the kernel both grant whole
 * pages, so the bytes above an unaligned break in its page are ours too.
 */
static int
user_readable(uint64 addr)
{
  return addr < lay.guard || (addr >= lay.guard + PGSIZE && addr < PGROUNDUP(heap_break()));
}

/* May the kernel store all of [addr, addr + n) for us? Readable, and not text. */
static int
user_writable(uint64 addr, uint64 n)
{
  for (uint64 a = addr; a < addr + n; a = PGROUNDDOWN(a) + PGSIZE)
    if (a < lay.text_end || !user_readable(a))
      return 0;
  return addr + n >= addr;
}

/* ================= scratch memory ================= */

static const char *const name_list[] = {
  "a", "b", "c", "d", "e", "data", "a/b", "d/e", "d/d", "d/d/a", "./c", ".", "",
  "x/y/z", "nope/a", "a/", "d//b", "dev", "fourteen_chars", "fifteen_chars_x",
  "a b", "\001\377",
};
#define NNAMES (sizeof(name_list) / sizeof(name_list[0]))
static uint names_at[NNAMES];          /* offsets in lay.names */
static uint long_name_at, too_long_name_at;
#define NARGVS 4
static uint argv_at[NARGVS];           /* offsets in lay.names of argument vectors for exec */

static const char console_text[] =
  "[sysfuzz console write: abcdefghijklmnopqrstuvwxyz]\n";

/*
 * Argument vectors for exec, from offset at of the names page on: two names;
 * one argument too many; a name, then a kernel address; a string with no
 * NUL in the page that fetching it may read.
 */
static void
argv_fill(char *page, uint at)
{
  uint64 name0 = (uint64)page + names_at[0], name1 = (uint64)page + names_at[1];
  for (int v = 0; v < NARGVS; v++) {
    at = (at + 7) & ~7U;
    argv_at[v] = at;
    uint64 *vec = (uint64 *)(page + at);
    memset(vec, 0, (MAXARG + 2) * sizeof(uint64));
    if (v == 0) {
      vec[0] = name0;
      vec[1] = name1;
    } else if (v == 1) {
      for (int i = 0; i <= MAXARG; i++)
        vec[i] = name0;
    } else if (v == 2) {
      vec[0] = name0;
      vec[1] = KERNBASE;
    } else {
      vec[0] = (uint64)lay.unterminated;
    }
    at += (MAXARG + 2) * sizeof(uint64);
  }
}

/*
 * The names page: the list, a name of MAXPATH-1 bytes, one of MAXPATH (too
 * long), and "cr" in the last two bytes, which runs on into the cow page.
 */
static void
names_fill(void)
{
  char *p = lay.names;
  uint at = 0;
  memset(p, 0, PGSIZE);
  for (uint i = 0; i < NNAMES; i++) {
    names_at[i] = at;
    strcpy(p + at, name_list[i]);
    at += strlen(name_list[i]) + 1;
  }
  long_name_at = at;
  memset(p + at, 'L', MAXPATH - 1);
  at += MAXPATH;
  too_long_name_at = at;
  memset(p + at, 'M', MAXPATH);
  at += MAXPATH + 1;
  argv_fill(p, at);
  memmove(p + PGSIZE - 2, "cr", 2);      /* continues with the cow page's "w" */
}

/* The cow page: "w", letters with no NUL, and "pe" whose NUL is the page's last byte. */
static void
cow_fill(char *page)
{
  page[0] = 'w';
  page[1] = 0;
  for (int i = 2; i < PGSIZE; i++)
    page[i] = 'A' + i % 26;
  memmove(page + PGSIZE - 3, "pe", 3);
}

/* Where the text ends, from vmmap; 0 if it cannot tell. */
static uint64
text_end_from_vmmap(void)
{
  static struct vmmap_run runs[8];
  int n = vmmap(getpid(), runs, 8);
  if (n < 1 || runs[0].state != VMMAP_TEXT || runs[0].start != 0)
    return 0;
  return runs[0].start + runs[0].npages * PGSIZE;
}

static char *
grow(int n, int how)
{
  char *p = sys_sbrk(n, how);
  if (p == SBRK_ERROR) {
    printf("sysfuzz: FAILED: setup could not grow the heap by %d bytes\n", n);
    exit(1);
  }
  return p;
}

/* Build the scratch memory that fuzzed pointers aim at. Run once, before any fork. */
static void
layout_build(void)
{
  lay.heap_base = (uint64)sbrk(0);
  lay.guard = lay.heap_base - (USERSTACK + 1) * PGSIZE;
  lay.text_end = text_end_from_vmmap();
  if (lay.text_end == 0 || lay.text_end > lay.guard) {
    printf("sysfuzz: FAILED: vmmap did not show the text at 0 (end %p)\n", (void *)lay.text_end);
    exit(1);
  }
  lay.sentinel = grow(PGSIZE, SBRK_EAGER);
  lay.names = grow(PGSIZE, SBRK_EAGER);
  lay.cow = grow(PGSIZE, SBRK_EAGER);
  lay.unterminated = grow(PGSIZE, SBRK_EAGER);
  lay.zero = grow(ZERO_PAGES * PGSIZE, SBRK_LAZY);
  lay.lazy = grow(LAZY_PAGES * PGSIZE, SBRK_LAZY);
  lay.tail = grow(PGSIZE, SBRK_EAGER);
  lay.scratch_end = (uint64)sbrk(0);

  names_fill();
  cow_fill(lay.cow);
  memset(lay.unterminated, 'u', PGSIZE);
  memset(lay.tail, 't', PGSIZE);
  uint32 sum = 0;
  for (int i = 0; i < ZERO_PAGES; i++)
    sum += *(volatile char *)(lay.zero + i * PGSIZE + 8);
  if (sum != 0) {
    printf("sysfuzz: FAILED: a lazy page read %d before anything was written\n", sum);
    exit(1);
  }
  lay.text_sum = checksum((char *)0, lay.text_end);
}

/* The bytes the supervisor must find unchanged at the end: everything eager, and the zero-mapped pages. */
static uint32
scratch_checksum(void)
{
  uint32 sum = checksum(lay.sentinel, (uint64)lay.lazy - (uint64)lay.sentinel);
  return sum ^ checksum(lay.tail, PGSIZE);
}

/* Each process signs the sentinel page with its pid; no other process's write may show. */
static void
sentinel_sign(int pid)
{
  int *words = (int *)lay.sentinel;
  for (int i = 0; i < PGSIZE / (int)sizeof(int); i++)
    words[i] = pid * 7919 + i;
}

/* The pid whose signature the sentinel holds, or -1 if it is not a whole signature. */
static int
sentinel_signer(void)
{
  int *words = (int *)lay.sentinel;
  int pid = words[0] / 7919;
  for (int i = 0; i < PGSIZE / (int)sizeof(int); i++)
    if (words[i] != pid * 7919 + i)
      return -1;
  return pid;
}

/* ================= descriptors ================= */

static int
fd_kind(int fd)
{
  return fd >= 0 && fd < NOFILE ? fz.fd[fd].kind : DESC_FREE;
}

/* How many of this process's descriptors are the given end of pipe p. */
static int
pipe_ends(int p, int kind)
{
  int n = 0;
  for (int fd = 0; fd < NOFILE; fd++)
    if (fz.fd[fd].kind == kind && fz.fd[fd].pipe == p)
      n++;
  return n;
}

static int
pipe_end_fd(int p, int kind)
{
  for (int fd = 0; fd < NOFILE; fd++)
    if (fz.fd[fd].kind == kind && fz.fd[fd].pipe == p)
      return fd;
  return -1;
}

static int
pipe_unused_slot(void)
{
  for (int p = 0; p < NOFILE; p++)
    if (pipe_ends(p, DESC_PIPE_READ) == 0 && pipe_ends(p, DESC_PIPE_WRITE) == 0)
      return p;
  return 0;   /* cannot happen: a pipe needs two descriptors */
}

/* The model learns of a new descriptor fd the kernel handed out. */
static void
fd_learn(int fd, int kind, int pipe)
{
  if (fd < 0 || fd >= NOFILE) {
    PROBLEM("the kernel returned descriptor %d, outside 0..%d", fd, NOFILE - 1);
    return;
  }
  if (fz.fd[fd].kind != DESC_FREE)
    PROBLEM("the kernel returned descriptor %d, which was open (kind %d)", fd, fz.fd[fd].kind);
  fz.fd[fd].kind = kind;
  fz.fd[fd].pipe = pipe;
}

static void
fd_learn_opened(int fd)
{
  struct stat st;
  int kind = DESC_UNKNOWN;
  if (fstat(fd, &st) == 0)
    kind = st.type == T_DIR ? DESC_DIR : st.type == T_DEVICE ? DESC_DEVICE : DESC_FILE;
  fd_learn(fd, kind, 0);
}

static void
pipe_learn(int rfd, int wfd)
{
  int p = pipe_unused_slot();
  fz.pipe_fill[p] = 0;
  fd_learn(rfd, DESC_PIPE_READ, p);
  fd_learn(wfd, DESC_PIPE_WRITE, p);
}

static void
fd_forget(int fd)
{
  fz.fd[fd].kind = DESC_FREE;
  fz.last_closed = fd;
}

/* A descriptor number nothing is open on (a closed one when we have it), or -1. */
static int
fd_closed(void)
{
  if (fd_kind(fz.last_closed) == DESC_FREE && chance(50))
    return fz.last_closed;
  for (int tries = 0; tries < NOFILE; tries++) {
    int fd = rnd(NOFILE);
    if (fz.fd[fd].kind == DESC_FREE)
      return fd;
  }
  return -1;
}

/* An open descriptor of any kind, at random; 0 if there is none. */
static int
fd_open_any(void)
{
  for (int tries = 0; tries < 2 * NOFILE; tries++) {
    int fd = rnd(NOFILE);
    if (fz.fd[fd].kind != DESC_FREE)
      return fd;
  }
  return 0;
}

static int
fd_of_kind(int kind)
{
  int start = rnd(NOFILE);
  for (int i = 0; i < NOFILE; i++) {
    int fd = (start + i) % NOFILE;
    if (fz.fd[fd].kind == kind)
      return fd;
  }
  return -1;
}

/* Make sure a read of pipe p cannot block: put a byte in it if it is empty and we hold a write end. */
static void
pipe_make_readable(int p)
{
  int wfd = pipe_end_fd(p, DESC_PIPE_WRITE);
  if (fz.pipe_fill[p] == 0 && wfd >= 0 && write(wfd, "z", 1) == 1)
    fz.pipe_fill[p]++;
}

/* Make room in pipe p by reading what is in it through one of our read ends. */
static void
pipe_drain(int p)
{
  static char drained[PIPE_BYTES];
  int rfd = pipe_end_fd(p, DESC_PIPE_READ);
  if (rfd < 0 || fz.pipe_fill[p] == 0)
    return;
  int got = read(rfd, drained, sizeof(drained));
  if (got > 0)
    fz.pipe_fill[p] -= got;
}

/* ================= children ================= */

static void
kid_add(int pid, int share)
{
  if (fz.nkids < MAX_PROCS) {
    fz.kids[fz.nkids] = pid;
    fz.kid_share[fz.nkids++] = share;
  }
}

static int
kid_index(int pid)
{
  for (int i = 0; i < fz.nkids; i++)
    if (fz.kids[i] == pid)
      return i;
  return -1;
}

static void
kid_forget(int pid)
{
  int i = kid_index(pid);
  if (i >= 0) {
    fz.nkids--;
    fz.kids[i] = fz.kids[fz.nkids];
    fz.kid_share[i] = fz.kid_share[fz.nkids];
  }
}

static void
record_send(int tag, int v0)
{
  struct record r = { .tag = tag, .pid = fz.pid };
  r.v[0] = v0;
  if (tag == REC_END) {
    r.v[0] = fz.calls;
    r.v[1] = fz.failed;
    r.v[2] = fz.succeeded;
    r.v[3] = fz.adjusted;
    r.v[4] = fz.problems;
  }
  write(fz.report_fd, &r, sizeof(r));   /* fails only if we were killed meanwhile */
}

/* ================= values ================= */

static uint64
pick_pointer(void)
{
  uint64 brk = heap_break();
  switch (rnd(30)) {
  case 0: case 1: case 2: return (uint64)lay.names + rnd(PGSIZE);
  case 3: case 4:         return (uint64)lay.cow + rnd(PGSIZE);
  case 5:                 return (uint64)lay.cow + PGSIZE - 1 - rnd(16);   /* straddles a page end */
  case 6: case 7:         return (uint64)lay.zero + rnd(ZERO_PAGES) * PGSIZE + rnd(PGSIZE);
  case 8: case 9:         return (uint64)lay.lazy + rnd(LAZY_PAGES) * PGSIZE + rnd(PGSIZE);
  case 10:                return (uint64)lay.unterminated + rnd(PGSIZE);
  case 11:                return (uint64)lay.tail + rnd(PGSIZE);
  case 12:                return brk - 1 - rnd(64);                        /* just below the break */
  case 13:                return chance(50) ? brk : PGROUNDUP(brk) + rnd(2) * PGSIZE + rnd(16);
  case 14:                return (uint64)main + rnd(2);                    /* read-only text */
  case 15:                return chance(50) ? 0 : lay.text_end - 1 - rnd(16);
  case 16:                return lay.guard + rnd(PGSIZE);
  case 17:                return lay.guard + PGSIZE - 1 - rnd(16);         /* runs into the stack */
  case 18:                return KERNBASE + rnd(4) * 0x1000;
  case 19:                return KERNBASE + (rnd(PHYSTOP - KERNBASE) & ~7UL);   /* inside RAM */
  case 20:                return chance(50) ? PHYSTOP - 8 : PHYSTOP;
  case 21:                return chance(50) ? UART0 : PLIC;
  case 22:                return TRAMPOLINE + rnd(PGSIZE);
  case 23:                return TRAPFRAME + rnd(PGSIZE);
  case 24:                return MAXVA - 1 - rnd(8);
  case 25:                return MAXVA + rnd(2) * PGSIZE;
  case 26:                return 1UL << 63;
  case 27:                return chance(50) ? (uint64)-1 : (uint64)-PGSIZE;
  case 28:                return 1UL << 32;
  default:                return (uint64)console_text;
  }
}

static uint64
pick_int(void)
{
  static const uint64 values[] = {
    0, (uint64)-1, 1, 2, 3, 7, 8, 16, 255, INT_MAX, (uint64)(long)INT_MIN, 1UL << 31,
    0xffffffffUL, 1UL << 32, (1UL << 32) + 5, 1UL << 63, 0x7fffffffffffffffUL,
    (uint64)-4096, 4096,
  };
  if (chance(20))
    return rnd(256);
  return values[rnd(sizeof(values) / sizeof(values[0]))];
}

static uint64
pick_length(void)
{
  static const uint64 values[] = {
    0, 1, 2, 8, 13, 100, 511, 512, 513, 4095, 4096, 4097, 8192, 65536, INT_MAX,
    (uint64)(long)INT_MIN, (uint64)-1, 0xffffffffUL, 1UL << 31, 1UL << 32, (1UL << 32) + 7,
  };
  if (chance(30))
    return rnd(600);
  return values[rnd(sizeof(values) / sizeof(values[0]))];
}

static uint64
pick_fd(void)
{
  switch (rnd(12)) {
  case 0:  return (uint64)-1;
  case 1:  return chance(50) ? 99 : 1000;
  case 2:  return chance(50) ? NOFILE : (uint64)(long)INT_MIN;
  case 3:  return (uint64)(long)fd_closed();
  case 4:  return rnd(3);                          /* the console, usually */
  case 5:  return rnd(NOFILE);
  case 6:  return (1UL << 32) + rnd(3);            /* a console fd in the low 32 bits */
  case 7:  return (uint64)(long)fd_of_kind(DESC_PIPE_READ);
  case 8:  return (uint64)(long)fd_of_kind(DESC_PIPE_WRITE);
  case 9:  return (uint64)(long)fd_of_kind(DESC_FILE);
  case 10: return (uint64)(long)fd_of_kind(DESC_DIR);
  default: return (uint64)(long)fd_open_any();
  }
}

static uint64
pick_pid(void)
{
  switch (rnd(8)) {
  case 0: case 1: case 2:
    return fz.nkids ? (uint64)fz.kids[rnd(fz.nkids)] : (uint64)-1;
  case 3:  return (uint64)-1;
  case 4:  return chance(50) ? 0 : INT_MAX;
  case 5:  return chance(50) ? (uint64)(long)INT_MIN : 1;     /* 1 is init */
  case 6:  return chance(50) ? (uint64)fz.pid : (uint64)fz.parent_pid;
  default: return (1UL << 32) + (fz.nkids ? fz.kids[0] : fz.pid);
  }
}

static uint64
pick_mode(void)
{
  static const int modes[] = {
    O_RDONLY, O_WRONLY, O_RDWR, O_CREATE | O_RDWR, O_CREATE | O_WRONLY | O_TRUNC,
    O_TRUNC | O_RDWR, O_CREATE, O_CREATE | O_TRUNC, -1, 0x7ff,
  };
  return (uint64)(long)modes[rnd(sizeof(modes) / sizeof(modes[0]))];
}

static uint64
pick_growth(void)
{
  switch (rnd(10)) {
  case 0:  return 0;
  case 1:  return rnd(4 * PGSIZE);
  case 2:  return PGSIZE * (1 + rnd(8));
  case 3:  return (uint64)-(long)(PGSIZE * (1 + rnd(8)));
  case 4:  return (uint64)-(long)fz.grown;                   /* give back everything grown */
  case 5:  return INT_MAX;
  case 6:  return (uint64)(long)INT_MIN;
  case 7:  return 1 << (20 + rnd(8));                        /* 1 to 128 MiB */
  case 8:  return (uint64)-(long)rnd(PGSIZE);
  default: return pick_int();
  }
}

static uint64
pick_path(void)
{
  switch (rnd(20)) {
  case 0:  return (uint64)lay.names + long_name_at;
  case 1:  return (uint64)lay.names + too_long_name_at;
  case 2:  return (uint64)lay.cow + PGSIZE - 3;              /* ends at the page end */
  case 3:  return (uint64)lay.names + PGSIZE - 2;            /* runs into the next page */
  case 4:  return (uint64)lay.unterminated + PGSIZE - 1 - rnd(6);  /* into the zero page */
  case 5:  return (uint64)lay.tail + PGSIZE - 1 - rnd(6);    /* into the unmapped break */
  case 6:  return (uint64)lay.unterminated + rnd(PGSIZE);
  case 7: case 8:
    return pick_pointer();
  default: return (uint64)lay.names + names_at[rnd(NNAMES)];
  }
}

/* Argument kinds, and each system call's arguments. */
enum arg { A_ANY, A_INT, A_PTR, A_LEN, A_FD, A_PID, A_PATH, A_MODE, A_HOW, A_GROWTH, A_TICKS,
           A_MAJOR, A_ARGV };

static const uchar signature[SYSCALL_LAST + 1][3] = {
  [SYS_exit] = { A_INT },                  [SYS_wait] = { A_PTR },
  [SYS_pipe] = { A_PTR },                  [SYS_read] = { A_FD, A_PTR, A_LEN },
  [SYS_kill] = { A_PID },                  [SYS_exec] = { A_PATH, A_ARGV },
  [SYS_fstat] = { A_FD, A_PTR },           [SYS_chdir] = { A_PATH },
  [SYS_dup] = { A_FD },                    [SYS_sbrk] = { A_GROWTH, A_HOW },
  [SYS_sleep] = { A_TICKS },               [SYS_open] = { A_PATH, A_MODE },
  [SYS_write] = { A_FD, A_PTR, A_LEN },    [SYS_mknod] = { A_PATH, A_MAJOR, A_MAJOR },
  [SYS_unlink] = { A_PATH },               [SYS_link] = { A_PATH, A_PATH },
  [SYS_mkdir] = { A_PATH },                [SYS_close] = { A_FD },
  [SYS_vmstat] = { A_PID, A_PTR },         [SYS_fsstat] = { A_PTR },
  [SYS_vmmap] = { A_PID, A_PTR, A_LEN },   [SYS_failalloc] = { A_INT },
  /* mmap's flags, fd and offset (arguments 3 to 5) are any values at all */
  [SYS_mmap] = { A_PTR, A_LEN, A_INT },    [SYS_munmap] = { A_PTR, A_LEN },
};

static uint64
pick_any(void)
{
  switch (rnd(4)) {
  case 0:  return pick_int();
  case 1:  return pick_pointer();
  case 2:  return pick_length();
  default: return pick_fd();
  }
}

static uint64
pick_arg(int kind)
{
  if (chance(15))
    return pick_any();
  switch (kind) {
  case A_INT:    return pick_int();
  case A_PTR:    return pick_pointer();
  case A_LEN:    return pick_length();
  case A_FD:     return pick_fd();
  case A_PID:    return pick_pid();
  case A_PATH:   return pick_path();
  case A_MODE:   return pick_mode();
  case A_HOW:    return chance(80) ? (chance(50) ? SBRK_EAGER : SBRK_LAZY) : pick_int();
  case A_GROWTH: return pick_growth();
  case A_TICKS:  return chance(80) ? rnd(SLEEP_MAX + 1) : pick_int();
  case A_MAJOR:  return chance(70) ? rnd(NDEV + 2) : pick_int();
  case A_ARGV:   return chance(60) ? (uint64)lay.names + argv_at[rnd(NARGVS)] : pick_pointer();
  default:       return pick_any();
  }
}

static uint64
pick_number(void)
{
  static const uint64 odd_numbers[] = {
    (uint64)-1, (uint64)(long)INT_MIN, INT_MAX, (1UL << 32) + SYS_getpid, 1UL << 63,
    0xffffffffUL, 64, 1000, (uint64)-SYS_write,
  };
  if (chance(8))
    return odd_numbers[rnd(sizeof(odd_numbers) / sizeof(odd_numbers[0]))];
  uint64 num = rnd(NUMBER_SPAN);
  /*
   * exit and kill end a process and lose its unused calls: exit comes only
   * near the end of a share, kill more rarely. sleep only costs time.
   */
  while ((num == SYS_exit && fz.calls_left > EXIT_NEAR_END) ||
         ((num == SYS_kill || num == SYS_sleep) && chance(75)))
    num = rnd(NUMBER_SPAN);
  return num;
}

/* ================= making a call ================= */

struct call {
  uint64 num;
  uint64 a[6];
};

static uint64
raw_syscall(const struct call *c)
{
  register uint64 a0 asm("a0") = c->a[0];
  register uint64 a1 asm("a1") = c->a[1];
  register uint64 a2 asm("a2") = c->a[2];
  register uint64 a3 asm("a3") = c->a[3];
  register uint64 a4 asm("a4") = c->a[4];
  register uint64 a5 asm("a5") = c->a[5];
  register uint64 a7 asm("a7") = c->num;
  asm volatile("ecall"
               : "+r"(a0)
               : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
               : "memory");
  return a0;
}

static void
call_generate(struct call *c)
{
  c->num = pick_number();
  for (int i = 0; i < 6; i++) {
    int kind = c->num <= SYSCALL_LAST && i < 3 ? signature[c->num][i] : A_ANY;
    c->a[i] = pick_arg(kind);
  }
}

/* Is v an address in our data, stack or sentinel page (the guard page, unmapped, is fine)? */
static int
is_private(uint64 v)
{
  int in_data = v >= lay.text_end && v < lay.guard;
  int above_guard = v >= lay.guard + PGSIZE && v < (uint64)lay.names;
  return in_data || above_guard;
}

/* No argument may point at our private pages: the kernel could write there. */
static void
keep_off_private_pages(struct call *c)
{
  for (int i = 0; i < 6; i++)
    if (is_private(c->a[i]))
      c->a[i] |= PRIVATE_BIT;
}

/* Would the kernel read a path at addr that leaves the scratch directory? */
static int
path_escapes(uint64 addr)
{
  char path[MAXPATH];
  int n = 0;
  for (; n < MAXPATH; n++) {
    if (!user_readable(addr + n))
      return 0;                  /* the kernel fails to read it */
    path[n] = *(volatile char *)(addr + n);
    if (path[n] == 0)
      break;
  }
  if (n == MAXPATH)
    return 0;                    /* too long: the kernel refuses it */
  if (path[0] == '/')
    return 1;
  for (int i = 0; i < n; i++) {  /* a ".." component anywhere */
    int starts = i == 0 || path[i - 1] == '/';
    int ends = i + 2 == n || path[i + 2] == '/';
    if (starts && path[i] == '.' && i + 1 < n && path[i + 1] == '.' && ends)
      return 1;
  }
  return 0;
}

static void
adjust(struct call *c, int i, uint64 value)
{
  c->a[i] = value;
  fz.adjusted++;
}

static void
adjust_path(struct call *c, int i)
{
  if (path_escapes(c->a[i]))
    adjust(c, i, (uint64)lay.names + names_at[rnd(NNAMES)]);
}

/* Nobody has pid <= 0 or a huge one; of ours, only a child with a small share, so little is lost. */
static int
kill_allowed(int pid)
{
  int kid = kid_index(pid);
  return pid <= 0 || pid >= (1 << 24) || (kid >= 0 && fz.kid_share[kid] <= KILL_SHARE_MAX);
}

/* A child kill_allowed accepts, or -1. */
static int
kid_to_kill(void)
{
  for (int i = 0; i < fz.nkids; i++)
    if (fz.kid_share[i] <= KILL_SHARE_MAX)
      return fz.kids[i];
  return -1;
}

static void
adjust_read(struct call *c)
{
  int fd = (int)c->a[0];
  int kind = fd_kind(fd);
  if (kind == DESC_CONSOLE || kind == DESC_LOG || kind == DESC_UNKNOWN)
    adjust(c, 0, (uint64)(long)fd_closed());        /* a console read waits for typing */
  else if (kind == DESC_PIPE_READ)
    pipe_make_readable(fz.fd[fd].pipe);
}

static void
adjust_write(struct call *c)
{
  int fd = (int)c->a[0];
  int n = (int)c->a[2];
  int kind = fd_kind(fd);
  if (kind == DESC_REPORT || kind == DESC_LOG) {
    adjust(c, 0, (uint64)(long)fd_closed());
  } else if (kind == DESC_CONSOLE) {
    if (n > CONSOLE_WRITE_MAX)
      adjust(c, 2, rnd(CONSOLE_WRITE_MAX + 1));
    if (user_readable(c->a[1]) && c->a[1] != (uint64)console_text)
      adjust(c, 1, (uint64)console_text);          /* no binary noise on the console */
  } else if (kind == DESC_PIPE_WRITE && n > 0) {
    int p = fz.fd[fd].pipe;
    if (pipe_ends(p, DESC_PIPE_READ) == 0)
      return;                                      /* no reader: the write fails at once */
    if (fz.pipe_fill[p] == PIPE_BYTES)
      pipe_drain(p);
    int room = PIPE_BYTES - fz.pipe_fill[p];
    if (n > room)
      adjust(c, 2, room);                          /* more would wait for a reader: us */
  } else if (kind == DESC_FILE && n > FILE_WRITE_MAX && user_readable(c->a[1])) {
    adjust(c, 2, FILE_WRITE_MAX);
  }
}

static void
adjust_sbrk(struct call *c)
{
  long n = (int)c->a[0];
  int lazy = (int)c->a[1] != SBRK_EAGER;
  if (n > 0) {
    long room = lazy ? LAZY_GROWTH_MAX - (long)fz.grown : EAGER_GROWTH_MAX - (long)fz.eager_grown;
    if (room < 0)
      room = 0;
    if (n > room)
      adjust(c, 0, (uint64)room);
  } else if (-n > (long)fz.grown) {
    adjust(c, 0, (uint64)-(long)fz.grown);          /* shrink only what the fuzz grew */
  }
}

static void
adjust_close(struct call *c)
{
  int fd = (int)c->a[0];
  int kind = fd_kind(fd);
  if (kind == DESC_REPORT || kind == DESC_LOG || (fz.is_first && fd >= 0 && fd <= 2))
    adjust(c, 0, (uint64)(long)fd_closed());
}

/*
 * Half of the mmap calls get arguments that can work (a sharing flag, maybe
 * anonymous, a protection, a small length, offset 0), so that mappings are
 * made, shared by fork, and written back or dropped at exit; the rest keep
 * their random ones. Not an escape from a stop: counted like the others.
 */
static void
adjust_mmap(struct call *c)
{
  static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, 0 };
  static const int flags[] = { MAP_SHARED, MAP_PRIVATE, MAP_SHARED | MAP_ANONYMOUS,
                               MAP_PRIVATE | MAP_ANONYMOUS };
  if (!chance(50))
    return;
  int f = flags[rnd(4)];
  adjust(c, 1, 1 + rnd(4 * PGSIZE));
  adjust(c, 2, prots[rnd(4)]);
  adjust(c, 3, f);
  adjust(c, 4, f & MAP_ANONYMOUS ? (uint64)-1 : pick_fd());
  adjust(c, 5, 0);
}

/* Change what would stop the run instead of testing the kernel; counted in fz.adjusted. */
static void
call_adjust(struct call *c)
{
  keep_off_private_pages(c);
  switch (c->num) {
  case SYS_read:   adjust_read(c); break;
  case SYS_write:  adjust_write(c); break;
  case SYS_close:  adjust_close(c); break;
  case SYS_sbrk:   adjust_sbrk(c); break;
  case SYS_mmap:   adjust_mmap(c); break;
  case SYS_kill:
    if (!kill_allowed((int)c->a[0]))
      adjust(c, 0, (uint64)(long)kid_to_kill());
    break;
  case SYS_sleep:
    if ((int)c->a[0] > SLEEP_MAX)
      adjust(c, 0, SLEEP_MAX);
    break;
  case SYS_failalloc:
    if ((int)c->a[0] > 0)
      adjust(c, 0, 0);                             /* its own later allocations, and its children's, would fail at random */
    break;
  case SYS_mknod:
    if ((short)(int)c->a[1] == CONSOLE)
      adjust(c, 1, CONSOLE + 1);                   /* a console node could be read: it blocks */
    adjust_path(c, 0);
    break;
  case SYS_link:
    adjust_path(c, 0);
    adjust_path(c, 1);
    break;
  case SYS_open: case SYS_unlink: case SYS_mkdir: case SYS_chdir: case SYS_exec:
    adjust_path(c, 0);
    break;
  }
  keep_off_private_pages(c);
}

/* ---- after the call: the model, and what the kernel must never do ---- */

static void
check_copyout(const struct call *c, uint64 ret, const char *name, int arg, uint64 size)
{
  if (ret != (uint64)-1 && !user_writable(c->a[arg], size))
    PROBLEM("call %d: %s() stored %d bytes at %p, which is not writable user memory, "
            "and returned %d; expected -1", fz.calls, name, (int)size, (void *)c->a[arg], (int)ret);
}

static void
check_read(const struct call *c, uint64 ret)
{
  int n = (int)c->a[2];
  int got = (int)ret;
  if (got > n && n >= 0)
    PROBLEM("call %d: read(%d, %p, %d) returned %d, more than asked",
            fz.calls, (int)c->a[0], (void *)c->a[1], n, got);
  if (got > 0 && !user_writable(c->a[1], 1))
    PROBLEM("call %d: read(%d, %p, %d) returned %d into memory that is not writable; expected -1",
            fz.calls, (int)c->a[0], (void *)c->a[1], n, got);
}

static void
check_write(const struct call *c, uint64 ret)
{
  int kind = fd_kind((int)c->a[0]);
  int n = (int)c->a[2];
  if (n > 0 && ret != (uint64)-1 && !user_readable(c->a[1]) &&
      (kind == DESC_FILE || kind == DESC_PIPE_WRITE || kind == DESC_CONSOLE))
    PROBLEM("call %d: write(%d, %p, %d) took bytes from memory that is not user memory "
            "and returned %d; expected -1", fz.calls, (int)c->a[0], (void *)c->a[1], n, (int)ret);
  if ((int)ret > n && n >= 0)
    PROBLEM("call %d: write(%d, %p, %d) returned %d, more than asked",
            fz.calls, (int)c->a[0], (void *)c->a[1], n, (int)ret);
}

static void
model_pipe(const struct call *c, uint64 ret)
{
  check_copyout(c, ret, "pipe", 0, 2 * sizeof(int));
  if (ret != 0 || !user_writable(c->a[0], 2 * sizeof(int)))
    return;
  int fds[2];
  memmove(fds, (void *)c->a[0], sizeof(fds));
  pipe_learn(fds[0], fds[1]);
}

static void
model_read(const struct call *c, uint64 ret)
{
  int fd = (int)c->a[0];
  check_read(c, ret);
  if (fd_kind(fd) == DESC_PIPE_READ && (int)ret > 0)
    fz.pipe_fill[fz.fd[fd].pipe] -= (int)ret;
}

static void
model_write(const struct call *c, uint64 ret)
{
  int fd = (int)c->a[0];
  check_write(c, ret);
  if (fd_kind(fd) == DESC_PIPE_WRITE && (int)ret > 0)
    fz.pipe_fill[fz.fd[fd].pipe] += (int)ret;
}

static void
model_sbrk(const struct call *c, uint64 ret, uint64 brk_before)
{
  long n = (int)c->a[0];
  if (ret == (uint64)-1)
    return;
  if (ret != brk_before)
    PROBLEM("call %d: sbrk(%d) returned %p, but the break was %p",
            fz.calls, (int)n, (void *)ret, (void *)brk_before);
  fz.grown += n;
  if (n > 0 && (int)c->a[1] == SBRK_EAGER)
    fz.eager_grown += n;
  if (fz.eager_grown > fz.grown)
    fz.eager_grown = fz.grown;
}

static void
model_after(const struct call *c, uint64 ret, uint64 brk_before)
{
  int r = (int)ret;
  int fd = (int)c->a[0];
  switch (c->num) {
  case SYS_pipe:   model_pipe(c, ret); break;
  case SYS_read:   model_read(c, ret); break;
  case SYS_write:  model_write(c, ret); break;
  case SYS_sbrk:   model_sbrk(c, ret, brk_before); break;
  case SYS_open:
    if (r >= 0)
      fd_learn_opened(r);
    break;
  case SYS_dup:
    if (r >= 0)
      fd_learn(r, fd_kind(fd), fz.fd[fd].pipe);
    break;
  case SYS_close:
    if (ret == 0)
      fd_forget(fd);
    break;
  case SYS_wait:
    if (r > 0)
      kid_forget(r);
    if (c->a[0] != 0)
      check_copyout(c, r > 0 ? ret : (uint64)-1, "wait", 0, sizeof(int));
    break;
  case SYS_kill:
    if (ret == 0 && kid_index(fd) >= 0)
      record_send(REC_KILL, fd);
    break;
  case SYS_fstat:  check_copyout(c, ret, "fstat", 1, sizeof(struct stat)); break;
  case SYS_vmstat: check_copyout(c, ret, "vmstat", 1, sizeof(struct vmstat)); break;
  case SYS_fsstat: check_copyout(c, ret, "fsstat", 0, sizeof(struct fsstat)); break;
  case SYS_vmcheck:
    if (ret != 0)
      PROBLEM("call %d: vmcheck() returned %d while the tree runs; expected 0 (it is exact)",
              fz.calls, r);
    break;
  case SYS_getpid:
    if (r != fz.pid)
      PROBLEM("call %d: getpid() returned %d, expected %d", fz.calls, r, fz.pid);
    break;
  }
}

/* ---- the process's own checks ---- */

static void
process_check(void)
{
  int signer = sentinel_signer();
  if (signer != fz.pid)
    PROBLEM("after %d calls the sentinel page holds the signature of pid %d, expected our own",
            fz.calls, signer);
  uint32 sum = checksum((char *)0, lay.text_end);
  if (sum != lay.text_sum)
    PROBLEM("after %d calls the text changed (checksum %x, expected %x)", fz.calls, sum,
            lay.text_sum);
}

/* End this process: optionally wait for its children, check, report, exit with status. */
static void
process_finish(int status, int reap)
{
  if (reap)
    while (wait(0) > 0)
      ;
  process_check();
  record_send(REC_END, 0);
  exit(status);
}

/*
 * Make directory "k<pid>" where we are and move into it. A process can then
 * only ever remove directories below its own working directory, and no other
 * process can remove the one it works in: the kernel leaks whatever is
 * created in a removed directory (see the top of this file).
 */
static int
enter_private_dir(void)
{
  char name[16];
  int len = 0;
  char digits[12];
  for (int v = fz.pid; v > 0 || len == 0; v /= 10)
    digits[len++] = '0' + v % 10;
  name[0] = 'k';
  for (int i = 0; i < len; i++)
    name[1 + i] = digits[len - 1 - i];
  name[1 + len] = 0;
  return mkdir(name) == 0 && chdir(name) == 0 ? 0 : -1;
}

/* Start the life of a newly forked child: its budget, its own descriptors and pipe, its signature. */
static void
child_start(int calls, int procs)
{
  fz.parent_pid = fz.pid;
  fz.pid = getpid();
  fz.is_first = 0;
  fz.alone = 0;
  fz.calls_left = calls;
  fz.procs_left = procs;
  fz.calls = fz.failed = fz.succeeded = fz.adjusted = fz.problems = 0;
  fz.nkids = 0;
  fz.rng = rng_from_seed(fz.rng ^ ((uint64)(fz.forks + 1) << 20));
  fz.forks = 0;
  /* Pipes stay private to the process that made them, so their fill levels are known. */
  for (int fd = 0; fd < NOFILE; fd++) {
    int kind = fz.fd[fd].kind;
    if (kind == DESC_PIPE_READ || kind == DESC_PIPE_WRITE) {
      close(fd);
      fd_forget(fd);
    }
  }
  int fds[2];
  if (pipe(fds) == 0)
    pipe_learn(fds[0], fds[1]);
  int signer = sentinel_signer();
  if (signer != fz.parent_pid)
    PROBLEM("at birth the sentinel page holds the signature of pid %d, expected the parent's %d",
            signer, fz.parent_pid);
  sentinel_sign(fz.pid);
  if (!fz.shared_dirs && enter_private_dir() < 0)
    fz.calls_left = 0;           /* no directory of its own (disk full): stop at once */
}

static void
print_call(const struct call *c)
{
  fprintf(fz.log_fd, "sysfuzz: pid %d call %d: %d(%p, %p, %p, %p, %p, %p)\n", fz.pid, fz.calls,
          (int)c->num, (void *)c->a[0], (void *)c->a[1], (void *)c->a[2], (void *)c->a[3],
          (void *)c->a[4], (void *)c->a[5]);
}

static void
count_result(uint64 ret)
{
  if (ret == (uint64)-1)
    fz.failed++;
  else
    fz.succeeded++;
}

/* fork, through the raw call. The child takes a share of the calls and of the process budget. */
static void
call_fork(struct call *c)
{
  int child_calls = fz.calls_left * (25 + (int)rnd(51)) / 100;
  int child_procs = rnd(fz.procs_left);
  uint64 ret = raw_syscall(c);
  if (ret == 0) {
    child_start(child_calls, child_procs);
    return;
  }
  count_result(ret);
  if ((int)ret > 0) {
    fz.forks++;
    kid_add((int)ret, child_calls);
    fz.calls_left -= child_calls;
    fz.procs_left -= child_procs + 1;
    record_send(REC_FORK, (int)ret);
  }
}

/* exit, through the raw call, after the end record. Half the time the children become orphans. */
static void
call_exit(struct call *c)
{
  fz.succeeded++;
  if (chance(50))
    while (wait(0) > 0)
      ;
  process_check();
  record_send(REC_END, 0);
  raw_syscall(c);
  PROBLEM("call %d: exit(%d) returned", fz.calls, (int)c->a[0]);
  exit(1);
}

static void
call_one(void)
{
  struct call c;
  call_generate(&c);
  if (c.num == SYS_fork && (fz.procs_left == 0 || fz.calls_left < 2)) {
    c.num = SYS_getpid;                            /* the process budget is spent */
    fz.adjusted++;
  }
  if (c.num == SYS_exit && fz.is_first) {
    c.num = SYS_getpid;                            /* the first process reports for the tree */
    fz.adjusted++;
  }
  call_adjust(&c);
  fz.calls++;
  if (fz.verbose)
    print_call(&c);
  if (c.num == SYS_fork) {
    call_fork(&c);
    return;
  }
  if (c.num == SYS_exit)
    call_exit(&c);
  uint64 brk_before = heap_break();
  uint64 ret = raw_syscall(&c);
  count_result(ret);
  model_after(&c, ret, brk_before);
}

static void
fuzz_loop(void)
{
  while (fz.calls_left > 0) {
    fz.calls_left--;
    call_one();
    if (fz.calls % CHECK_EVERY == 0) {
      process_check();
      names_fill();                              /* reads may have overwritten the names */
    }
  }
  process_finish(0, 1);
}

/* The tree's first process: descriptors and scratch files of its own, then the fuzz. */
static void
first_start(uint64 seed, int calls, int procs, int report_r, int report_w, const char *flags)
{
  fz.pid = getpid();
  fz.is_first = 1;
  fz.alone = procs == 1;
  fz.verbose = strchr(flags, 'v') != 0;
  fz.shared_dirs = strchr(flags, 's') != 0;
  fz.rng = rng_from_seed(seed);
  fz.calls_left = calls;
  fz.procs_left = procs - 1;
  close(report_r);
  for (int fd = 0; fd < 3; fd++)
    fz.fd[fd].kind = DESC_CONSOLE;
  fz.fd[report_w].kind = DESC_REPORT;
  fz.report_fd = report_w;
  fz.log_fd = dup(1);
  if (fz.log_fd >= 0)
    fz.fd[fz.log_fd].kind = DESC_LOG;
  else
    fz.log_fd = 1;
  if (chdir(SCRATCH_DIR) < 0)
    PROBLEM("could not enter %s", SCRATCH_DIR);
  int fds[2];
  if (pipe(fds) == 0)
    pipe_learn(fds[0], fds[1]);
  int fd = open("data", O_CREATE | O_RDWR);
  if (fd >= 0) {
    fd_learn(fd, DESC_FILE, 0);
    write(fd, lay.names, 300);
  }
  fd = open(".", O_RDONLY);
  if (fd >= 0)
    fd_learn(fd, DESC_DIR, 0);
  int signer = sentinel_signer();
  if (signer <= 0)
    PROBLEM("at start the sentinel page does not hold the supervisor's signature (%d)", signer);
  fz.parent_pid = signer;
  sentinel_sign(fz.pid);
  fuzz_loop();
}

/* ================= observer and churner ================= */

/*
 * Two helpers the supervisor forks beside the tree. The churner grows a
 * lazy heap, touches it (reads map the zero page, writes fresh pages),
 * forks a child that writes into it copy-on-write, and gives it back, in a
 * loop. The observer reads other processes' memory in a loop: vmstat and
 * vmmap of the churner and of pids in the tree's range (seeded choices),
 * vmstat(0), and vmcheck, which must find every count right while all of
 * them run. Both loop until the supervisor kills them.
 */
#define CHURN_PAGES     512           /* 2 MiB: one leaf table's worth */
#define OBSERVE_RUNS    64            /* vmmap's buffer, in runs */
#define OBSERVE_BURST   16            /* observer calls between two pauses */

/*
 * Both helpers pause a tick between bursts, so that on one hart the tree
 * still gets most of the time; on several harts they race it all the same.
 */

static void
churner_main(void)
{
  for (;;) {
    char *heap = sbrklazy(CHURN_PAGES * PGSIZE);
    if (heap == (char *)-1)
      exit(1);
    volatile char sink = 0;
    for (int i = 0; i < CHURN_PAGES; i++) {
      if (i % 2)
        heap[i * PGSIZE] = (char)i;
      else
        sink += heap[i * PGSIZE];
    }
    int pid = fork();
    if (pid == 0) {
      heap[PGSIZE] = 1;
      exit(0);
    }
    if (pid > 0)
      wait(0);
    sbrk(-CHURN_PAGES * PGSIZE);
    pause(1);
  }
}

static void
observer_main(uint64 seed, int first_pid, int churner)
{
  static struct vmmap_run runs[OBSERVE_RUNS];
  uint64 rng = rng_from_seed(seed ^ 0x0b5e7e7ULL);
  struct vmstat st;
  for (int n = 1;; n++) {
    if (n % OBSERVE_BURST == 0)
      pause(1);
    int pid = rng_step(&rng) % 2 ? churner : first_pid + (int)(rng_step(&rng) % (2 * MAX_PROCS));
    switch (rng_step(&rng) % 4) {
    case 0:
      vmstat(pid, &st);
      break;
    case 1:
      vmstat(0, &st);
      break;
    case 2:
      vmmap(pid, runs, 1 + (int)(rng_step(&rng) % OBSERVE_RUNS));
      break;
    case 3:
      if (vmcheck() != 0) {
        /* Only the supervisor prints problems in order; a record says one happened. */
        printf("sysfuzz: observer: vmcheck() found counts the page tables do not explain\n");
        exit(2);
      }
      break;
    }
  }
}

/* Fork one of the two helpers: it closes the record pipe, whose write ends must all go for the run to end. */
static int
helper_start(int role, uint64 seed, int first_pid, int churner, int report[2])
{
  int pid = fork();
  if (pid != 0)
    return pid;
  close(report[0]);
  close(report[1]);
  if (role == 0)
    churner_main();
  observer_main(seed, first_pid, churner);
  exit(0);
}

/* ================= the supervisor ================= */

struct counts {
  uint64 pages, inodes, blocks;
};

static int
counts_read(struct counts *c)
{
  struct vmstat vm;
  struct fsstat fs;
  if (vmstat(0, &vm) < 0 || fsstat(&fs) < 0)
    return -1;
  c->pages = vm.free_pages;
  c->inodes = fs.free_inodes;
  c->blocks = fs.free_blocks;
  return 0;
}

static int
counts_equal(const struct counts *a, const struct counts *b)
{
  return a->pages == b->pages && a->inodes == b->inodes && a->blocks == b->blocks;
}

/*
 * Remove the directory top and everything below it. Descends with chdir, so
 * any depth works: a directory whose unlink fails is entered and emptied,
 * and its parent scanned again. Ends in "/". 0, or -1 if something stayed.
 */
static int
remove_tree(const char *top)
{
  if (chdir(top) < 0)
    return 0;                    /* nothing there */
  int depth = 0;
  for (int step = 0; step < REMOVE_STEPS_MAX; step++) {
    int fd = open(".", O_RDONLY);
    if (fd < 0)
      break;
    struct dirent de;
    char name[DIRSIZ + 1];
    int entered = 0;
    while (!entered && read(fd, &de, sizeof(de)) == sizeof(de)) {
      if (de.inum == 0)
        continue;
      memmove(name, de.name, DIRSIZ);
      name[DIRSIZ] = 0;
      if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || unlink(name) == 0)
        continue;
      if (chdir(name) == 0) {
        depth++;
        entered = 1;
      }
    }
    close(fd);
    if (entered)
      continue;
    if (depth == 0)
      break;
    chdir("..");
    depth--;
  }
  chdir("/");
  return unlink(top);
}

/* What the supervisor learns from the records. */
struct tally {
  int calls, failed, succeeded, adjusted, problems;
  int forked[2 * MAX_PROCS], nforked;
  int ended[2 * MAX_PROCS], nended;
  int killed[2 * MAX_PROCS], nkilled;
  int bad_records;
};

static void
tally_add(int *list, int *n, int pid)
{
  if (*n < 2 * MAX_PROCS)
    list[(*n)++] = pid;
}

static int
tally_has(const int *list, int n, int pid)
{
  for (int i = 0; i < n; i++)
    if (list[i] == pid)
      return 1;
  return 0;
}

static void
tally_record(struct tally *t, const struct record *r)
{
  switch (r->tag) {
  case REC_FORK: tally_add(t->forked, &t->nforked, r->v[0]); break;
  case REC_KILL: tally_add(t->killed, &t->nkilled, r->v[0]); break;
  case REC_END:
    tally_add(t->ended, &t->nended, r->pid);
    t->calls += r->v[0];
    t->failed += r->v[1];
    t->succeeded += r->v[2];
    t->adjusted += r->v[3];
    t->problems += r->v[4];
    break;
  default:
    t->bad_records++;
  }
}

/* Read records until every process has closed the pipe's write end. */
static void
records_collect(int fd, struct tally *t)
{
  static char buf[16 * sizeof(struct record)];
  int have = 0, got;
  while ((got = read(fd, buf + have, sizeof(buf) - have)) > 0) {
    have += got;
    int whole = have / sizeof(struct record);
    for (int i = 0; i < whole; i++) {
      struct record r;
      memmove(&r, buf + i * sizeof(struct record), sizeof(r));
      tally_record(t, &r);
    }
    have -= whole * sizeof(struct record);
    memmove(buf, buf + whole * sizeof(struct record), have);
  }
  if (have != 0)
    t->bad_records++;
}

/* Was pid forked, but neither reported nor killed by its parent? */
static int
tally_vanished(const struct tally *t, int pid)
{
  return !tally_has(t->ended, t->nended, pid) && !tally_has(t->killed, t->nkilled, pid);
}

/* Wait until free pages, inodes and blocks equal base, or SETTLE_TICKS pass; the last counts read. */
static void
counts_settle(const struct counts *base, struct counts *now)
{
  int start = uptime();
  while (counts_read(now) == 0 && !counts_equal(base, now) && uptime() - start < SETTLE_TICKS)
    pause(1);
}

/* The supervisor's own copies must be as it left them before the fork. */
static int
supervisor_unchanged(uint32 scratch_sum, char *what)
{
  if (scratch_checksum() != scratch_sum) {
    strcpy(what, " the supervisor's scratch pages changed");
    return 0;
  }
  if (sentinel_signer() != getpid()) {
    strcpy(what, " the supervisor's sentinel page changed");
    return 0;
  }
  if (checksum((char *)0, lay.text_end) != lay.text_sum) {
    strcpy(what, " the text changed");
    return 0;
  }
  for (int i = 0; i < LAZY_PAGES; i++)
    for (int j = 0; j < PGSIZE; j += 512)
      if (lay.lazy[i * PGSIZE + j] != 0) {
        strcpy(what, " an untouched lazy page of the supervisor is not zero");
        return 0;
      }
  return 1;
}

static int
fuzz_main(uint64 seed, int calls, int procs, const char *flags)
{
  printf("sysfuzz: seed %d calls %d procs %d%s%s\n", (int)seed, calls, procs,
         strchr(flags, 's') ? " shared directories" : "", strchr(flags, 'v') ? " verbose" : "");
  layout_build();
  sentinel_sign(getpid());
  chdir("/");
  remove_tree(SCRATCH_DIR);                       /* left by a run that did not finish */
  /* Make and remove the directory once, so "/" has a free entry for it and never grows. */
  if (mkdir(SCRATCH_DIR) < 0 || unlink(SCRATCH_DIR) < 0) {
    printf("sysfuzz: %d calls %d FAILED: could not create and remove %s\n", (int)seed, calls,
           SCRATCH_DIR);
    return 1;
  }
  int report[2];
  struct counts before, after;
  /* Measured before the record pipe exists: its page is freed again when both ends close. */
  if (counts_read(&before) < 0 || pipe(report) < 0 || mkdir(SCRATCH_DIR) < 0) {
    printf("sysfuzz: %d calls %d FAILED: setup (pipe, vmstat, fsstat or mkdir) failed\n",
           (int)seed, calls);
    return 1;
  }
  uint32 scratch_sum = scratch_checksum();
  int start = uptime();
  int first = fork();
  if (first == 0)
    first_start(seed, calls, procs, report[0], report[1], flags);
  int churner = helper_start(0, seed, first, 0, report);
  int observer = helper_start(1, seed, first, churner, report);
  close(report[1]);
  static struct tally t;
  tally_add(t.forked, &t.nforked, first);
  records_collect(report[0], &t);
  close(report[0]);
  kill(churner);
  kill(observer);
  /* The first process, the churner and the observer: killed helpers end with -1. */
  int status = -1, observer_status = -1, reaped = -1;
  for (int left = 1 + (churner > 0) + (observer > 0); left > 0; left--) {
    int st = -1, child = wait(&st);
    if (child < 0)
      break;
    if (child == first) {
      reaped = child;
      status = st;
    } else if (child == observer) {
      observer_status = st;
    }
  }
  int ticks = uptime() - start;
  int left = remove_tree(SCRATCH_DIR);
  counts_settle(&before, &after);
  int vm_ok = vmcheck() == 0;

  static char changed[80];
  int vanished = 0;
  for (int i = 0; i < t.nforked; i++)
    vanished += tally_vanished(&t, t.forked[i]);
  int unchanged = supervisor_unchanged(scratch_sum, changed);
  printf("sysfuzz: %d: %d calls returned -1, %d succeeded; %d of %d planned calls made; "
         "%d arguments adjusted; %d processes, %d killed by their parent; %d ticks\n",
         (int)seed, t.failed, t.succeeded, t.calls, calls, t.adjusted, t.nforked, t.nkilled, ticks);
  int observed = churner > 0 && observer > 0 && observer_status == -1;
  int ok = first > 0 && reaped == first && status == 0 && left == 0 && counts_equal(&before, &after)
           && vm_ok && observed && vanished == 0 && unchanged && t.problems == 0 && t.bad_records == 0;
  if (ok) {
    printf("sysfuzz: %d calls %d ok\n", (int)seed, t.calls);
    return 0;
  }
  printf("sysfuzz: %d calls %d FAILED:", (int)seed, t.calls);
  if (first <= 0 || reaped != first || status != 0)
    printf(" first process %d: wait gave %d, status %d (expected status 0);", first, reaped, status);
  if (left != 0)
    printf(" %s could not be removed;", SCRATCH_DIR);
  if (after.pages != before.pages)
    printf(" free pages %d before, %d after;", (int)before.pages, (int)after.pages);
  if (after.inodes != before.inodes)
    printf(" free inodes %d before, %d after;", (int)before.inodes, (int)after.inodes);
  if (after.blocks != before.blocks)
    printf(" free blocks %d before, %d after;", (int)before.blocks, (int)after.blocks);
  if (!vm_ok)
    printf(" vmcheck: page counts disagree with the page tables (see the console);");
  if (!observed)
    printf(" observer: churner %d, observer %d ended with %d (expected killed, -1);", churner,
           observer, observer_status);
  if (vanished) {
    printf(" %d processes ended without a report and were not killed by their parent:", vanished);
    for (int i = 0; i < t.nforked; i++)
      if (tally_vanished(&t, t.forked[i]))
        printf(" %d", t.forked[i]);
    printf(";");
  }
  if (!unchanged)
    printf("%s;", changed);
  if (t.problems)
    printf(" %d problems reported by the processes (lines above);", t.problems);
  if (t.bad_records)
    printf(" %d records were garbled;", t.bad_records);
  printf("\n");
  return 1;
}

/* ================= isolate ================= */

static const char *iso_name = "?";
static int iso_failures;
static char iso_bss[PGSIZE];

#define ISO_CHECK(cond, ...)                                               \
  do {                                                                     \
    if (!(cond)) {                                                         \
      iso_failures++;                                                      \
      printf("sysfuzz: isolate %s FAILED: ", iso_name);                    \
      printf(__VA_ARGS__);                                                 \
      printf("\n");                                                        \
    }                                                                      \
  } while (0)

/* Index of the first byte of p[0..n) that is not want, or -1. */
static int
first_other(const char *p, int n, char want)
{
  for (int i = 0; i < n; i++)
    if (p[i] != want)
      return i;
  return -1;
}

static void
expect_all(const char *what, const char *p, int n, char want)
{
  int at = first_other(p, n, want);
  ISO_CHECK(at < 0, "%s: byte %d of %d is 0x%x, expected 0x%x", what, at, n,
            at < 0 ? 0 : (uchar)p[at], (uchar)want);
}

static void
send_byte(int fd, char c)
{
  if (write(fd, &c, 1) != 1)
    ISO_CHECK(0, "write of a handshake byte to fd %d failed", fd);
}

static char
receive_byte(int fd)
{
  char c = 0;
  if (read(fd, &c, 1) != 1)
    ISO_CHECK(0, "read of a handshake byte from fd %d failed", fd);
  return c;
}

static char *
iso_grow(int n)
{
  char *p = sbrk(n);
  ISO_CHECK(p != SBRK_ERROR, "sbrk(%d) failed", n);
  return p == SBRK_ERROR ? 0 : p;
}

/* Wait for child pid, which exits with its number of failures (they are printed already). */
static void
iso_reap(int pid)
{
  int status = -1;
  int got = wait(&status);
  ISO_CHECK(got == pid && status == 0, "child %d: wait gave %d with status %d, expected status 0",
            pid, got, status);
}

#define ISO_HEAP_PAGES 4

/* Plain loads and stores: each side sees the other's writes from before the fork, never after. */
static void
iso_cow_memory(void)
{
  char stack_bytes[128];
  char *heap = iso_grow(ISO_HEAP_PAGES * PGSIZE);
  if (heap == 0)
    return;
  char *regions[] = { heap, iso_bss, stack_bytes };
  int sizes[] = { ISO_HEAP_PAGES * PGSIZE, PGSIZE, sizeof(stack_bytes) };
  const char *names[] = { "heap", "bss page", "stack bytes" };
  for (int r = 0; r < 3; r++)
    memset(regions[r], 'P', sizes[r]);
  int down[2], up[2];
  if (pipe(down) < 0 || pipe(up) < 0) {
    ISO_CHECK(0, "pipe failed");
    return;
  }
  int pid = fork();
  if (pid == 0) {
    for (int r = 0; r < 3; r++)
      expect_all(names[r], regions[r], sizes[r], 'P');   /* written before the fork */
    send_byte(up[1], 'r');
    receive_byte(down[0]);
    for (int r = 0; r < 3; r++)
      expect_all(names[r], regions[r], sizes[r], 'P');   /* the parent wrote 'Q' since */
    for (int r = 0; r < 3; r++)
      memset(regions[r], 'C', sizes[r]);
    send_byte(up[1], 'd');
    receive_byte(down[0]);
    exit(iso_failures);
  }
  receive_byte(up[0]);
  for (int r = 0; r < 3; r++)
    memset(regions[r], 'Q', sizes[r]);
  send_byte(down[1], 'w');
  receive_byte(up[0]);
  for (int r = 0; r < 3; r++)
    expect_all(names[r], regions[r], sizes[r], 'Q');     /* the child wrote 'C' since */
  send_byte(down[1], 'x');
  iso_reap(pid);
  sbrk(-ISO_HEAP_PAGES * PGSIZE);
}

/* Fill a pipe of our own with n bytes of c and read() them to dst. */
static int
read_from_pipe(char *dst, int n, char c)
{
  static char bytes[PIPE_BYTES];
  int p[2];
  if (pipe(p) < 0)
    return -1;
  memset(bytes, c, n);
  write(p[1], bytes, n);
  int got = read(p[0], dst, n);
  close(p[0]);
  close(p[1]);
  return got;
}

/* Bytes of page that are not want, outside [skip, skip + len). -1 if none. */
static int
other_outside(const char *page, int n, char want, int skip, int len)
{
  for (int i = 0; i < n; i++)
    if ((i < skip || i >= skip + len) && page[i] != want)
      return i;
  return -1;
}

/* The kernel writing (read, fstat, pipe, wait) into pages shared copy-on-write, and reading them. */
static void
iso_cow_syscalls(void)
{
  char *h = iso_grow(3 * PGSIZE);
  int file = open(ISOLATE_FILE, O_CREATE | O_RDWR);
  int down[2], up[2];
  if (h == 0 || file < 0 || pipe(down) < 0 || pipe(up) < 0) {
    ISO_CHECK(0, "setup failed (sbrk, open %s or pipe)", ISOLATE_FILE);
    return;
  }
  memset(h, 'P', 3 * PGSIZE);
  int pid = fork();
  if (pid == 0) {
    ISO_CHECK(read_from_pipe(h + 10, 100, 'c') == 100, "child: read() into a shared page failed");
    expect_all("child: bytes read() into the shared page", h + 10, 100, 'c');
    ISO_CHECK(fstat(file, (struct stat *)(h + PGSIZE + 24)) == 0, "child: fstat into a shared page failed");
    int *fds = (int *)(h + 2 * PGSIZE + 40);
    ISO_CHECK(pipe(fds) == 0, "child: pipe() into a shared page failed");
    char back[16];
    ISO_CHECK(write(fds[1], h + 5, 10) == 10 && read(fds[0], back, 10) == 10 &&
              memcmp(back, "PPPPPccccc", 10) == 0,
              "child: write() from the shared page did not send the child's own bytes");
    close(fds[0]);
    close(fds[1]);
    send_byte(up[1], 'd');
    receive_byte(down[0]);
    expect_all("child: its read() bytes after the parent's read()", h + 10, 100, 'c');
    ISO_CHECK(other_outside(h, PGSIZE, 'P', 10, 100) < 0, "child: page 0 changed around the read");
    exit(iso_failures);
  }
  receive_byte(up[0]);
  expect_all("parent: its copy after the child's read(), fstat() and pipe()", h, 3 * PGSIZE, 'P');
  ISO_CHECK(read_from_pipe(h + 10, 100, 'p') == 100, "parent: read() into a shared page failed");
  ISO_CHECK(fstat(file, (struct stat *)(h + PGSIZE + 24)) == 0, "parent: fstat into a shared page failed");
  send_byte(down[1], 'w');
  iso_reap(pid);
  expect_all("parent: its read() bytes", h + 10, 100, 'p');
  /* wait() stores the status into a page still shared with the child it reaps. */
  int *status = (int *)(h + 2 * PGSIZE + 200);
  int child = fork();
  if (child == 0)
    exit(7);
  ISO_CHECK(wait(status) == child && *status == 7, "wait() into a heap page: status %d, expected 7",
            *status);
  close(file);
  unlink(ISOLATE_FILE);
  sbrk(-3 * PGSIZE);
}

#define ZERO_TEST_PAGES 64

static void
expect_page_zero(const char *what, int page, const char *p, int skip, int len)
{
  int at = other_outside(p, PGSIZE, 0, skip, len);
  ISO_CHECK(at < 0, "%s: page %d byte %d is 0x%x, expected 0", what, page, at,
            at < 0 ? 0 : (uchar)p[at]);
}

/* Pages handed out fresh (sbrk, a lazy page's first read or write) are zero, whatever they held before. */
static void
iso_fresh_zero(void)
{
  int n = ZERO_TEST_PAGES * PGSIZE;
  char *p = iso_grow(n);                           /* dirty pages, then free them */
  if (p == 0)
    return;
  memset(p, 0xa5, n);
  sbrk(-n);
  int pid = fork();
  if (pid == 0) {
    char *q = sbrk(2 * n);
    if (q != SBRK_ERROR)
      memset(q, 0x5a, 2 * n);
    exit(0);
  }
  iso_reap(pid);

  p = iso_grow(n);
  if (p == 0)
    return;
  for (int i = 0; i < ZERO_TEST_PAGES; i++)
    expect_page_zero("sbrk", i, p + i * PGSIZE, 0, 0);
  sbrk(-n);

  char *lz = sbrklazy(n);
  ISO_CHECK(lz != SBRK_ERROR, "sbrklazy(%d) failed", n);
  if (lz == SBRK_ERROR)
    return;
  for (int i = 0; i < 16; i++)                     /* first touch a read: the zero page */
    expect_page_zero("sbrklazy first read", i, lz + i * PGSIZE, 0, 0);
  for (int i = 16; i < 32; i++) {                  /* first touch a write: a fresh page */
    lz[i * PGSIZE + 7] = 1;
    expect_page_zero("sbrklazy first write", i, lz + i * PGSIZE, 7, 1);
  }
  for (int i = 0; i < 8; i++) {                    /* a write to a page that maps the zero page */
    lz[i * PGSIZE + 9] = 2;
    expect_page_zero("write after read", i, lz + i * PGSIZE, 9, 1);
  }
  for (int i = 32; i < 40; i++) {                  /* the kernel's first touch */
    ISO_CHECK(read_from_pipe(lz + i * PGSIZE + 50, 100, 'k') == 100, "read() into a lazy page failed");
    expect_page_zero("read() into an untouched lazy page", i, lz + i * PGSIZE, 50, 100);
  }
  for (int i = 40; i < 48; i++) {                  /* the kernel's write to a zero-mapped page */
    ISO_CHECK(lz[i * PGSIZE] == 0, "page %d: lazy read not zero", i);
    ISO_CHECK(read_from_pipe(lz + i * PGSIZE + 50, 100, 'z') == 100, "read() into a zero-mapped page failed");
    expect_page_zero("read() into a zero-mapped page", i, lz + i * PGSIZE, 50, 100);
  }
  pid = fork();
  if (pid == 0) {                                  /* a child writes pages that map the zero page */
    for (int i = 8; i < 16; i++)
      memset(lz + i * PGSIZE, 'c', PGSIZE);
    exit(0);
  }
  iso_reap(pid);
  for (int i = 8; i < 16; i++)
    expect_page_zero("zero-mapped page after a child wrote its copy", i, lz + i * PGSIZE, 0, 0);
  for (int i = 48; i < ZERO_TEST_PAGES; i++)
    expect_page_zero("lazy page read after all those writes", i, lz + i * PGSIZE, 0, 0);
  sbrk(-n);
}

/* Every call that would store into text fails, in a parent and in a child, and the text stays. */
static void
text_stores_fail(const char *who)
{
  uint64 targets[] = { (uint64)main, 0, lay.text_end - 8 };
  int p[2];
  int file = open(ISOLATE_FILE, O_CREATE | O_RDWR);
  if (file < 0 || pipe(p) < 0) {
    ISO_CHECK(0, "%s: setup (open, pipe) failed", who);
    return;
  }
  write(file, "0123456789abcdef", 16);
  close(file);
  file = open(ISOLATE_FILE, O_RDONLY);
  write(p[1], "0123456789abcdef", 16);
  for (int i = 0; i < 3; i++) {
    char *t = (char *)targets[i];
    ISO_CHECK(read(p[0], t, 16) == -1, "%s: read(pipe, text %p, 16) did not return -1", who, t);
    ISO_CHECK(read(file, t, 16) == -1, "%s: read(file, text %p, 16) did not return -1", who, t);
    ISO_CHECK(fstat(file, (struct stat *)t) == -1, "%s: fstat into text %p did not return -1", who, t);
    ISO_CHECK(pipe((int *)t) == -1, "%s: pipe() into text %p did not return -1", who, t);
    ISO_CHECK(vmstat(0, (struct vmstat *)t) == -1, "%s: vmstat into text %p did not return -1", who, t);
    ISO_CHECK(fsstat((struct fsstat *)t) == -1, "%s: fsstat into text %p did not return -1", who, t);
    ISO_CHECK(vmmap(getpid(), (struct vmmap_run *)t, 4) == -1, "%s: vmmap into text %p did not return -1",
              who, t);
  }
  char back[16];
  ISO_CHECK(read(p[0], back, 16) == 16 && memcmp(back, "0123456789abcdef", 16) == 0,
            "%s: the failed pipe reads took bytes out of the pipe", who);
  int child = fork();
  if (child == 0)
    exit(0);
  ISO_CHECK(wait((int *)main) == -1, "%s: wait() with its status in text did not return -1", who);
  ISO_CHECK(wait(0) == child, "%s: the child was not left to a second wait()", who);
  close(p[0]);
  close(p[1]);
  close(file);
}

static void
iso_text_readonly(void)
{
  char head[64];
  memmove(head, (char *)main, sizeof(head));
  uint32 sum = checksum((char *)0, lay.text_end);
  text_stores_fail("parent");
  int pid = fork();
  if (pid == 0) {
    text_stores_fail("child");
    ISO_CHECK(checksum((char *)0, lay.text_end) == sum, "child: the text changed");
    exit(iso_failures);
  }
  iso_reap(pid);
  unlink(ISOLATE_FILE);
  ISO_CHECK(checksum((char *)0, lay.text_end) == sum && memcmp(head, (char *)main, sizeof(head)) == 0,
            "the text changed");
}

/* No call copies kernel memory, or anything outside user memory, out to the user. */
static void
iso_kernel_unreadable(void)
{
  uint64 addrs[] = {
    KERNBASE, KERNBASE + 0x1000, KERNBASE + 0x200000, PHYSTOP - PGSIZE, PHYSTOP - 16,
    TRAMPOLINE, TRAMPOLINE + 0x100, TRAPFRAME, TRAPFRAME + 0x80, MAXVA - 16, MAXVA,
    lay.guard, lay.guard + PGSIZE - 16, 1UL << 63, (uint64)-16,
  };
  int p[2];
  int file = open(ISOLATE_FILE, O_CREATE | O_RDWR);
  if (file < 0 || pipe(p) < 0) {
    ISO_CHECK(0, "setup (open, pipe) failed");
    return;
  }
  for (uint i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
    const void *a = (const void *)addrs[i];
    ISO_CHECK(write(p[1], a, 16) == -1, "write(pipe, %p, 16) did not return -1", a);
    ISO_CHECK(write(file, a, 16) == -1, "write(file, %p, 16) did not return -1", a);
    ISO_CHECK(open((const char *)a, O_RDONLY) == -1, "open(%p) did not return -1", a);
    char *argv[] = { "x", 0 };
    ISO_CHECK(exec((const char *)a, argv) == -1, "exec(%p) did not return -1", a);
  }
  char back[32];
  send_byte(p[1], 'M');
  ISO_CHECK(read(p[0], back, sizeof(back)) == 1 && back[0] == 'M',
            "the pipe held bytes from the failed writes");
  struct stat st;
  ISO_CHECK(fstat(file, &st) == 0 && st.size == 0, "the file got bytes from the failed writes: size %d",
            (int)st.size);
  char *brk = sbrk(0);
  ISO_CHECK(write(p[1], brk - 8, 16) == 8 && read(p[0], back, sizeof(back)) == 8 &&
            memcmp(back, brk - 8, 8) == 0,
            "write() of 16 bytes from 8 below the break did not send exactly those 8");
  close(p[0]);
  close(p[1]);
  close(file);
  unlink(ISOLATE_FILE);
}

struct iso_test {
  const char *name;
  void (*run)(void);
};

static const struct iso_test iso_tests[] = {
  { "cow_memory", iso_cow_memory },
  { "cow_syscalls", iso_cow_syscalls },
  { "fresh_zero", iso_fresh_zero },
  { "text_readonly", iso_text_readonly },
  { "kernel_unreadable", iso_kernel_unreadable },
};

/* Each check in a child of its own; afterwards every page, inode and block is back. */
static int
isolate_main(void)
{
  lay.heap_base = (uint64)sbrk(0);
  lay.guard = lay.heap_base - (USERSTACK + 1) * PGSIZE;
  lay.text_end = text_end_from_vmmap();
  if (lay.text_end == 0) {
    printf("sysfuzz: isolate FAILED: vmmap did not show the text at 0\n");
    return 1;
  }
  int failed = 0;
  for (uint i = 0; i < sizeof(iso_tests) / sizeof(iso_tests[0]); i++) {
    struct counts before, after;
    counts_read(&before);
    iso_name = iso_tests[i].name;
    int pid = fork();
    if (pid == 0) {
      iso_failures = 0;
      iso_tests[i].run();
      exit(iso_failures);
    }
    int status = -1;
    wait(&status);
    counts_settle(&before, &after);
    iso_failures = 0;
    ISO_CHECK(status == 0, "the check's process exited with status %d, expected 0 "
              "(a count of the failures above; -1 if it was killed)", status);
    ISO_CHECK(counts_equal(&before, &after),
              "free pages %d -> %d, inodes %d -> %d, blocks %d -> %d; expected no change",
              (int)before.pages, (int)after.pages, (int)before.inodes, (int)after.inodes,
              (int)before.blocks, (int)after.blocks);
    ISO_CHECK(vmcheck() == 0, "vmcheck: page counts disagree with the page tables");
    if (iso_failures == 0)
      printf("sysfuzz: isolate %s ok\n", iso_name);
    else
      failed++;
  }
  if (failed) {
    printf("sysfuzz: isolate FAILED (%d checks)\n", failed);
    return 1;
  }
  printf("sysfuzz: isolate ok\n");
  return 0;
}

/* ================= main ================= */

static int
usage(void)
{
  printf("usage: sysfuzz SEED CALLS [PROCS [FLAGS]]   FLAGS: v (print each call), s (shared directories)\n"
         "       sysfuzz isolate\n");
  return 2;
}

int
main(int argc, char *argv[])
{
  if (argc == 2 && strcmp(argv[1], "isolate") == 0)
    exit(isolate_main());
  if (argc < 3 || argc > 5)
    exit(usage());
  int seed = atoi(argv[1]);
  int calls = atoi(argv[2]);
  int procs = argc > 3 ? atoi(argv[3]) : DEFAULT_PROCS;
  const char *flags = argc > 4 ? argv[4] : "";
  if (calls < 0 || procs < 1 || procs > MAX_PROCS) {
    printf("sysfuzz: PROCS must be 1 to %d, CALLS at least 0\n", MAX_PROCS);
    exit(2);
  }
  exit(fuzz_main(seed, calls, procs, flags));
}
