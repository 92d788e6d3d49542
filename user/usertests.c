/*
 * usertests.c: the kernel's own test suite, run from the shell. Each test checks
 * one behaviour of the system-call interface, memory, processes or the file system.
 *
 *   usertests          every test        usertests -q   skip the slow ones
 *   usertests NAME...  just those        usertests -l   list the names
 *
 * Every test runs in a child process: exit status 0 is a pass, anything else
 * (a failed check, or being killed by the kernel) a failure. A test that wants
 * to see the kernel kill something forks a grandchild for it to kill. Around
 * each test, and around the whole run, the runner compares free pages, blocks
 * and inodes: anything a test leaves behind fails it.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/syscall.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/vm.h"
#include "kernel/vmstat.h"
#include "kernel/elf.h"
#include "user/user.h"

/*
 * A failed check prints "  NAME: <message>", then finish_failed() kills the
 * test's helpers and removes its files before the test's process exits.
 */
static void __attribute__((noreturn)) finish_failed(void);
#define TEST_FAIL_PREFIX "  %s: "
#define TEST_FAIL_EXIT() finish_failed()
#include "user/testlib.h"

int main(int argc, char *argv[]);

/* ================= limits, statuses and sizes ================= */

#define EXEC_FAILED   97       /* exit status of a child whose exec() returned */
#define MIB           (1024 * 1024)
#define PAGES_PER_MIB (MIB / PGSIZE)
#define MAX_SCRATCH   16       /* files a test may ask to have removed if it fails */
#define BUF_SIZE      (8 * 1024)
#define NO_SUCH_PID   1000000  /* far beyond any pid a test run hands out */
#define HUGE_SBRK     0x7fffffff
#define LONG_PAUSE    1000000  /* ticks: only a kill ends it */
#define BLOCK_TICKS   100      /* how long a child may take to block where we sent it */

/* bits 39..63 of an address: a careless page-table walk ignores them */
#define ABOVE_SV39    0xffffff8000000000UL
#define SV39_ALIAS    (1UL << 39)

/* Scratch space for tests. The user stack is a single page, so big buffers live here. */
static char buf[BUF_SIZE];
static char buf2[BUF_SIZE];

/* ================= reporting and cleaning up after a failure ================= */

static int test_pid;                     /* the test's own process, not its children */
static int victims[NPROC];               /* processes to kill if the test fails */
static int nvictims;
static const char *scratch[MAX_SCRATCH]; /* paths to remove if the test fails */
static int nscratch;
static void (*cleanup_hook)(void);       /* extra clean-up for tests with many files */

static void __attribute__((noreturn))
finish_failed(void)
{
  if (getpid() == test_pid) {
    for (int i = 0; i < nvictims; i++)
      kill(victims[i]);
    chdir("/");
    if (cleanup_hook)
      cleanup_hook();
    for (int i = nscratch - 1; i >= 0; i--)   /* newest first: files before their directory */
      unlink(scratch[i]);
  }
  exit(1);
}

/* FAIL (user/testlib.h) reports "what we did = what we saw, want what we expected". */

static void
expect_eq(int seen, int want, const char *what)
{
  if (seen != want)
    FAIL("%s = %d, want %d", what, seen, want);
}

static void
expect_ok(int seen, const char *what)
{
  if (seen < 0)
    FAIL("%s = %d, want success", what, seen);
}

static void
remember_path(const char *path)
{
  if (nscratch < MAX_SCRATCH)
    scratch[nscratch++] = path;
}

static void
remember_victim(int pid)
{
  if (nvictims < NPROC)
    victims[nvictims++] = pid;
}

/* ================= processes ================= */

static int
fork_checked(void)
{
  int pid = fork();
  if (pid < 0)
    FAIL("fork() = %d, want a pid", pid);
  return pid;
}

/* A child that runs body(arg) and exits 0 if body returns. */
static int
spawn(void (*body)(uint64), uint64 arg)
{
  int pid = fork_checked();
  if (pid == 0) {
    body(arg);
    exit(0);
  }
  return pid;
}

/* ================= memory ================= */

static uint64
current_break(void)
{
  return (uint64)sbrk(0);
}

/* n fresh pages at the top of the heap; the break ends right after them. */
static char *
heap_pages(int n)
{
  uint64 old = current_break();
  if (sbrk(PGROUNDUP(old) - old) == SBRK_ERROR)
    FAIL("sbrk() to align the break failed");
  char *p = sbrk(n * PGSIZE);
  if (p == SBRK_ERROR)
    FAIL("sbrk(%d pages) failed, want the old break", n);
  return p;
}

/* sbrk(n) must return want, the break before the call; what names the step in a failure. */
static void
expect_sbrk(int n, char *want, const char *what)
{
  char *r = sbrk(n);
  if (r != want)
    FAIL("%s: sbrk(%d) = %p, want %p", what, n, r, want);
}

static uchar
pattern_byte(uint64 i)
{
  return (uchar)(i * 31 + (i >> 8) + 7);
}

static void
fill_pattern(char *dst, int n, uint64 start)
{
  for (int i = 0; i < n; i++)
    dst[i] = pattern_byte(start + i);
}

/* Offset of the first byte that breaks the pattern, or -1. */
static int
pattern_mismatch(const char *p, int n, uint64 start)
{
  for (int i = 0; i < n; i++)
    if ((uchar)p[i] != pattern_byte(start + i))
      return i;
  return -1;
}

static void
expect_pattern(const char *p, int n, uint64 start, const char *what)
{
  int at = pattern_mismatch(p, n, start);
  if (at >= 0)
    FAIL("%s: byte %d is 0x%x, want 0x%x", what, at, (uchar)p[at], pattern_byte(start + at));
}

static volatile char sink_byte;

static void
load_from(uint64 va)
{
  sink_byte = *(volatile char *)va;
}

static void
store_to(uint64 va)
{
  *(volatile char *)va = 1;
}

/* A fatal thing for a child to do, and how the kernel's console line names it. */
struct fatal {
  void (*body)(uint64 arg);
  const char *cause;      /* as in the kernel's "usertrap: pid N (name) killed: CAUSE ..." */
  int arg_is_va;          /* the line also says "at va ARG" */
};

#define RISCV_RET 0x00008067U   /* jalr x0, 0(ra) */

/* Call va as a function: data there must not run (a RISCV_RET would just come back). */
static void
run_data(uint64 va)
{
  void (*fn)(void) = (void (*)(void))va;
  fn();
}

static const struct fatal LOAD = { load_from, "load page fault", 1 };
static const struct fatal STORE = { store_to, "store page fault", 1 };
static const struct fatal RUN_DATA = { run_data, "instruction page fault", 1 };

/*
 * Reap pid, a child that ran how->body(arg), which the kernel must have
 * killed. An exit status of -1 alone could be the child's own exit(-1), so we
 * also print the kill we expect; the test harness (tests/test_usertests.py)
 * finds the kernel's console line for the same pid, cause and address, or fails.
 */
static void
confirm_killed(int pid, const struct fatal *how, uint64 arg, const char *what)
{
  int status = reap(pid);
  if (status != KILLED)
    FAIL("%s: child's exit status %d, want -1 (killed by the kernel)", what, status);
  if (how->arg_is_va)
    printf("expect kill: pid %d: %s at va %p\n", pid, how->cause, (void *)arg);
  else
    printf("expect kill: pid %d: %s\n", pid, how->cause);
}

/* Run how->body(arg) in a child, which the kernel must kill (see confirm_killed). */
static void
expect_killed(const struct fatal *how, uint64 arg, const char *what)
{
  confirm_killed(spawn(how->body, arg), how, arg, what);
}

/* Grow the heap until sbrk fails, a MiB and then a page at a time; bytes taken. */
static int
eat_all_memory(void)
{
  int taken = 0;
  while (sbrk(MIB) != SBRK_ERROR)
    taken += MIB;
  while (sbrk(PGSIZE) != SBRK_ERROR)
    taken += PGSIZE;
  return taken;
}

/* ================= files ================= */

static int
open_checked(const char *path, int mode)
{
  int fd = open(path, mode);
  if (fd < 0)
    FAIL("open(\"%s\", 0x%x) = %d, want a file descriptor", path, mode, fd);
  return fd;
}

static void
write_checked(int fd, const void *data, int n)
{
  int r = write(fd, data, n);
  if (r != n)
    FAIL("write(fd %d, %d bytes) = %d, want %d", fd, n, r, n);
}

static void
read_checked(int fd, void *dst, int n)
{
  int r = read(fd, dst, n);
  if (r != n)
    FAIL("read(fd %d, %d bytes) = %d, want %d", fd, n, r, n);
}

/* Create (or truncate) path holding n bytes of data; it is removed if the test fails. */
static void
make_file(const char *path, const void *data, int n)
{
  remember_path(path);
  int fd = open_checked(path, O_CREATE | O_WRONLY | O_TRUNC);
  write_checked(fd, data, n);
  close(fd);
}

static void
make_dir(const char *path)
{
  remember_path(path);
  if (mkdir(path) < 0)
    FAIL("mkdir(\"%s\") failed, want success", path);
}

static void
remove_path(const char *path)
{
  if (unlink(path) < 0)
    FAIL("unlink(\"%s\") failed, want success", path);
}

static struct stat
stat_checked(const char *path)
{
  struct stat st;
  if (stat(path, &st) < 0)
    FAIL("stat(\"%s\") failed, want success", path);
  return st;
}

static struct stat
fstat_checked(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    FAIL("fstat(fd %d) failed, want success", fd);
  return st;
}

static struct fsstat
fsstat_checked(void)
{
  struct fsstat fs;
  if (fsstat(&fs) < 0)
    FAIL("fsstat() failed, want success");
  return fs;
}

static void
expect_absent(const char *path)
{
  int fd = open(path, O_RDONLY);
  if (fd >= 0)
    FAIL("open(\"%s\") = %d, want -1: the file should not exist", path, fd);
}

/* prefix followed by the decimal digits of n, in dst. */
static char *
numbered(char *dst, const char *prefix, int n)
{
  char digits[12];
  int len = 0;
  strcpy(dst, prefix);
  do {
    digits[len++] = '0' + n % 10;
    n /= 10;
  } while (n > 0);
  char *p = dst + strlen(dst);
  while (len > 0)
    *p++ = digits[--len];
  *p = '\0';
  return dst;
}

/* ================= bad addresses ================= */

#define BAD_LOAD   1   /* the kernel must refuse to read from it */
#define BAD_STORE  2   /* the kernel must refuse to write to it */
#define BAD_BOTH   (BAD_LOAD | BAD_STORE)
#define BAD_LEN    16  /* bytes we ask the kernel to move */
#define MAX_BAD    16

struct bad_addr {
  const char *label;
  uint64 va;
  int how;
};

#define ALIAS_TEXT "reachable only by its own address"

static char alias_target[] = ALIAS_TEXT;

/* The addresses a syscall must reject for the given direction; their count. */
static int
bad_addresses(int how, struct bad_addr *out)
{
  uint64 brk = PGROUNDUP(current_break());
  struct bad_addr all[] = {
    { "null (text)", 0, BAD_STORE },
    { "program text", (uint64)main, BAD_STORE },
    { "KERNBASE", KERNBASE, BAD_BOTH },
    { "KERNBASE + 1 MiB", KERNBASE + MIB, BAD_BOTH },
    { "last byte of RAM", PHYSTOP - 1, BAD_BOTH },
    { "TRAPFRAME", TRAPFRAME, BAD_BOTH },
    { "TRAMPOLINE", TRAMPOLINE, BAD_BOTH },
    { "MAXVA - 1", MAXVA - 1, BAD_BOTH },
    { "MAXVA", MAXVA, BAD_BOTH },
    { "all ones", ~0UL, BAD_BOTH },
    { "stack guard page", guard_page(), BAD_BOTH },
    { "the break", brk, BAD_BOTH },
    { "break + 1 MiB", brk + MIB, BAD_BOTH },
    { "data + 2^39", (uint64)alias_target + SV39_ALIAS, BAD_BOTH },
    { "data, sign-extended", (uint64)alias_target | ABOVE_SV39, BAD_BOTH },
  };
  int n = 0;
  for (int i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i].how & how)
      out[n++] = all[i];
  return n;
}

static struct bad_addr bad[MAX_BAD];

static void
expect_alias_target_intact(void)
{
  if (strcmp(alias_target, ALIAS_TEXT) != 0)
    FAIL("a write through an aliasing address changed our data to \"%s\"", alias_target);
}

/* ================= tests: bad pointers ================= */

static void
read_bad_buffers(void)
{
  fill_pattern(buf, BAD_LEN, 0);
  make_file("ut_rb", buf, BAD_LEN);
  int n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    int fd = open_checked("ut_rb", O_RDONLY);
    int r = read(fd, (void *)bad[i].va, BAD_LEN);
    close(fd);
    if (r != -1)
      FAIL("read(file, %s %p, %d) = %d, want -1", bad[i].label, (void *)bad[i].va, BAD_LEN, r);
  }
  expect_alias_target_intact();
  remove_path("ut_rb");
}

static void
read_into_text_unchanged(void)
{
  char *text = (char *)main;
  memmove(buf2, text, BAD_LEN);
  for (int i = 0; i < BAD_LEN; i++)
    buf[i] = ~buf2[i];
  make_file("ut_rt", buf, BAD_LEN);
  int fd = open_checked("ut_rt", O_RDONLY);
  int r = read(fd, text, BAD_LEN);
  close(fd);
  expect_eq(r, -1, "read(file, address of main, 16)");
  if (memcmp(text, buf2, BAD_LEN) != 0)
    FAIL("read() into program text changed the text");
  remove_path("ut_rt");
}

static void
write_bad_buffers(void)
{
  int n = bad_addresses(BAD_LOAD, bad);
  for (int i = 0; i < n; i++) {
    remember_path("ut_wb");
    int fd = open_checked("ut_wb", O_CREATE | O_WRONLY | O_TRUNC);
    int r = write(fd, (void *)bad[i].va, BAD_LEN);
    close(fd);
    if (r != -1)
      FAIL("write(file, %s %p, %d) = %d, want -1", bad[i].label, (void *)bad[i].va, BAD_LEN, r);
  }
  expect_eq(stat_checked("ut_wb").size, 0, "size of a file only written from bad addresses");
  remove_path("ut_wb");
}

static void
pipe_bad_buffers(void)
{
  int fds[2];
  int n = bad_addresses(BAD_LOAD, bad);
  for (int i = 0; i < n; i++) {
    make_pipe(fds);
    int r = write(fds[1], (void *)bad[i].va, BAD_LEN);
    close(fds[0]);
    close(fds[1]);
    if (r != -1)
      FAIL("write(pipe, %s %p, %d) = %d, want -1", bad[i].label, (void *)bad[i].va, BAD_LEN, r);
  }
  n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    make_pipe(fds);
    write_checked(fds[1], buf, BAD_LEN);
    int r = read(fds[0], (void *)bad[i].va, BAD_LEN);
    if (r != -1)
      FAIL("read(pipe, %s %p, %d) = %d, want -1", bad[i].label, (void *)bad[i].va, BAD_LEN, r);
    /* the failed read took nothing: the next one gets every byte */
    memset(buf2, 0, BAD_LEN);
    read_checked(fds[0], buf2, BAD_LEN);
    if (memcmp(buf2, buf, BAD_LEN) != 0)
      FAIL("the bytes after a failed read(pipe, %s) differ from those written", bad[i].label);
    close(fds[0]);
    close(fds[1]);
  }
  expect_alias_target_intact();
}

/*
 * A read whose buffer runs off the end of the heap gets the bytes that fit
 * before the unmapped page; the rest stay in the pipe for the next read.
 */
static void
pipe_read_partly_bad_buffer(void)
{
  const char *data = "0123456789abcdef";
  int len = strlen(data), fit = len / 2;
  char *edge = (char *)PGROUNDUP(current_break()) - fit;
  int fds[2];
  make_pipe(fds);
  write_checked(fds[1], data, len);
  expect_eq(read(fds[0], edge, len), fit, "read(pipe) into a buffer with half its bytes mapped");
  if (memcmp(edge, data, fit) != 0)
    FAIL("the first %d bytes read are not the first %d written", fit, fit);
  memset(buf, 0, len);
  read_checked(fds[0], buf, len - fit);
  if (memcmp(buf, data + fit, len - fit) != 0)
    FAIL("the bytes left in the pipe are not the last %d written", len - fit);
  close(fds[0]);
  close(fds[1]);
}

static void
console_bad_buffers(void)
{
  int n = bad_addresses(BAD_LOAD, bad);
  for (int i = 0; i < n; i++) {
    int r = write(1, (void *)bad[i].va, BAD_LEN);
    if (r != -1)
      FAIL("write(console, %s %p, %d) = %d, want -1", bad[i].label, (void *)bad[i].va, BAD_LEN, r);
  }
}

/* The lowest free descriptor: what the next open() or pipe() would return. */
static int
lowest_free_fd(void)
{
  int fd = dup(0);
  if (fd < 0)
    FAIL("dup(0) failed");
  close(fd);
  return fd;
}

static void
pipe_bad_array(void)
{
  int n = bad_addresses(BAD_STORE, bad);
  int free_fd = lowest_free_fd();
  for (int i = 0; i < n; i++) {
    int r = pipe((int *)bad[i].va);
    if (r != -1)
      FAIL("pipe(%s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
    if (lowest_free_fd() != free_fd)
      FAIL("pipe(%s) failed but left descriptor %d open", bad[i].label, free_fd);
  }
  expect_alias_target_intact();
}

static void
fstat_bad_buffer(void)
{
  int n = bad_addresses(BAD_STORE, bad);
  int fd = open_checked("/", O_RDONLY);
  for (int i = 0; i < n; i++) {
    int r = fstat(fd, (struct stat *)bad[i].va);
    if (r != -1)
      FAIL("fstat(fd, %s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
  }
  close(fd);
  expect_alias_target_intact();
}

/*
 * wait() with a status pointer it cannot write returns -1 and reaps nothing:
 * the child is still there for the next wait(), with its status.
 */
static void
wait_bad_status(void)
{
  int n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    if (bad[i].va == 0)
      continue;            /* wait(0) legitimately means "status not wanted" */
    int pid = fork_checked();
    if (pid == 0)
      exit(7);
    int r = wait((int *)bad[i].va);
    if (r != -1)
      FAIL("wait(%s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
    int status = 0;
    expect_eq(wait(&status), pid, "wait() for the child after a failed wait()");
    expect_eq(status, 7, "the child's exit status after a failed wait()");
  }
  expect_eq(wait(0), -1, "wait(0) with no children left");
  expect_alias_target_intact();
}

static void
vmstat_bad_buffer(void)
{
  int n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    int r = vmstat(0, (struct vmstat *)bad[i].va);
    if (r != -1)
      FAIL("vmstat(0, %s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
    r = vmstat(getpid(), (struct vmstat *)bad[i].va);
    if (r != -1)
      FAIL("vmstat(getpid(), %s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
  }
  expect_alias_target_intact();
}

static void
vmstat_bad_pid(void)
{
  struct vmstat st;
  expect_eq(vmstat(-1, &st), -1, "vmstat(-1, &st)");
  expect_eq(vmstat(NO_SUCH_PID, &st), -1, "vmstat(no such pid, &st)");
}

static void
fsstat_bad_buffer(void)
{
  int n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    int r = fsstat((struct fsstat *)bad[i].va);
    if (r != -1)
      FAIL("fsstat(%s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
  }
  expect_alias_target_intact();
}

/* Calls one path-taking syscall with every unreadable path pointer. */
static void
reject_bad_paths(const char *call, int (*attempt)(const char *path))
{
  int n = bad_addresses(BAD_LOAD, bad);
  for (int i = 0; i < n; i++) {
    int r = attempt((const char *)bad[i].va);
    if (r != -1)
      FAIL("%s with path = %s %p returned %d, want -1", call, bad[i].label, (void *)bad[i].va, r);
  }
}

static int try_open(const char *path) { return open(path, O_RDONLY); }
static int try_create(const char *path) { return open(path, O_CREATE | O_RDWR); }
static int try_mkdir(const char *path) { return mkdir(path); }
static int try_chdir(const char *path) { return chdir(path); }
static int try_unlink(const char *path) { return unlink(path); }
static int try_mknod(const char *path) { return mknod(path, 1, 1); }
static int try_link_from(const char *path) { return link(path, "ut_lnk"); }
static int try_link_to(const char *path) { return link("ut_lsrc", path); }

static char *echo_argv[] = { "echo", "hi", 0 };
static int try_exec(const char *path) { return exec(path, echo_argv); }

static void open_bad_path(void) { reject_bad_paths("open", try_open); reject_bad_paths("open O_CREATE", try_create); }
static void mkdir_bad_path(void) { reject_bad_paths("mkdir", try_mkdir); }
static void chdir_bad_path(void) { reject_bad_paths("chdir", try_chdir); }
static void unlink_bad_path(void) { reject_bad_paths("unlink", try_unlink); }
static void mknod_bad_path(void) { reject_bad_paths("mknod", try_mknod); }
static void exec_bad_path(void) { reject_bad_paths("exec", try_exec); }

static void
link_bad_paths(void)
{
  make_file("ut_lsrc", "x", 1);
  reject_bad_paths("link(path, \"ut_lnk\")", try_link_from);
  reject_bad_paths("link(\"ut_lsrc\", path)", try_link_to);
  expect_absent("ut_lnk");
  expect_eq(stat_checked("ut_lsrc").nlink, 1, "nlink of ut_lsrc after failed links");
  remove_path("ut_lsrc");
}

static void
exec_bad_argv(void)
{
  static char *args[3];
  int n = bad_addresses(BAD_LOAD, bad);
  for (int i = 0; i < n; i++) {
    int r = exec("/echo", (char **)bad[i].va);
    if (r != -1)
      FAIL("exec(\"/echo\", argv = %s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
    args[0] = "echo";
    args[1] = (char *)bad[i].va;
    args[2] = 0;
    r = exec("/echo", args);
    if (r != -1)
      FAIL("exec(\"/echo\", argv[1] = %s %p) = %d, want -1", bad[i].label, (void *)bad[i].va, r);
  }
}

/* An argv array with no terminating 0 before the end of our memory. */
static void
exec_unterminated_argv(void)
{
  enum { ENTRIES = 4 };
  char *end = heap_pages(1) + PGSIZE;
  char **argv = (char **)(end - ENTRIES * sizeof(char *));
  for (int i = 0; i < ENTRIES; i++)
    argv[i] = "echo";
  expect_eq(exec("/echo", argv), -1, "exec with an argv running into unmapped memory");
}

/* ================= tests: bad file descriptors ================= */

#define NBAD_FDS 6

static int bad_fds[NBAD_FDS];

static void
collect_bad_fds(void)
{
  int closed = open_checked("/", O_RDONLY);
  close(closed);
  bad_fds[0] = -1;
  bad_fds[1] = NOFILE;
  bad_fds[2] = 1000;
  bad_fds[3] = closed;
  bad_fds[4] = NOFILE - 1;     /* in range but never opened */
  bad_fds[5] = -NO_SUCH_PID;
}

/* Calls one descriptor-taking syscall with every bad descriptor. */
static void
reject_bad_fds(const char *call, int (*attempt)(int fd))
{
  collect_bad_fds();
  for (int i = 0; i < NBAD_FDS; i++) {
    int r = attempt(bad_fds[i]);
    if (r != -1)
      FAIL("%s(bad fd %d) = %d, want -1", call, bad_fds[i], r);
  }
}

static int try_read(int fd) { return read(fd, buf, 1); }
static int try_write(int fd) { return write(fd, "x", 1); }
static int try_close(int fd) { return close(fd); }
static int try_dup(int fd) { return dup(fd); }

static int
try_fstat(int fd)
{
  struct stat st;
  return fstat(fd, &st);
}

static void read_bad_fds(void) { reject_bad_fds("read", try_read); }
static void write_bad_fds(void) { reject_bad_fds("write", try_write); }
static void close_bad_fds(void) { reject_bad_fds("close", try_close); }
static void fstat_bad_fds(void) { reject_bad_fds("fstat", try_fstat); }
static void dup_bad_fds(void) { reject_bad_fds("dup", try_dup); }

static void
fd_modes_enforced(void)
{
  make_file("ut_mode", "abc", 3);
  int fd = open_checked("ut_mode", O_RDONLY);
  expect_eq(write(fd, "x", 1), -1, "write() to an O_RDONLY descriptor");
  close(fd);
  fd = open_checked("ut_mode", O_WRONLY);
  expect_eq(read(fd, buf, 1), -1, "read() from an O_WRONLY descriptor");
  close(fd);
  remove_path("ut_mode");
}

static void
fd_table_full(void)
{
  static int fds[NOFILE];
  int first = lowest_free_fd();
  int n = 0;
  for (;;) {
    int fd = open("/", O_RDONLY);
    if (fd < 0)
      break;
    if (n == NOFILE)
      FAIL("opened more than NOFILE (%d) descriptors", NOFILE);
    fds[n++] = fd;
  }
  expect_eq(n, NOFILE - first, "descriptors opened until open() failed");
  expect_eq(dup(0), -1, "dup() with a full descriptor table");
  int p[2];
  expect_eq(pipe(p), -1, "pipe() with a full descriptor table");
  for (int i = 0; i < n; i++)
    close(fds[i]);
  expect_eq(lowest_free_fd(), first, "lowest free descriptor after closing them all");
}

/* ================= tests: path and argument lengths ================= */

#define LONG_PATH 200

static char long_path[LONG_PATH + 1];

static void
fill_long_path(int len)
{
  memset(long_path, 'x', len);
  long_path[len] = '\0';
}

/* Each path-taking call, by the name a failure reports. */
static const struct {
  const char *call;
  int (*attempt)(const char *path);
} path_calls[] = {
  { "open(O_CREATE)", try_create },
  { "mkdir", try_mkdir },
  { "chdir", try_chdir },
  { "unlink", try_unlink },
  { "mknod", try_mknod },
  { "link(\"ut_lsrc\", path)", try_link_to },
  { "link(path, \"ut_lnk\")", try_link_from },
  { "exec", try_exec },
};

static void
overlong_paths(void)
{
  static const int lengths[] = { MAXPATH, LONG_PATH };
  make_file("ut_lsrc", "x", 1);
  for (int i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
    fill_long_path(lengths[i]);
    for (int k = 0; k < sizeof(path_calls) / sizeof(path_calls[0]); k++) {
      int r = path_calls[k].attempt(long_path);
      if (r != -1)
        FAIL("%s with a %d-byte path = %d, want -1", path_calls[k].call, lengths[i], r);
    }
  }
  /* nothing may have been created under a name cut down to DIRSIZ */
  fill_long_path(DIRSIZ);
  expect_absent(long_path);
  expect_absent("ut_lnk");
  remove_path("ut_lsrc");
}

/* "./././.../NAME" padded with slashes to exactly len bytes. */
static void
padded_path(char *dst, const char *name, int len)
{
  int pad = len - strlen(name);
  int i = 0;
  for (; i + 2 <= pad; i += 2) {
    dst[i] = '.';
    dst[i + 1] = '/';
  }
  for (; i < pad; i++)
    dst[i] = '/';
  strcpy(dst + pad, name);
}

static void
longest_path_accepted(void)
{
  make_file("ut_pmax", "ok", 2);
  padded_path(long_path, "ut_pmax", MAXPATH - 1);
  int fd = open(long_path, O_RDONLY);
  if (fd < 0)
    FAIL("open() of a %d-byte path (MAXPATH - 1) = %d, want success", (int)strlen(long_path), fd);
  close(fd);
  padded_path(long_path, "ut_pmax", MAXPATH);
  fd = open(long_path, O_RDONLY);
  if (fd != -1)
    FAIL("open() of a %d-byte path (MAXPATH) = %d, want -1", (int)strlen(long_path), fd);
  remove_path("ut_pmax");
}

#define MANY_ARGS   MAXARG         /* argv entries, the program name included: the limit */
#define LONG_ARG    1000

static char *arg_list[MAXARG + 2];

/* Reads fd until end of file or until max bytes are in out; how many arrived. */
static int
read_until_eof(int fd, char *out, int max)
{
  int len = 0;
  int r;
  while (len < max && (r = read(fd, out + len, max - len)) > 0)
    len += r;
  return len;
}

/*
 * Runs path with argv, its standard output into a pipe; collects up to max
 * bytes of output into out. Returns the child's exit status.
 */
static int
run_captured(const char *path, char **argv, char *out, int max, int *outlen)
{
  int fds[2];
  make_pipe(fds);
  int pid = fork_checked();
  if (pid == 0) {
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    exec(path, argv);
    exit(EXEC_FAILED);
  }
  close(fds[1]);
  *outlen = read_until_eof(fds[0], out, max);
  close(fds[0]);
  return reap(pid);
}

static void
expect_output(const char *what, int status, const char *out, int len, const char *want)
{
  if (status != 0)
    FAIL("%s: exit status %d, want 0", what, status);
  if (len != strlen(want) || memcmp(out, want, len) != 0)
    FAIL("%s: printed %d bytes, want %d (\"%s\"...)", what, len, (int)strlen(want), want);
}

static void
exec_many_args(void)
{
  static char words[MANY_ARGS][4];
  char *expected = buf2;
  expected[0] = '\0';
  arg_list[0] = "echo";
  for (int i = 1; i < MANY_ARGS; i++) {
    numbered(words[i], "a", i);
    arg_list[i] = words[i];
    strcpy(expected + strlen(expected), words[i]);
    strcpy(expected + strlen(expected), i + 1 < MANY_ARGS ? " " : "\n");
  }
  arg_list[MANY_ARGS] = 0;
  int len;
  int status = run_captured("/echo", arg_list, buf, BUF_SIZE, &len);
  expect_output("echo with MAXARG arguments", status, buf, len, expected);
}

static void
exec_long_arg(void)
{
  char *arg = buf2;
  memset(arg, 'y', LONG_ARG);
  arg[LONG_ARG] = '\0';
  arg_list[0] = "echo";
  arg_list[1] = arg;
  arg_list[2] = 0;
  int len;
  int status = run_captured("/echo", arg_list, buf, BUF_SIZE, &len);
  arg[LONG_ARG] = '\n';
  arg[LONG_ARG + 1] = '\0';
  expect_output("echo with a 1000-byte argument", status, buf, len, arg);
}

static void
exec_too_many_args(void)
{
  for (int i = 0; i < MAXARG + 1; i++)
    arg_list[i] = "z";
  arg_list[MAXARG + 1] = 0;
  expect_eq(exec("/echo", arg_list), -1, "exec with MAXARG + 1 arguments");
}

static void
exec_arg_too_long(void)
{
  char *arg = heap_pages(2);
  memset(arg, 'w', PGSIZE);
  arg[PGSIZE] = '\0';
  arg_list[0] = "echo";
  arg_list[1] = arg;
  arg_list[2] = 0;
  expect_eq(exec("/echo", arg_list), -1, "exec with a PGSIZE-byte argument");
}

/* Each argument is fine on its own, but together they cannot fit the stack. */
static void
exec_args_overflow_stack(void)
{
  int count = USERSTACK * PGSIZE / LONG_ARG + 2;
  char *arg = buf2;
  memset(arg, 'v', LONG_ARG);
  arg[LONG_ARG] = '\0';
  arg_list[0] = "echo";
  for (int i = 1; i <= count; i++)
    arg_list[i] = arg;
  arg_list[count + 1] = 0;
  expect_eq(exec("/echo", arg_list), -1, "exec with arguments larger than the user stack");
}

static void
exec_missing_file(void)
{
  expect_eq(exec("/no-such-program", echo_argv), -1, "exec(\"/no-such-program\")");
  expect_eq(exec("", echo_argv), -1, "exec(\"\")");
  expect_eq(exec("/", echo_argv), -1, "exec(\"/\") (a directory)");
}

/* ================= tests: copies at page boundaries ================= */

#define EDGE_LEN 100

/*
 * A copy that runs from mapped into unmapped memory must not go past the
 * mapped part. -1 is the expected answer; a kernel that moves data in chunks
 * may instead report the short count it did move, never more than the mapped
 * bytes, and when nothing at all was mapped, only -1 will do.
 */
static void
expect_failed_or_short(int r, int mapped, const char *what)
{
  if (r == -1)
    return;
  if (mapped == 0 || r < 0 || r > mapped)
    FAIL("%s = %d, want -1 (or a short count of at most the %d mapped bytes)", what, r, mapped);
}

/* What write() just stored in fd's file must be the first n bytes at src. */
static void
expect_file_prefix(const char *path, const char *src, int n)
{
  int fd = open_checked(path, O_RDONLY);
  int got = read(fd, buf2, BUF_SIZE);
  close(fd);
  if (got != n || memcmp(buf2, src, n) != 0)
    FAIL("%s holds %d bytes after a short write, want the %d bytes that were mapped", path, got, n);
}

static void
copy_to_page_end(void)
{
  char *end = heap_pages(2) + 2 * PGSIZE;
  fill_pattern(buf, EDGE_LEN, 0);
  make_file("ut_edge", buf, EDGE_LEN);
  int fd = open_checked("ut_edge", O_RDONLY);
  expect_eq(read(fd, end - EDGE_LEN, EDGE_LEN), EDGE_LEN, "read() into the last bytes of the heap");
  close(fd);
  expect_pattern(end - EDGE_LEN, EDGE_LEN, 0, "data read into the end of the heap");
  remove_path("ut_edge");
}

static void
copy_from_page_end(void)
{
  char *end = heap_pages(2) + 2 * PGSIZE;
  fill_pattern(end - EDGE_LEN, EDGE_LEN, 0);
  make_file("ut_edge", end - EDGE_LEN, EDGE_LEN);
  int fd = open_checked("ut_edge", O_RDONLY);
  read_checked(fd, buf, EDGE_LEN);
  close(fd);
  expect_pattern(buf, EDGE_LEN, 0, "file written from the end of the heap");
  remove_path("ut_edge");
}

static void
copy_across_pages(void)
{
  char *mid = heap_pages(2) + PGSIZE - EDGE_LEN / 2;
  fill_pattern(buf, EDGE_LEN, 0);
  make_file("ut_edge", buf, EDGE_LEN);
  int fd = open_checked("ut_edge", O_RDONLY);
  expect_eq(read(fd, mid, EDGE_LEN), EDGE_LEN, "read() into a buffer straddling two pages");
  close(fd);
  expect_pattern(mid, EDGE_LEN, 0, "data read across a page boundary");
  fill_pattern(mid, EDGE_LEN, 1000);
  make_file("ut_edge", mid, EDGE_LEN);
  fd = open_checked("ut_edge", O_RDONLY);
  read_checked(fd, buf, EDGE_LEN);
  close(fd);
  expect_pattern(buf, EDGE_LEN, 1000, "file written from a buffer straddling two pages");
  remove_path("ut_edge");
}

static void
copy_into_unmapped(void)
{
  char *end = heap_pages(2) + 2 * PGSIZE;
  fill_pattern(buf, EDGE_LEN, 0);
  make_file("ut_edge", buf, EDGE_LEN);
  int fd = open_checked("ut_edge", O_RDONLY);
  int r = read(fd, end - EDGE_LEN / 2, EDGE_LEN);
  close(fd);
  expect_failed_or_short(r, EDGE_LEN / 2, "read() into a buffer running past the break");
  remove_path("ut_edge");
}

static void
copy_from_unmapped(void)
{
  char *end = heap_pages(2) + 2 * PGSIZE;
  fill_pattern(end - PGSIZE, PGSIZE, 0);
  remember_path("ut_edge");
  int fd = open_checked("ut_edge", O_CREATE | O_WRONLY | O_TRUNC);
  int r = write(fd, end - EDGE_LEN / 2, EDGE_LEN);
  close(fd);
  expect_failed_or_short(r, EDGE_LEN / 2, "write() from a buffer running past the break");
  expect_file_prefix("ut_edge", end - EDGE_LEN / 2, r < 0 ? 0 : r);
  fd = open_checked("ut_edge", O_CREATE | O_WRONLY | O_TRUNC);
  r = write(fd, end - PGSIZE, 3 * PGSIZE);
  close(fd);
  expect_failed_or_short(r, PGSIZE, "write() of 3 pages from the last heap page");
  expect_file_prefix("ut_edge", end - PGSIZE, r < 0 ? 0 : r);
  remove_path("ut_edge");
}

/* Reading into [guard - 50, guard + 50): the kernel must stop at the guard page. */
static void
copy_into_guard(void)
{
  char *guard = (char *)guard_page();
  char *start = guard - EDGE_LEN / 2;
  /* if the kernel writes the first half before failing, it writes what is already there */
  memmove(buf, start, EDGE_LEN / 2);
  fill_pattern(buf + EDGE_LEN / 2, EDGE_LEN / 2, 0);
  make_file("ut_edge", buf, EDGE_LEN);
  int fd = open_checked("ut_edge", O_RDONLY);
  int r = read(fd, start, EDGE_LEN);
  close(fd);
  expect_failed_or_short(r, EDGE_LEN / 2, "read() into a buffer running into the stack guard page");
  remove_path("ut_edge");
}

static void
copy_from_guard(void)
{
  char *guard = (char *)guard_page();
  remember_path("ut_edge");
  int fd = open_checked("ut_edge", O_CREATE | O_WRONLY | O_TRUNC);
  int r = write(fd, guard - EDGE_LEN / 2, EDGE_LEN);
  expect_failed_or_short(r, EDGE_LEN / 2, "write() from data running into the guard page");
  r = write(fd, guard + PGSIZE - EDGE_LEN / 2, EDGE_LEN);
  expect_failed_or_short(r, 0, "write() from the guard page into the stack");
  close(fd);
  remove_path("ut_edge");
}

static void
path_at_page_end(void)
{
  static const char name[] = "ut_pend";
  char *end = heap_pages(2) + 2 * PGSIZE;
  make_file(name, "e", 1);
  char *path = end - sizeof(name);     /* its NUL is the last mapped byte */
  strcpy(path, name);
  int fd = open(path, O_RDONLY);
  expect_ok(fd, "open() of a path ending on the last mapped byte");
  close(fd);
  remove_path(name);
}

static void
path_across_pages(void)
{
  static const char name[] = "ut_pacr";
  char *path = heap_pages(2) + PGSIZE - 3;
  make_file(name, "a", 1);
  strcpy(path, name);
  int fd = open(path, O_RDONLY);
  expect_ok(fd, "open() of a path straddling two pages");
  close(fd);
  remove_path(name);
}

static void
path_unterminated(void)
{
  enum { TAIL = 20 };
  char *end = heap_pages(1) + PGSIZE;
  memset(end - TAIL, 'u', TAIL);
  expect_eq(open(end - TAIL, O_RDONLY), -1, "open() of a path with no NUL before the break");
  expect_eq(open(end - TAIL, O_CREATE | O_RDWR), -1, "open(O_CREATE) of a path with no NUL before the break");
  /* nothing was created under the name cut down to DIRSIZ either */
  memset(buf, 'u', DIRSIZ);
  buf[DIRSIZ] = '\0';
  expect_absent(buf);
}

/* ================= tests: sbrk ================= */

#define GROW_PAGES 16

static void
sbrk_returns_old_break(void)
{
  char *a = sbrk(0);
  expect_sbrk(0, a, "a second look at the break");
  expect_sbrk(100, a, "growing by 100 bytes");
  expect_sbrk(0, a + 100, "the break after growing");
  a[0] = 1;
  a[99] = 2;
  expect_sbrk(-100, a + 100, "giving the 100 bytes back");
}

static void
sbrk_grow_shrink_regrow(void)
{
  int bytes = GROW_PAGES * PGSIZE;
  char *p = heap_pages(GROW_PAGES);
  memset(p, 0xab, bytes);
  expect_sbrk(-bytes, p + bytes, "shrinking");
  expect_sbrk(bytes, p, "regrowing");
  for (int i = 0; i < bytes; i++)
    if (p[i] != 0)
      FAIL("regrown heap byte %d is 0x%x, want 0 (fresh memory)", i, (uchar)p[i]);
}

static void
sbrk_huge_fails(void)
{
  uint64 before = current_break();
  char *r = sbrk(HUGE_SBRK);
  if (r != SBRK_ERROR)
    FAIL("sbrk(0x%x) = %p, want SBRK_ERROR", HUGE_SBRK, r);
  if (current_break() != before)
    FAIL("break moved from %p to %p by a failed sbrk", (void *)before, sbrk(0));
}

#define BYSTANDER_ROUNDS  20
#define CHILD_TRIES       200   /* eager one-page sbrks a child makes, one of which must fail */
#define CHILD_COUNTDOWN   40    /* more than fork itself allocates */

/* A process forked before failalloc was armed: every allocation it makes must work. */
static void
bystander(int go_fd)
{
  char c;
  if (read(go_fd, &c, 1) != 1)
    exit(1);
  for (int round = 0; round < BYSTANDER_ROUNDS; round++) {
    char *p = sbrk(4 * PGSIZE);
    if (p == SBRK_ERROR)
      exit(2);
    for (int i = 0; i < 4; i++)
      p[i * PGSIZE] = 1;
    int fds[2];
    int pid = fork();
    if (pid < 0)
      exit(3);
    if (pid == 0) {
      p[0] = 2;                              /* a copy-on-write copy */
      exit(0);
    }
    int status = -1;
    if (wait(&status) != pid || status != 0 || pipe(fds) < 0)
      exit(4);
    close(fds[0]);
    close(fds[1]);
    sbrk(-4 * PGSIZE);
  }
  exit(0);
}

/*
 * failalloc counts only the allocations of the process that armed it and of
 * the children it forks afterwards: a process forked before (standing in
 * for any unrelated program) allocates freely while the armed one fails on
 * schedule. With one global countdown, the bystander's first allocation
 * took the failure.
 */
static void
failalloc_is_per_process(void)
{
  int go[2];
  make_pipe(go);
  int pid = fork();
  if (pid == 0)
    bystander(go[0]);
  claim_image_pages();                       /* no copy-on-write copy of ours may take the failure */
  failalloc(1);
  write(go[1], "g", 1);
  int status = -1;
  if (wait(&status) != pid || status != 0)
    FAIL("a process forked before failalloc(1) was armed failed (status %d): another's countdown reached it",
         status);
  if (sbrk(PGSIZE) != SBRK_ERROR)
    FAIL("the armed process's own next allocation did not fail");
  if (failalloc(0) != 0)
    FAIL("the countdown did not fire in the process that armed it");

  failalloc(CHILD_COUNTDOWN);                /* now children forked from here count too */
  pid = fork();
  if (pid == 0) {
    for (int i = 0; i < CHILD_TRIES; i++)
      if (sbrk(PGSIZE) == SBRK_ERROR)
        exit(0);
    exit(1);
  }
  if (pid < 0 || wait(&status) != pid || status != 0)
    FAIL("a child forked after failalloc(%d) never saw its failure (fork %d, status %d)",
         CHILD_COUNTDOWN, pid, status);
  failalloc(0);
  close(go[0]);
  close(go[1]);
}

/* Make system call num (all 64 bits of a7) with no arguments; what comes back in a0. */
static uint64
raw_syscall(uint64 num)
{
  register uint64 a0 asm("a0") = 0;
  register uint64 a7 asm("a7") = num;
  asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
  return a0;
}

/*
 * A number with high bits set is unknown, whatever its low 32 bits say (here
 * getpid's). The console line names the whole number: tests/test_boot.py
 * checks it.
 */
static void
syscall_number_all_bits(void)
{
  uint64 num = (1UL << 32) | SYS_getpid;
  uint64 r = raw_syscall(num);
  if (r != (uint64)-1)
    FAIL("system call 0x%lx returned %ld, want -1 (it is not getpid, %d)", num, (long)r, getpid());
}

/*
 * As on xv6 2025: sbrk computes the new break unsigned, so a decrement
 * larger than the break wraps, leaves the break where it was and returns
 * it (not SBRK_ERROR); eager and lazy alike.
 */
static void
sbrk_shrink_past_zero_wraps(void)
{
  uint64 before = current_break();
  const int shrinks[] = { -(int)before - 1, -(int)before - PGSIZE, -HUGE_SBRK - 1 };
  for (int i = 0; i < sizeof(shrinks) / sizeof(shrinks[0]); i++) {
    int n = shrinks[i];
    char *eager = sbrk(n), *lazy = sys_sbrk(n, SBRK_LAZY);
    if (eager != (char *)before || lazy != (char *)before)
      FAIL("sbrk(%d) = %p, sys_sbrk(%d, SBRK_LAZY) = %p, want the break %p (xv6 wraps)",
           n, eager, n, lazy, (void *)before);
    if (current_break() != before)
      FAIL("break moved from %p to %p by sbrk(%d)", (void *)before, sbrk(0), n);
  }
}

/*
 * The child gives back its heap, stack page and one byte more (as xv6
 * allows), checks the break from registers only, then loads from where its
 * stack was: the kernel kills it there. Nothing here may touch the stack.
 */
static void
shrink_below_heap_then_load(uint64 stack_byte)
{
  uint64 before = current_break();
  uint64 want = heap_start - PGSIZE - 1;
  /* sys_sbrk is the bare system-call stub: sbrk() is a C function that keeps its return address on the stack. */
  if (sys_sbrk(want - before, SBRK_EAGER) != (char *)before || sys_sbrk(0, SBRK_EAGER) != (char *)want)
    exit(2);
  (void)*(volatile char *)stack_byte;
  exit(3);
}

static const struct fatal SHRINK_BELOW_HEAP = { shrink_below_heap_then_load, "load page fault", 1 };

/* A shrink below the heap's start succeeds as on xv6 and takes the stack with it. */
static void
sbrk_shrink_below_heap(void)
{
  expect_killed(&SHRINK_BELOW_HEAP, heap_start - 8, "load from a stack given back by sbrk");
}

static void
sbrk_exhaust_recovers(void)
{
  claim_image_pages();
  uint64 start = current_break();
  int taken = 0;
  while (sbrk(MIB) != SBRK_ERROR)
    taken += MIB;
  if (taken < MIB)
    FAIL("could not allocate even 1 MiB");
  /* a failed sbrk changes nothing */
  expect_sbrk(0, (char *)(start + taken), "the break after a failed sbrk(1 MiB)");
  expect_sbrk(-taken, (char *)(start + taken), "giving back all that was taken");
  char *again = sbrk(MIB);
  if (again == SBRK_ERROR)
    FAIL("sbrk(1 MiB) after freeing everything failed");
  sbrk(-MIB);
  int pid = fork_checked();
  if (pid == 0)
    exit(0);
  expect_eq(reap(pid), 0, "exit status of a child forked after running out of memory");
}

static void
sbrk_limit_faults(void)
{
  uint64 brk = PGROUNDUP(current_break());
  expect_killed(&LOAD, brk, "load from the break");
  expect_killed(&STORE, brk, "store to the break");
  expect_killed(&STORE, brk + 10 * PGSIZE, "store to 10 pages beyond the break");
}

static void
sbrk_shrink_unmaps(void)
{
  char *p = heap_pages(4);
  memset(p, 1, 4 * PGSIZE);
  sbrk(-4 * PGSIZE);
  expect_killed(&LOAD, (uint64)p, "load from memory given back with sbrk(-n)");
  expect_killed(&STORE, (uint64)p + 3 * PGSIZE, "store to memory given back with sbrk(-n)");
}

static void
sbrklazy_rw(void)
{
  int bytes = GROW_PAGES * PGSIZE;
  uint64 old = PGROUNDUP(current_break());
  sbrk(old - current_break());
  char *p = sbrklazy(bytes);
  if (p == SBRK_ERROR || (uint64)p != old)
    FAIL("sbrklazy(%d) = %p, want the old break %p", bytes, p, (void *)old);
  for (int i = 0; i < GROW_PAGES; i += 2)
    if (p[i * PGSIZE + 123] != 0)
      FAIL("lazy page %d: byte 123 is 0x%x, want 0", i, (uchar)p[i * PGSIZE + 123]);
  for (int i = 0; i < GROW_PAGES; i++)
    fill_pattern(p + i * PGSIZE, 64, i);
  for (int i = 0; i < GROW_PAGES; i++)
    expect_pattern(p + i * PGSIZE, 64, i, "lazily allocated memory");
  expect_sbrk(-bytes, p + bytes, "giving back lazily allocated memory");
  expect_killed(&LOAD, (uint64)p, "load from lazily allocated memory after giving it back");
}

static void
sbrklazy_syscalls(void)
{
  uint64 old = PGROUNDUP(current_break());
  sbrk(old - current_break());
  char *p = sbrklazy(2 * PGSIZE);
  if (p == SBRK_ERROR)
    FAIL("sbrklazy(2 pages) failed");
  /* the kernel reads an untouched lazy page (zeros) and writes another */
  make_file("ut_lazy", p, PGSIZE);
  int fd = open_checked("ut_lazy", O_RDONLY);
  read_checked(fd, buf, PGSIZE);
  close(fd);
  for (int i = 0; i < PGSIZE; i++)
    if (buf[i] != 0)
      FAIL("file written from an untouched lazy page has byte %d = 0x%x, want 0", i, (uchar)buf[i]);
  fill_pattern(buf, PGSIZE, 5);
  make_file("ut_lazy", buf, PGSIZE);
  fd = open_checked("ut_lazy", O_RDONLY);
  read_checked(fd, p + PGSIZE, PGSIZE);
  close(fd);
  expect_pattern(p + PGSIZE, PGSIZE, 5, "read() into an untouched lazy page");
  remove_path("ut_lazy");
  sbrk(-2 * PGSIZE);
}

/* ================= tests: demand paging (lazy sbrk) ================= */

#define GIB              (1 << 30)
#define PTES_PER_TABLE   ((int)(PGSIZE / sizeof(uint64)))   /* a leaf table maps 2 MiB */

/*
 * Page-table pages that mapping n consecutive pages may add: a leaf table
 * per PTES_PER_TABLE pages, plus one each where the range starts and ends
 * partway into a table, plus a middle-level table where it crosses a 1 GiB
 * boundary (n is at most 1 GiB here). The top-level table always exists.
 */
static int
table_pages_for(int npages)
{
  return npages / PTES_PER_TABLE + 2 + 1;
}

/*
 * n pages of lazy heap, starting at a page boundary. sbrklazy() must move the
 * break and nothing else, so not one free page may go: a kernel that serves
 * lazy growth eagerly fails every lazy test here, naming what is missing.
 */
static char *
lazy_pages(int n)
{
  uint64 old = current_break();
  uint64 want = PGROUNDUP(old);
  if (sbrk(want - old) == SBRK_ERROR)
    FAIL("sbrk() to align the break failed");
  freepages();                 /* from here our stack page is our own: vmstat() wrote to it */
  int before = freepages();
  char *p = sbrklazy(n * PGSIZE);
  int after = freepages();
  if ((uint64)p != want)
    FAIL("sbrklazy(%d pages) = %p, want the old break %p", n, p, (void *)want);
  if (after != before)
    FAIL("sbrklazy(%d pages) took %d free pages, want 0: lazy growth allocates nothing",
         n, before - after);
  return p;
}

static struct vmstat
my_vmstat(void)
{
  struct vmstat st;
  if (vmstat(getpid(), &st) < 0)
    FAIL("vmstat(getpid()) failed, want our counters");
  return st;
}

static void
expect_growth(const char *counter, uint64 before, uint64 after, int want, const char *when)
{
  if ((long)(after - before) != want)
    FAIL("%s: %s grew by %d, want %d", when, counter, (int)(after - before), want);
}

/*
 * Our fill counters moved by zero_fills and page_fills since *snap, and the
 * copy-on-write counters by cow_faults faults and no copies; *snap becomes
 * the new reading. Tests that use it call claim_image_pages() first, so that
 * their own stack and data cause no copy-on-write faults of their own.
 */
static void
expect_fills(struct vmstat *snap, int zero_fills, int page_fills, int cow_faults, const char *when)
{
  struct vmstat now = my_vmstat();
  expect_growth("zero_fills", snap->zero_fills, now.zero_fills, zero_fills, when);
  expect_growth("page_fills", snap->page_fills, now.page_fills, page_fills, when);
  expect_growth("cow_faults", snap->cow_faults, now.cow_faults, cow_faults, when);
  expect_growth("cow_copies", snap->cow_copies, now.cow_copies, 0, when);
  *snap = now;
}

/* Offset of the first byte of p[0..n) that is not zero, or -1. */
static int
first_nonzero(const char *p, int n)
{
  for (int i = 0; i < n; i++)
    if (p[i] != 0)
      return i;
  return -1;
}

static void
expect_zeros(const char *p, int n, const char *what)
{
  int at = first_nonzero(p, n);
  if (at >= 0)
    FAIL("%s: byte %d (at %p) is 0x%x, want 0", what, at, p + at, (uchar)p[at]);
}

#define HUGE_LAZY_PAGES  (GIB / PGSIZE)      /* 1 GiB: eight times the machine's RAM */
#define HUGE_TOUCHES     4096                /* pages of it we write, spread evenly */
#define HUGE_STRIDE      (HUGE_LAZY_PAGES / HUGE_TOUCHES)
#define HUGE_TAG         0x1a2e000000000000UL

/* The word that touch k of the huge heap at p writes: its page, at an offset that varies. */
static volatile uint64 *
huge_word(char *p, int k)
{
  uint64 page = (uint64)k * HUGE_STRIDE;
  return (volatile uint64 *)(p + page * PGSIZE + (k % PTES_PER_TABLE) * sizeof(uint64));
}

/* A heap eight times the size of RAM works as long as what is touched fits. */
static void
lazy_heap_over_ram(void)
{
  claim_image_pages();
  char *p = lazy_pages(HUGE_LAZY_PAGES);
  int free_start = freepages();
  for (int k = 0; k < HUGE_TOUCHES; k++)
    *huge_word(p, k) = HUGE_TAG + k;
  p[GIB - 1] = 0x5c;
  int data = HUGE_TOUCHES + 1;
  int used = free_start - freepages();
  if (used < data || used > data + table_pages_for(HUGE_LAZY_PAGES))
    FAIL("writing %d pages of a 1 GiB lazy heap took %d free pages, want %d data pages "
         "plus at most %d page-table pages", data, used, data, table_pages_for(HUGE_LAZY_PAGES));
  for (int k = 0; k < HUGE_TOUCHES; k++) {
    uint64 seen = *huge_word(p, k);
    if (seen != HUGE_TAG + k)
      FAIL("page %d of the 1 GiB lazy heap holds %p, want %p", k * HUGE_STRIDE,
           (void *)seen, (void *)(HUGE_TAG + k));
    char *between = p + ((uint64)k * HUGE_STRIDE + HUGE_STRIDE / 2) * PGSIZE;
    if (*(volatile char *)between != 0)
      FAIL("untouched page %d of the 1 GiB lazy heap reads 0x%x, want 0",
           k * HUGE_STRIDE + HUGE_STRIDE / 2, (uchar)*between);
  }
  if (p[GIB - 1] != 0x5c)
    FAIL("the last byte of the 1 GiB lazy heap is 0x%x, want 0x5c", (uchar)p[GIB - 1]);
  /* sbrk(-n) gives back every page the heap took: its data pages and its page tables */
  expect_sbrk(-GIB, p + GIB, "giving the 1 GiB lazy heap back");
  expect_sbrk(0, p, "the break after giving the 1 GiB lazy heap back");
  int free_end = freepages();
  if (free_end != free_start)
    FAIL("%d free pages after giving the 1 GiB lazy heap back, want %d as before it was touched "
         "(%d data pages and %d page-table pages were taken)", free_end, free_start, data, used - data);
}

#define ZERO_READ_PAGES  (32 * PAGES_PER_MIB)   /* 32 MiB: a quarter of RAM */
#define ZERO_CHECK_EVERY 64                     /* pages between whole-page checks */

/* Reading lazy pages maps the one zero page: page tables are all it may cost. */
static void
lazy_read_maps_zero_page(void)
{
  claim_image_pages();
  char *p = lazy_pages(ZERO_READ_PAGES);
  struct vmstat system_before, system_after;
  if (vmstat(0, &system_before) < 0)
    FAIL("vmstat(0) failed");
  struct vmstat mine = my_vmstat();
  int free_before = freepages();
  for (int i = 0; i < ZERO_READ_PAGES; i++) {
    int off = (i % PTES_PER_TABLE) * sizeof(uint64);
    uint64 seen = *(volatile uint64 *)(p + (uint64)i * PGSIZE + off);
    if (seen != 0)
      FAIL("lazy page %d read %p at offset %d, want 0", i, (void *)seen, off);
  }
  int used = free_before - freepages();
  if (used > table_pages_for(ZERO_READ_PAGES))
    FAIL("reading a word of each of %d lazy pages took %d free pages, want at most %d "
         "(page tables only: every page maps the same zero page)",
         ZERO_READ_PAGES, used, table_pages_for(ZERO_READ_PAGES));
  for (int i = 0; i < ZERO_READ_PAGES; i += ZERO_CHECK_EVERY)
    expect_zeros(p + (uint64)i * PGSIZE, PGSIZE, "a zero-mapped lazy page");
  expect_zeros(p + (uint64)(ZERO_READ_PAGES - 1) * PGSIZE, PGSIZE, "the last zero-mapped lazy page");
  expect_fills(&mine, ZERO_READ_PAGES, 0, 0, "after reading every lazy page");
  if (vmstat(0, &system_after) < 0)
    FAIL("vmstat(0) failed");
  if (system_after.zero_fills - system_before.zero_fills < ZERO_READ_PAGES)
    FAIL("system-wide zero_fills grew by %d, want at least our %d",
         (int)(system_after.zero_fills - system_before.zero_fills), ZERO_READ_PAGES);
  expect_sbrk(-ZERO_READ_PAGES * PGSIZE, p + (uint64)ZERO_READ_PAGES * PGSIZE,
              "giving back the zero-mapped pages");
}

#define WAR_OFFSET 100
#define WAR_BYTE   0x5a

/* A read maps the zero page; the write after it gets a fresh page, and only then. */
static void
lazy_write_after_read(void)
{
  claim_image_pages();
  char *p = lazy_pages(4);
  char *page = p + PGSIZE;
  struct vmstat st = my_vmstat();
  if (page[WAR_OFFSET] != 0)
    FAIL("first read of a lazy page gave 0x%x, want 0", (uchar)page[WAR_OFFSET]);
  expect_fills(&st, 1, 0, 0, "after reading lazy page 1");
  int free_before = freepages();
  page[WAR_OFFSET] = WAR_BYTE;
  expect_eq(free_before - freepages(), 1, "free pages taken by the first write to a zero-mapped page");
  /* a write to the zero page is a copy-on-write fault, but filled with zeros, not copied */
  expect_fills(&st, 0, 1, 1, "after writing the zero-mapped page");
  if (page[WAR_OFFSET] != WAR_BYTE)
    FAIL("written byte reads 0x%x, want 0x%x", (uchar)page[WAR_OFFSET], WAR_BYTE);
  expect_zeros(page, WAR_OFFSET, "the written page before the byte");
  expect_zeros(page + WAR_OFFSET + 1, PGSIZE - WAR_OFFSET - 1, "the written page after the byte");
  expect_zeros(p, PGSIZE, "lazy page 0, next to the written one");
  expect_zeros(p + 2 * PGSIZE, PGSIZE, "lazy page 2, next to the written one");
  expect_fills(&st, 2, 0, 0, "after reading the neighbours");
  /* a first write with no read before it: a fresh page, no copy-on-write fault */
  free_before = freepages();
  p[3 * PGSIZE + WAR_OFFSET] = WAR_BYTE;
  expect_eq(free_before - freepages(), 1, "free pages taken by the first write to an untouched lazy page");
  expect_fills(&st, 0, 1, 0, "after writing untouched lazy page 3");
  expect_zeros(p + 3 * PGSIZE, WAR_OFFSET, "the page filled by a write, before the byte");
  if (page[WAR_OFFSET] != WAR_BYTE)
    FAIL("page 1's byte reads 0x%x after more faults, want 0x%x", (uchar)page[WAR_OFFSET], WAR_BYTE);
  expect_sbrk(-4 * PGSIZE, p + 4 * PGSIZE, "giving the lazy pages back");
}

#define LAZY_IO_BYTES (2 * PGSIZE)    /* from the middle of one page to the middle of the third */

/* read() into untouched lazy pages fills them; write() from untouched ones sends zeros. */
static void
lazy_file_buffers(void)
{
  claim_image_pages();
  fill_pattern(buf, LAZY_IO_BYTES, 11);
  make_file("ut_lzf", buf, LAZY_IO_BYTES);
  char *p = lazy_pages(8);
  char *dst = p + PGSIZE / 2;
  struct vmstat st = my_vmstat();
  int fd = open_checked("ut_lzf", O_RDONLY);
  expect_eq(read(fd, dst, LAZY_IO_BYTES), LAZY_IO_BYTES, "read() of a file into 3 untouched lazy pages");
  close(fd);
  expect_fills(&st, 0, 3, 0, "after read() into 3 untouched lazy pages");
  expect_pattern(dst, LAZY_IO_BYTES, 11, "file data read into lazy pages");
  expect_zeros(p, PGSIZE / 2, "the filled page before the data");
  expect_zeros(dst + LAZY_IO_BYTES, PGSIZE / 2, "the filled page after the data");
  expect_fills(&st, 0, 0, 0, "after reading the filled pages back");

  char *src = p + 4 * PGSIZE + PGSIZE / 2;
  fd = open_checked("ut_lzf", O_WRONLY | O_TRUNC);
  expect_eq(write(fd, src, LAZY_IO_BYTES), LAZY_IO_BYTES, "write() to a file from 3 untouched lazy pages");
  close(fd);
  expect_fills(&st, 3, 0, 0, "after write() from 3 untouched lazy pages");
  memset(buf, 0x77, LAZY_IO_BYTES);
  fd = open_checked("ut_lzf", O_RDONLY);
  read_checked(fd, buf, LAZY_IO_BYTES);
  expect_eq(read(fd, buf2, 1), 0, "read() past the data written from lazy pages");
  close(fd);
  expect_zeros(buf, LAZY_IO_BYTES, "file written from untouched lazy pages");
  remove_path("ut_lzf");
}

#define LAZY_PIPE_BYTES 200   /* fits a pipe's buffer, so no write blocks */

/* A pipe's write() and read() fill lazy pages like any other copy between kernel and user. */
static void
lazy_pipe_buffers(void)
{
  int fds[2];
  claim_image_pages();
  make_pipe(fds);
  char *p = lazy_pages(4);
  struct vmstat st = my_vmstat();
  write_checked(fds[1], p + 10, LAZY_PIPE_BYTES);
  expect_fills(&st, 1, 0, 0, "after write() to a pipe from an untouched lazy page");
  memset(buf, 0x33, LAZY_PIPE_BYTES);
  read_checked(fds[0], buf, LAZY_PIPE_BYTES);
  expect_zeros(buf, LAZY_PIPE_BYTES, "bytes sent through a pipe from an untouched lazy page");

  fill_pattern(buf, LAZY_PIPE_BYTES, 21);
  write_checked(fds[1], buf, LAZY_PIPE_BYTES);
  char *dst = p + 2 * PGSIZE - LAZY_PIPE_BYTES / 2;
  read_checked(fds[0], dst, LAZY_PIPE_BYTES);
  expect_fills(&st, 0, 2, 0, "after read() from a pipe into two untouched lazy pages");
  expect_pattern(dst, LAZY_PIPE_BYTES, 21, "bytes read from a pipe into lazy pages");
  expect_zeros(p + PGSIZE, PGSIZE - LAZY_PIPE_BYTES / 2, "the filled page before the pipe's bytes");
  /* a pipe write from the zero-mapped page again, and from page 3, untouched */
  write_checked(fds[1], p + PGSIZE - 8, 16);
  write_checked(fds[1], p + 3 * PGSIZE, 16);
  expect_fills(&st, 1, 0, 0, "after write() from a zero-mapped page and an untouched one");
  read_checked(fds[0], buf, 32);
  expect_zeros(buf, 32, "bytes sent from zero-mapped and untouched lazy pages");
  close(fds[0]);
  close(fds[1]);
}

/* open() of paths held in lazy memory, one ending where an untouched page begins. */
static void
lazy_path_strings(void)
{
  static const char name[] = "ut_lzpath";
  int len = sizeof(name) - 1;
  char c = 0;
  claim_image_pages();
  make_file(name, "L", 1);
  char *p = lazy_pages(3);
  strcpy(p + 100, name);
  int fd = open(p + 100, O_RDONLY);
  expect_ok(fd, "open() of a path we wrote into a lazy page");
  read_checked(fd, &c, 1);
  close(fd);
  if (c != 'L')
    FAIL("file opened by a path in lazy memory holds 0x%x, want 'L'", (uchar)c);
  /* the path's last byte ends page 0; the kernel finds its NUL in untouched page 1 */
  struct vmstat st = my_vmstat();
  char *path = p + PGSIZE - len;
  memmove(path, name, len);
  fd = open(path, O_RDONLY);
  expect_ok(fd, "open() of a path whose NUL is the first byte of an untouched lazy page");
  close(fd);
  expect_fills(&st, 1, 0, 0, "after open() read the untouched page after the path");
  /* created by a path across pages 1 (zero-mapped) and 2 (untouched), which we write */
  static const char made[] = "ut_lzmade";
  path = p + 2 * PGSIZE - 4;
  strcpy(path, made);
  remember_path(made);
  fd = open(path, O_CREATE | O_WRONLY);
  expect_ok(fd, "open(O_CREATE) of a path across two lazy pages");
  close(fd);
  remove_path(made);
  remove_path(name);
}

/*
 * exec() reads its path, argv array and strings from lazy memory in the
 * forked child: argv's terminating 0 is the first word of a page nobody
 * touched, and its last argument an empty string in another one.
 */
static void
lazy_exec_args(void)
{
  char *p = lazy_pages(4);
  char *path = p;
  char *name = p + 16;
  char *word = p + 32;
  strcpy(path, "/echo");
  strcpy(name, "echo");
  strcpy(word, "lazy");
  char **argv = (char **)(p + 2 * PGSIZE) - 3;
  argv[0] = name;
  argv[1] = word;
  argv[2] = p + 3 * PGSIZE + 64;   /* untouched: reads as "" */
  int len;
  int status = run_captured(path, argv, buf, BUF_SIZE, &len);
  expect_output("echo run with its path and argv in lazy memory", status, buf, len, "lazy \n");
}

static int shrink_bytes;   /* how much a SHRINK_* child gives back before touching */

static void
shrink_then_load(uint64 va)
{
  if (sbrk(-shrink_bytes) == SBRK_ERROR)
    FAIL("child: sbrk(-%d) failed", shrink_bytes);
  load_from(va);
}

static void
shrink_then_store(uint64 va)
{
  if (sbrk(-shrink_bytes) == SBRK_ERROR)
    FAIL("child: sbrk(-%d) failed", shrink_bytes);
  store_to(va);
}

static const struct fatal SHRINK_LOAD = { shrink_then_load, "load page fault", 1 };
static const struct fatal SHRINK_STORE = { shrink_then_store, "store page fault", 1 };

#define SHRINK_PAGES 8
#define SHRINK_TAG   0x6b

/*
 * A forked child gives back a lazy heap holding zero-mapped, written and
 * untouched pages; then any access to the old range kills it. Its parent's
 * heap is not affected.
 */
static void
lazy_shrink_in_child_killed(void)
{
  char *p = lazy_pages(SHRINK_PAGES);
  sink_byte = p[0];                       /* page 0 zero-mapped */
  p[PGSIZE] = SHRINK_TAG;                 /* page 1 written; 2..7 untouched */
  shrink_bytes = SHRINK_PAGES * PGSIZE;
  expect_killed(&SHRINK_LOAD, (uint64)p, "load from a zero-mapped page the child gave back");
  expect_killed(&SHRINK_STORE, (uint64)p, "store to a zero-mapped page the child gave back");
  expect_killed(&SHRINK_LOAD, (uint64)p + PGSIZE, "load from a written page the child gave back");
  expect_killed(&SHRINK_LOAD, (uint64)p + 4 * PGSIZE, "load from an untouched page the child gave back");
  expect_killed(&SHRINK_STORE, (uint64)p + SHRINK_PAGES * PGSIZE - 1,
                "store to the last untouched byte the child gave back");
  if (p[0] != 0 || p[PGSIZE] != SHRINK_TAG || p[7 * PGSIZE] != 0)
    FAIL("parent's heap after the children shrank theirs: 0x%x 0x%x 0x%x, want 0 0x%x 0",
         (uchar)p[0], (uchar)p[PGSIZE], (uchar)p[7 * PGSIZE], SHRINK_TAG);
}

/* With a lazy heap below it, the break, the guard page and beyond stay out of bounds. */
static void
lazy_limits_hold(void)
{
  char *p = lazy_pages(4);
  uint64 brk = (uint64)p + 4 * PGSIZE;
  expect_killed(&LOAD, brk, "load from the break above a lazy heap");
  expect_killed(&STORE, brk, "store to the break above a lazy heap");
  expect_killed(&LOAD, brk + MIB, "load 1 MiB above a lazy heap's break");
  expect_killed(&LOAD, guard_page(), "load from the guard page below a lazy heap");
  expect_killed(&STORE, guard_page() + PGSIZE - 1, "store to the guard page below a lazy heap");
  /* heap pages never run, whether untouched, zero-mapped or written */
  expect_killed(&RUN_DATA, (uint64)p, "jump into an untouched lazy page");
  sink_byte = p[PGSIZE];
  expect_killed(&RUN_DATA, (uint64)p + PGSIZE, "jump into a zero-mapped lazy page");
  *(uint *)(p + 2 * PGSIZE) = RISCV_RET;
  expect_killed(&RUN_DATA, (uint64)p + 2 * PGSIZE, "jump into a written lazy page");
  fill_pattern(buf, BAD_LEN, 0);
  make_file("ut_lzlim", buf, BAD_LEN);
  int n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    int fd = open_checked("ut_lzlim", O_RDONLY);
    int r = read(fd, (void *)bad[i].va, BAD_LEN);
    close(fd);
    if (r != -1)
      FAIL("read(file, %s %p) with a lazy heap = %d, want -1", bad[i].label, (void *)bad[i].va, r);
  }
  n = bad_addresses(BAD_LOAD, bad);
  for (int i = 0; i < n; i++) {
    int fd = open_checked("ut_lzlim", O_WRONLY);
    int r = write(fd, (void *)bad[i].va, BAD_LEN);
    close(fd);
    if (r != -1)
      FAIL("write(file, %s %p) with a lazy heap = %d, want -1", bad[i].label, (void *)bad[i].va, r);
    r = open((const char *)bad[i].va, O_RDONLY);
    if (r != -1)
      FAIL("open(path = %s %p) with a lazy heap = %d, want -1", bad[i].label, (void *)bad[i].va, r);
  }
  /* a read running from the last lazy page over the break gets at most the lazy bytes */
  int fd = open_checked("ut_lzlim", O_RDONLY);
  int r = read(fd, (void *)(brk - BAD_LEN / 2), BAD_LEN);
  close(fd);
  expect_failed_or_short(r, BAD_LEN / 2, "read() into the last lazy bytes and over the break");
  expect_alias_target_intact();
  /* a lazy shrink past zero wraps, as on xv6: the break comes back unchanged */
  int past_zero = -(int)brk - PGSIZE;
  if (sbrklazy(past_zero) != (char *)brk)
    FAIL("sbrklazy(%d) past zero did not return the break %p", past_zero, (void *)brk);
  expect_sbrk(0, (char *)brk, "the break after a lazy shrink past zero");
  remove_path("ut_lzlim");
}

#define KIND_PAGES 4     /* pages of each kind */
#define KIND_TAG   0x4b
#define SHARED_TAG 0x53

static char *kind_eager;   /* KIND_PAGES written before a fork: shared */
static char *kind_lazy;    /* zero-mapped, then private, then untouched: KIND_PAGES each */

/* Page i of each kind holds what the parent put there: fails naming who looked. */
static void
expect_kind_page(int i, uchar shared, uchar zero, uchar mine, uchar lazy, const char *who)
{
  char *zero_page = kind_lazy + i * PGSIZE;
  char *mine_page = kind_lazy + (KIND_PAGES + i) * PGSIZE;
  char *lazy_page = kind_lazy + (2 * KIND_PAGES + i) * PGSIZE;
  if ((uchar)kind_eager[i * PGSIZE] != shared || (uchar)zero_page[0] != zero ||
      (uchar)mine_page[0] != mine || (uchar)lazy_page[PGSIZE - 1] != lazy)
    FAIL("%s: page %d of each kind reads shared 0x%x zero 0x%x private 0x%x lazy 0x%x, "
         "want 0x%x 0x%x 0x%x 0x%x", who, i, (uchar)kind_eager[i * PGSIZE], (uchar)zero_page[0],
         (uchar)mine_page[0], (uchar)lazy_page[PGSIZE - 1], shared, zero, mine, lazy);
}

static void
expect_kind_original(int i, const char *who)
{
  expect_kind_page(i, SHARED_TAG, 0, KIND_TAG, 0, who);
}

#define KIND_WRITTEN 1

/*
 * Write page i of each kind, the lazy one with no read before: a copy of a
 * shared page, a fill of a zero-mapped page, a copy of a page shared with
 * the parent, a fill of an untouched lazy page.
 */
static void
write_kind_page(int i, const char *who)
{
  kind_eager[i * PGSIZE] = KIND_WRITTEN;
  kind_lazy[i * PGSIZE] = KIND_WRITTEN;
  kind_lazy[(KIND_PAGES + i) * PGSIZE] = KIND_WRITTEN;
  kind_lazy[(2 * KIND_PAGES + i) * PGSIZE + PGSIZE - 1] = KIND_WRITTEN;
  expect_kind_page(i, KIND_WRITTEN, KIND_WRITTEN, KIND_WRITTEN, KIND_WRITTEN, who);
}

/* Forked by the child: page 1 it shares with the child as written, 2 is ours to write, 3 untouched. */
static void
every_kind_grandchild(uint64 unused)
{
  expect_kind_page(1, KIND_WRITTEN, KIND_WRITTEN, KIND_WRITTEN, KIND_WRITTEN, "grandchild, page 1");
  write_kind_page(2, "grandchild after writing page 2");
  expect_kind_original(3, "grandchild, page 3");
  expect_kind_original(0, "grandchild, page 0");
}

static void
every_kind_child(uint64 unused)
{
  write_kind_page(1, "child after writing page 1");
  expect_kind_original(0, "child, page 0");
  int pid = spawn(every_kind_grandchild, 0);
  expect_eq(reap(pid), 0, "grandchild's exit status");
  expect_kind_page(1, KIND_WRITTEN, KIND_WRITTEN, KIND_WRITTEN, KIND_WRITTEN, "child after the grandchild ran");
  expect_kind_original(2, "child after the grandchild wrote page 2");
}

/*
 * fork and exit with pages of every kind present: shared with another
 * process, zero-mapped, private and lazy. A child and a grandchild each write
 * a page of each kind and read others; once they are gone every page is back
 * on the free list and the parent's memory is as it was.
 */
static void
lazy_fork_every_kind(void)
{
  int gate[2];
  claim_image_pages();
  kind_eager = heap_pages(KIND_PAGES);
  memset(kind_eager, SHARED_TAG, KIND_PAGES * PGSIZE);
  kind_lazy = lazy_pages(3 * KIND_PAGES);
  for (int i = 0; i < KIND_PAGES; i++)
    sink_byte = kind_lazy[i * PGSIZE];
  make_pipe(gate);
  int holder = fork_checked();          /* shares kind_eager and the zero-mapped pages */
  if (holder == 0) {
    char c;
    close(gate[1]);
    read(gate[0], &c, 1);
    exit(0);
  }
  remember_victim(holder);
  close(gate[0]);
  memset(kind_lazy + KIND_PAGES * PGSIZE, KIND_TAG, KIND_PAGES * PGSIZE);
  int before = freepages();
  int pid = spawn(every_kind_child, 0);
  expect_eq(reap(pid), 0, "child's exit status");
  int after = freepages();
  if (after != before)
    FAIL("%d free pages once the child and grandchild were gone, want %d as before the fork",
         after, before);
  for (int i = 0; i < KIND_PAGES; i++)
    expect_kind_original(i, "parent after its child and grandchild wrote");
  close(gate[1]);
  expect_eq(reap(holder), 0, "exit status of the process holding the shared pages");
}

#define OOM_ROUNDS      5
#define OOM_AFTER_PAGES 16

static int oom_gate[2];

/*
 * Child: make our image pages our own while memory lasts, wait for the
 * parent's go, then write a byte to every page of a heap far larger than RAM.
 * The kernel must kill us when a fill finds no free page.
 */
static void
fill_lazy_until_killed(uint64 unused)
{
  char go = 0;
  claim_image_pages();
  close(oom_gate[1]);
  if (read(oom_gate[0], &go, 1) != 1)
    FAIL("child: no go from the parent");
  char *p = sbrklazy(GIB);
  if (p == SBRK_ERROR)
    FAIL("child: sbrklazy(1 GiB) failed");
  for (uint64 off = 0; off < GIB; off += PGSIZE)
    p[off] = go;
  FAIL("child: wrote a byte to every page of a 1 GiB lazy heap and was not killed");
}

static const struct fatal OOM_FILL = { fill_lazy_until_killed, "out of memory in page fill", 0 };

/* Running out of memory in a fill kills only the filler, loses no page, and can happen again. */
static void
lazy_fill_oom_killed(void)
{
  claim_image_pages();
  for (int round = 1; round <= OOM_ROUNDS; round++) {
    int before = freepages();
    make_pipe(oom_gate);
    int pid = spawn(OOM_FILL.body, 0);
    char go = 'g';                        /* this store makes our stack our own again */
    close(oom_gate[0]);
    write_checked(oom_gate[1], &go, 1);
    close(oom_gate[1]);
    confirm_killed(pid, &OOM_FILL, 0, "child writing every page of a 1 GiB lazy heap");
    int after = freepages();
    if (after != before)
      FAIL("round %d: %d free pages after the child was killed, want %d as before", round, after, before);
    char *q = sbrk(OOM_AFTER_PAGES * PGSIZE);
    if (q == SBRK_ERROR)
      FAIL("round %d: sbrk(%d pages) after the kill = SBRK_ERROR, want memory", round, OOM_AFTER_PAGES);
    fill_pattern(q, OOM_AFTER_PAGES * PGSIZE, round);
    expect_pattern(q, OOM_AFTER_PAGES * PGSIZE, round, "memory allocated after the kill");
    expect_sbrk(-OOM_AFTER_PAGES * PGSIZE, q + OOM_AFTER_PAGES * PGSIZE, "giving it back");
  }
}

#define MAX_GIB_STEPS 512    /* more than the 256 GiB below TRAPFRAME */
#define TOP_BYTE      0x7e
#define COST_ROUNDS   10     /* forks timed together */
#define TIME_PER_MS   10000  /* r_time() units: QEMU virt's timer runs at 10 MHz */
#define COST_SLACK_MS 1000   /* noise allowed on top of twice the baseline */

/*
 * Milliseconds that COST_ROUNDS rounds of fork, the child's exit and wait take,
 * as we are now. Timed with the time CSR, which runs on while the kernel works
 * with interrupts off (uptime()'s ticks may not).
 */
static int
fork_exit_ms(void)
{
  uint64 start = r_time();
  for (int i = 0; i < COST_ROUNDS; i++) {
    int pid = fork_checked();
    if (pid == 0)
      exit(0);
    expect_eq(reap(pid), 0, "exit status of a child that exits at once");
  }
  return (r_time() - start) / TIME_PER_MS;
}

/*
 * Lazy growth reaches up to TRAPFRAME and no further. With the break there,
 * the last page is ordinary heap and the trapframe is not. fork, exit and
 * the shrink back cost what is mapped, not the 2^26 pages below the break:
 * they must take about as long as with a small heap (a kernel that visits
 * every page takes seconds per fork here).
 */
static void
sbrklazy_up_to_trapframe(void)
{
  int fds[2];
  char *first = lazy_pages(1);
  uint64 start = (uint64)first;
  int base_ms = fork_exit_ms();
  int limit_ms = 2 * base_ms + COST_SLACK_MS;
  for (int steps = 0; sbrklazy(GIB) != SBRK_ERROR; steps++)
    if (steps == MAX_GIB_STEPS)
      FAIL("sbrklazy(1 GiB) succeeded %d times: the break %p is past TRAPFRAME %p",
           steps, sbrk(0), (void *)TRAPFRAME);
  uint64 top = current_break();
  if (top > TRAPFRAME || TRAPFRAME - top >= GIB)
    FAIL("sbrklazy(1 GiB) failed with the break at %p, want it less than 1 GiB below TRAPFRAME %p",
         (void *)top, (void *)TRAPFRAME);
  int rest = TRAPFRAME - top;
  char *r = sbrklazy(rest);
  if (r != (char *)top)
    FAIL("sbrklazy(%d) up to TRAPFRAME = %p, want the old break %p", rest, r, (void *)top);
  expect_sbrk(0, (char *)TRAPFRAME, "the break after growing up to TRAPFRAME");
  if (sbrklazy(1) != SBRK_ERROR || sbrklazy(PGSIZE) != SBRK_ERROR || sbrk(PGSIZE) != SBRK_ERROR)
    FAIL("growth past TRAPFRAME succeeded, want SBRK_ERROR");
  expect_sbrk(0, (char *)TRAPFRAME, "the break after failed growth past TRAPFRAME");

  char *last = (char *)TRAPFRAME - PGSIZE;
  last[PGSIZE - 1] = TOP_BYTE;
  if (last[0] != 0 || last[PGSIZE - 1] != TOP_BYTE)
    FAIL("the page below TRAPFRAME reads 0x%x ... 0x%x, want 0 ... 0x%x",
         (uchar)last[0], (uchar)last[PGSIZE - 1], TOP_BYTE);
  make_pipe(fds);
  write_checked(fds[1], last + PGSIZE - 1, 1);
  read_checked(fds[0], last, 1);
  if (last[0] != TOP_BYTE)
    FAIL("byte moved through a pipe within the page below TRAPFRAME is 0x%x, want 0x%x",
         (uchar)last[0], TOP_BYTE);
  expect_eq(write(fds[1], (void *)TRAPFRAME, 1), -1, "write() from TRAPFRAME with the break right below it");
  close(fds[0]);
  close(fds[1]);
  expect_killed(&LOAD, TRAPFRAME, "load from TRAPFRAME with the break right below it");
  int huge_ms = fork_exit_ms();
  if (huge_ms > limit_ms)
    FAIL("%d forks, exits and waits took %d ms with the break at TRAPFRAME, want at most %d ms "
         "(%d ms with a small heap): their cost must follow what is mapped",
         COST_ROUNDS, huge_ms, limit_ms, base_ms);
  /* back down, a GiB at a time */
  uint64 shrink_start = r_time();
  for (uint64 brk = TRAPFRAME; brk > start; brk = current_break()) {
    int n = brk - start > GIB ? GIB : brk - start;
    expect_sbrk(-n, (char *)brk, "shrinking from TRAPFRAME back to the start");
  }
  int shrink_ms = (r_time() - shrink_start) / TIME_PER_MS;
  if (shrink_ms > limit_ms)
    FAIL("shrinking from TRAPFRAME took %d ms, want at most %d ms: its cost must follow what is mapped",
         shrink_ms, limit_ms);
}

/* ================= tests: vmmap ================= */

#define MAX_RUNS     64
#define RUN_SENTINEL 0xab

static struct vmmap_run runs[MAX_RUNS];

static uint64
run_end(const struct vmmap_run *r)
{
  return r->start + r->npages * PGSIZE;
}

/* Our own map into runs[]; the number of runs. */
static int
own_map(void)
{
  int n = vmmap(getpid(), runs, MAX_RUNS);
  if (n < 1 || n > MAX_RUNS)
    FAIL("vmmap(getpid(), runs, %d) = %d, want between 1 and %d runs", MAX_RUNS, n, MAX_RUNS);
  return n;
}

/* The run of our map that holds va. */
static struct vmmap_run *
run_at(uint64 va)
{
  int n = own_map();
  for (int i = 0; i < n; i++)
    if (va >= runs[i].start && va < run_end(&runs[i]))
      return &runs[i];
  FAIL("no run of our map holds %p, want one (the map ends at %p)", (void *)va, (void *)run_end(&runs[n - 1]));
}

/* Our map has a run of exactly npages pages in state starting at start. */
static void
expect_run(uint64 start, int npages, uint32 state, const char *what)
{
  struct vmmap_run *r = run_at(start);
  if (r->start != start || r->npages != npages || r->state != state)
    FAIL("%s: the run holding %p is %d %s pages from %p, want %d %s pages starting there", what,
         (void *)start, (int)r->npages, vmmap_state_name(r->state), (void *)r->start, npages,
         vmmap_state_name(state));
}

/* Owner counts that fit the state: none for holes, two or more for what is shared. */
static int
owners_fit(const struct vmmap_run *r)
{
  switch (r->state) {
  case VMMAP_GUARD:
  case VMMAP_LAZY:
    return r->owners == 0;
  case VMMAP_TEXT:
  case VMMAP_PRIVATE:
    return r->owners >= 1;
  case VMMAP_SHARED:
  case VMMAP_ZERO:     /* the kernel's own reference to the zero page counts */
    return r->owners >= 2;
  default:
    return 0;
  }
}

/*
 * The n runs in runs[] cover 0 to the rounded-up break with no gap, text
 * first, exactly one guard page where ours is, and no lazy run below the
 * heap; each run is as long as it can be (its neighbours differ in state or
 * owners) and has an owner count that fits its state.
 */
static void
expect_map_shape(int n, const char *when)
{
  int guards = 0;
  if (runs[0].start != 0 || runs[0].state != VMMAP_TEXT)
    FAIL("%s: the map starts with a %s run at %p, want text at 0", when,
         vmmap_state_name(runs[0].state), (void *)runs[0].start);
  for (int i = 0; i < n; i++) {
    struct vmmap_run *r = &runs[i];
    if (r->npages == 0)
      FAIL("%s: run %d at %p has 0 pages", when, i, (void *)r->start);
    if (i > 0 && r->start != run_end(&runs[i - 1]))
      FAIL("%s: run %d starts at %p, want %p where run %d ends", when, i, (void *)r->start,
           (void *)run_end(&runs[i - 1]), i - 1);
    if (i > 0 && r->state == runs[i - 1].state && r->owners == runs[i - 1].owners)
      FAIL("%s: runs %d and %d are both %s with %d owners, want them as one run", when, i - 1, i,
           vmmap_state_name(r->state), (int)r->owners);
    if (!owners_fit(r))
      FAIL("%s: run %d at %p is %s (state %d) with %d owners", when, i, (void *)r->start,
           vmmap_state_name(r->state), (int)r->state, (int)r->owners);
    if (r->state == VMMAP_GUARD) {
      guards++;
      if (r->start != guard_page() || r->npages != 1)
        FAIL("%s: guard run of %d pages at %p, want 1 page at %p", when, (int)r->npages,
             (void *)r->start, (void *)guard_page());
    }
    if (r->state == VMMAP_LAZY && r->start < heap_start)
      FAIL("%s: lazy run at %p, below the heap's start %p", when, (void *)r->start, (void *)heap_start);
  }
  expect_eq(guards, 1, "guard runs in our map");
  if (run_end(&runs[n - 1]) != PGROUNDUP(current_break()))
    FAIL("%s: the map ends at %p, want the rounded-up break %p", when,
         (void *)run_end(&runs[n - 1]), (void *)PGROUNDUP(current_break()));
}

/* Our own map has the layout exec gave us, and follows the heap as it grows. */
static void
vmmap_own_layout(void)
{
  expect_map_shape(own_map(), "at the start");
  if (run_at((uint64)main)->state != VMMAP_TEXT)
    FAIL("main() at %p is in a %s run, want text", main, vmmap_state_name(run_at((uint64)main)->state));
  uint32 stack_state = run_at(stack_page)->state;
  if (stack_state != VMMAP_PRIVATE && stack_state != VMMAP_SHARED)
    FAIL("the stack page is in a %s run, want private or shared", vmmap_state_name(stack_state));
  char *eager = heap_pages(2);
  eager[0] = eager[PGSIZE] = 1;
  struct vmmap_run *r = run_at((uint64)eager);
  if (r->state != VMMAP_PRIVATE || run_end(r) != (uint64)eager + 2 * PGSIZE)
    FAIL("2 written heap pages at %p are in a %s run ending at %p, want private ending at %p",
         eager, vmmap_state_name(r->state), (void *)run_end(r), eager + 2 * PGSIZE);
  expect_map_shape(own_map(), "after 2 eager heap pages");
  char *lazy = lazy_pages(3);
  expect_run((uint64)lazy, 3, VMMAP_LAZY, "3 fresh lazy pages");
  expect_map_shape(own_map(), "after 3 lazy pages");
}

/* A lazy page turns zero when read, private when written; the map follows, page by page. */
static void
vmmap_lazy_states(void)
{
  char *p = lazy_pages(8);
  uint64 a = (uint64)p;
  expect_run(a, 8, VMMAP_LAZY, "8 untouched lazy pages");
  sink_byte = p[2 * PGSIZE];
  expect_run(a, 2, VMMAP_LAZY, "pages 0-1 after reading page 2");
  expect_run(a + 2 * PGSIZE, 1, VMMAP_ZERO, "page 2 after reading it");
  expect_run(a + 3 * PGSIZE, 5, VMMAP_LAZY, "pages 3-7 after reading page 2");
  p[5 * PGSIZE] = 1;
  expect_run(a + 3 * PGSIZE, 2, VMMAP_LAZY, "pages 3-4 after writing page 5");
  expect_run(a + 5 * PGSIZE, 1, VMMAP_PRIVATE, "page 5 after writing it");
  expect_run(a + 6 * PGSIZE, 2, VMMAP_LAZY, "pages 6-7 after writing page 5");
  sink_byte = p[3 * PGSIZE];
  sink_byte = p[4 * PGSIZE];
  expect_run(a + 2 * PGSIZE, 3, VMMAP_ZERO, "pages 2-4 after reading all three");
  p[2 * PGSIZE] = 1;
  expect_run(a + 2 * PGSIZE, 1, VMMAP_PRIVATE, "page 2 after writing it");
  expect_run(a + 3 * PGSIZE, 2, VMMAP_ZERO, "pages 3-4, still only read");
  expect_map_shape(own_map(), "with lazy, zero and private heap pages");
  expect_sbrk(-8 * PGSIZE, p + 8 * PGSIZE, "giving the lazy pages back");
  expect_map_shape(own_map(), "after giving the lazy pages back");
}

static int
run_untouched(const struct vmmap_run *r)
{
  const uchar *b = (const uchar *)r;
  for (int i = 0; i < sizeof(*r); i++)
    if (b[i] != RUN_SENTINEL)
      return 0;
  return 1;
}

/* Asked for fewer runs than the map has, vmmap() writes that many and says how many there are. */
static void
vmmap_cut_short(void)
{
  claim_image_pages();         /* no copy-on-write fault may change the map between calls */
  lazy_pages(1);               /* one run more, whatever else the map holds */
  int total = own_map();
  if (total < 4)
    FAIL("our map has %d runs, want at least 4 (text, guard, stack, heap)", total);
  struct vmmap_run first = runs[0], second = runs[1];
  memset(runs, RUN_SENTINEL, sizeof(runs));
  expect_eq(vmmap(getpid(), runs, 2), total, "vmmap(getpid(), runs, 2)");
  if (memcmp(&runs[0], &first, sizeof(first)) != 0 || memcmp(&runs[1], &second, sizeof(second)) != 0)
    FAIL("the 2 runs written by a short vmmap() differ from the first 2 of the full map");
  if (!run_untouched(&runs[2]))
    FAIL("vmmap(getpid(), runs, 2) wrote a third run");
  memset(runs, RUN_SENTINEL, sizeof(runs));
  expect_eq(vmmap(getpid(), runs, 0), total, "vmmap(getpid(), runs, 0)");
  if (!run_untouched(&runs[0]))
    FAIL("vmmap(getpid(), runs, 0) wrote a run");
}

static char *vmmap_no_pid_argv[] = { "vmmap", "1000000", 0 };   /* NO_SUCH_PID */

/* Bad pids and buffers get -1 from vmmap(), and the vmmap program says so on fd 2 and exits 1. */
static void
vmmap_bad_args(void)
{
  own_map();                   /* good arguments work: -1 below means the arguments, not the call */
  expect_eq(vmmap(-1, runs, MAX_RUNS), -1, "vmmap(-1, runs, max)");
  expect_eq(vmmap(NO_SUCH_PID, runs, MAX_RUNS), -1, "vmmap(no such pid, runs, max)");
  int n = bad_addresses(BAD_STORE, bad);
  for (int i = 0; i < n; i++) {
    int r = vmmap(getpid(), (struct vmmap_run *)bad[i].va, MAX_RUNS);
    if (r != -1)
      FAIL("vmmap(getpid(), %s %p, %d) = %d, want -1", bad[i].label, (void *)bad[i].va, MAX_RUNS, r);
  }
  /* room for one run before the break, and the map has more */
  struct vmmap_run *edge = (struct vmmap_run *)(heap_pages(1) + PGSIZE) - 1;
  expect_eq(vmmap(getpid(), edge, MAX_RUNS), -1, "vmmap() into a buffer running past the break");
  expect_alias_target_intact();
  int len;
  int status = run_captured("/vmmap", vmmap_no_pid_argv, buf, BUF_SIZE, &len);
  if (status != 1 || len != 0)
    FAIL("`vmmap 1000000` exited %d with %d bytes on standard output, want 1 and none "
         "(the complaint goes to fd 2)", status, len);
}

/* ================= tests: faults ================= */

static volatile int recursion_limit = 1 << 30;

/* Each call keeps a frame of OVERFLOW_FRAME bytes alive until the stack runs out. */
#define OVERFLOW_FRAME 256

static int
descend(int depth)
{
  volatile char frame[OVERFLOW_FRAME];
  frame[0] = depth;
  if (depth >= recursion_limit)
    return 0;
  return descend(depth + 1) + frame[0];
}

static void
overflow_stack(uint64 unused)
{
  descend(0);
}

/* An instruction in writable data: fetching it must fault. */
static uint data_code[] = { RISCV_RET };

static void
privileged_instruction(uint64 unused)
{
  uint64 x;
  asm volatile("csrr %0, sstatus" : "=r"(x));
  sink_byte = x;
}

static const struct fatal OVERFLOW = { overflow_stack, "store page fault", 0 };
static const struct fatal PRIVILEGED = { privileged_instruction, "illegal instruction", 0 };

static void
memory_layout(void)
{
  if (heap_start != stack_page + PGSIZE)
    FAIL("heap starts at %p, want right above the stack page %p", (void *)heap_start, (void *)stack_page);
  if ((uint64)main >= guard_page() || (uint64)buf >= guard_page())
    FAIL("text %p or data %p is not below the guard page %p",
         (void *)(uint64)main, buf, (void *)guard_page());
}

static void stack_guard_fault(void) { expect_killed(&STORE, guard_page() + PGSIZE / 2, "store to the stack guard page"); }
static void stack_guard_load_fault(void) { expect_killed(&LOAD, guard_page(), "load from the stack guard page"); }
static void stack_overflow_fault(void) { expect_killed(&OVERFLOW, 0, "unbounded recursion"); }
static void text_write_fault(void) { expect_killed(&STORE, (uint64)main, "store to program text"); }
static void data_exec_fault(void) { expect_killed(&RUN_DATA, (uint64)data_code, "jump into writable data"); }
static void privileged_fault(void) { expect_killed(&PRIVILEGED, 0, "csrr sstatus in user mode"); }

static void
kernel_memory_fault(void)
{
  expect_killed(&LOAD, KERNBASE, "load from KERNBASE");
  expect_killed(&STORE, KERNBASE + MIB, "store to KERNBASE + 1 MiB");
  expect_killed(&LOAD, PHYSTOP - 1, "load from the last byte of RAM");
}

static void
top_of_memory_fault(void)
{
  expect_killed(&LOAD, TRAPFRAME, "load from the trapframe");
  expect_killed(&STORE, TRAPFRAME, "store to the trapframe");
  expect_killed(&LOAD, TRAMPOLINE, "load from the trampoline");
  expect_killed(&LOAD, MAXVA, "load from MAXVA");
  expect_killed(&LOAD, ~0UL, "load from 0xffffffffffffffff");
}

static void
text_survives_child_fault(void)
{
  memmove(buf2, (char *)main, BAD_LEN);
  expect_killed(&STORE, (uint64)main, "store to program text");
  if (memcmp(buf2, (char *)main, BAD_LEN) != 0)
    FAIL("a child's store to text changed our text");
}

/* ================= tests: exec of hand-made ELF files ================= */

/* ELF structures and constants come from the kernel's own loader header (kernel/elf.h). */
#define ELF_CLASS64      2
#define ELF_DATA_LSB     1
#define ELF_VERSION      1
#define ELF_TYPE_EXEC    2
#define ELF_MACHINE_RV   243
#define ELF_SEG_RX       (ELF_PF_R | ELF_PF_X)
#define TINY_EXIT_STATUS 7
#define TINY_CODE_OFF    PGSIZE        /* code sits page-aligned in the file, like vaddr */

#define OPCODE_OP_IMM  0x13
#define REG_A0         10
#define REG_A7         17
#define RISCV_ECALL    0x00000073U

struct tiny_elf {
  struct elf_header eh;
  struct elf_phdr seg;
};

/* addi reg, zero, value */
static uint
encode_li(int reg, int value)
{
  return ((uint)value << 20) | (reg << 7) | OPCODE_OP_IMM;
}

/* A complete program: exit(TINY_EXIT_STATUS), loaded at 0 from file offset TINY_CODE_OFF. */
static void
tiny_elf_init(struct tiny_elf *e)
{
  memset(e, 0, sizeof(*e));
  e->eh.magic = ELF_MAGIC;
  e->eh.elf[0] = ELF_CLASS64;
  e->eh.elf[1] = ELF_DATA_LSB;
  e->eh.elf[2] = ELF_VERSION;
  e->eh.type = ELF_TYPE_EXEC;
  e->eh.machine = ELF_MACHINE_RV;
  e->eh.version = ELF_VERSION;
  e->eh.entry = 0;
  e->eh.phoff = sizeof(struct elf_header);
  e->eh.ehsize = sizeof(struct elf_header);
  e->eh.phentsize = sizeof(struct elf_phdr);
  e->eh.phnum = 1;
  e->seg.type = ELF_PT_LOAD;
  e->seg.flags = ELF_SEG_RX;
  e->seg.off = TINY_CODE_OFF;
  e->seg.vaddr = 0;
  e->seg.filesz = 3 * sizeof(uint);
  e->seg.memsz = 3 * sizeof(uint);
  e->seg.align = PGSIZE;
}

static void
write_tiny_elf(const char *path, struct tiny_elf *e)
{
  uint code[3] = { encode_li(REG_A0, TINY_EXIT_STATUS), encode_li(REG_A7, SYS_exit), RISCV_ECALL };
  memset(buf, 0, TINY_CODE_OFF);
  memmove(buf, e, sizeof(*e));
  memmove(buf + TINY_CODE_OFF, code, sizeof(code));
  make_file(path, buf, TINY_CODE_OFF + sizeof(code));
}

#define SENTINEL 12345

static int exec_sentinel = SENTINEL;   /* must survive a failed exec */

static void
exec_child(uint64 path)
{
  static char *argv[] = { "ut_elf", 0 };
  exec((char *)path, argv);
  exit(EXEC_FAILED);
}

/*
 * exec() of e must fail and leave us running exactly as before. A child tries
 * first, so that a kernel that wrongly accepts the file ends only the child.
 */
static void
expect_exec_rejected(struct tiny_elf *e, const char *what)
{
  static char *argv[] = { "ut_elf", 0 };
  write_tiny_elf("ut_elf", e);
  int status = reap(spawn(exec_child, (uint64)"ut_elf"));
  if (status != EXEC_FAILED)
    FAIL("exec of an ELF with %s: the program ran (exit status %d), want exec() = -1", what, status);
  int r = exec("ut_elf", argv);
  if (r != -1)
    FAIL("exec of an ELF with %s = %d, want -1", what, r);
  if (exec_sentinel != SENTINEL)
    FAIL("a variable holds %d after a failed exec, want %d as before", exec_sentinel, SENTINEL);
  remove_path("ut_elf");
}

static void
exec_tiny_elf(void)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  write_tiny_elf("ut_elf", &e);
  int status = reap(spawn(exec_child, (uint64)"ut_elf"));
  if (status != TINY_EXIT_STATUS)
    FAIL("hand-made ELF program: exit status %d, want %d (exec failed: %d)",
         status, TINY_EXIT_STATUS, EXEC_FAILED);
  remove_path("ut_elf");
}

static void
exec_garbage_file(void)
{
  static char *argv[] = { "ut_elf", 0 };
  fill_pattern(buf, 2 * PGSIZE, 3);
  make_file("ut_elf", buf, 2 * PGSIZE);
  expect_eq(exec("ut_elf", argv), -1, "exec of a file of garbage");
  make_file("ut_elf", "", 0);
  expect_eq(exec("ut_elf", argv), -1, "exec of an empty file");
  remove_path("ut_elf");
}

static void
exec_truncated_header(void)
{
  static char *argv[] = { "ut_elf", 0 };
  struct tiny_elf e;
  tiny_elf_init(&e);
  make_file("ut_elf", &e, sizeof(e.eh) / 2);
  expect_eq(exec("ut_elf", argv), -1, "exec of an ELF cut off in its header");
  make_file("ut_elf", &e, sizeof(e.eh));
  expect_eq(exec("ut_elf", argv), -1, "exec of an ELF cut off before its segment table");
  remove_path("ut_elf");
}

static void
exec_segments_past_eof(void)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  e.eh.phoff = MIB;
  expect_exec_rejected(&e, "its segment table past the end of the file");
}

static void
exec_filesz_over_memsz(void)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  e.seg.memsz = 4;
  expect_exec_rejected(&e, "filesz > memsz");
}

static void
exec_segment_wraps(void)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  e.seg.vaddr = ~0UL - PGSIZE + 1;
  e.seg.memsz = 2 * PGSIZE;
  e.seg.filesz = 0;
  expect_exec_rejected(&e, "a segment wrapping around the address space");
}

static void
exec_segment_data_past_eof(void)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  e.seg.filesz = 16 * PGSIZE;
  e.seg.memsz = 16 * PGSIZE;
  expect_exec_rejected(&e, "segment data past the end of the file");
}

/* A page-sized segment, and the entry point, at an address user programs may not have. */
static void
expect_segment_at_rejected(uint64 va, const char *what)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  e.seg.vaddr = va;
  e.seg.memsz = PGSIZE;
  e.eh.entry = va;
  expect_exec_rejected(&e, what);
}

static void exec_segment_at_trapframe(void) { expect_segment_at_rejected(TRAPFRAME, "a segment over the trapframe"); }
static void exec_segment_at_kernbase(void) { expect_segment_at_rejected(KERNBASE, "a segment at KERNBASE"); }

static void
exec_bad_entry_killed(void)
{
  struct tiny_elf e;
  tiny_elf_init(&e);
  e.eh.entry = KERNBASE;
  write_tiny_elf("ut_elf", &e);
  static const struct fatal BAD_ENTRY = { exec_child, "instruction page fault", 0 };
  expect_killed(&BAD_ENTRY, (uint64)"ut_elf", "program with entry point KERNBASE");
  remove_path("ut_elf");
}

/* Out of memory, exec either works or returns -1: anything but a crash. */
static void
exec_after_oom(void)
{
  int fds[2];
  static char *argv[] = { "echo", "oom", 0 };
  make_pipe(fds);
  int pid = fork_checked();
  if (pid == 0) {
    claim_image_pages();
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    eat_all_memory();
    exec("/echo", argv);
    exit(EXEC_FAILED);
  }
  close(fds[1]);
  int len = read_until_eof(fds[0], buf, BUF_SIZE);
  close(fds[0]);
  int status = reap(pid);
  if (status == EXEC_FAILED && len == 0)
    return;
  expect_output("echo exec'd with no free memory", status, buf, len, "oom\n");
}

/* ================= tests: processes ================= */

static void
exit_status(void)
{
  static const int statuses[] = { 0, 1, 42, 255, 256, -7 };
  for (int i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
    int pid = fork_checked();
    if (pid == 0)
      exit(statuses[i]);
    int status = reap(pid);
    if (status != statuses[i])
      FAIL("child called exit(%d), wait() saw status %d", statuses[i], status);
  }
}

static void
wait_no_children(void)
{
  int status = 1234;
  expect_eq(wait(&status), -1, "wait() with no children");
  expect_eq(status, 1234, "status left by a wait() with no children");
}

static void
fork_returns_child_pid(void)
{
  int fds[2];
  make_pipe(fds);
  int pid = fork_checked();
  if (pid == 0) {
    int me = getpid();
    write(fds[1], &me, sizeof(me));
    exit(0);
  }
  int reported = 0;
  read_checked(fds[0], &reported, sizeof(reported));
  if (reported != pid || pid == getpid())
    FAIL("fork() returned %d, the child's getpid() was %d (ours %d)", pid, reported, getpid());
  expect_eq(reap(pid), 0, "child's exit status");
  close(fds[0]);
  close(fds[1]);
}

/*
 * A grandchild outlives its parent, then reports through a pipe; init must
 * then reap it. kill() of a pid that no longer exists fails, which lets us
 * watch for the reaping (a zombie still has its pid).
 */
static void
reparent_to_init(void)
{
  int report[2], hold[2];
  make_pipe(report);
  make_pipe(hold);
  int child = fork_checked();
  if (child == 0) {
    if (fork() == 0) {
      char c;
      close(report[0]);
      close(hold[1]);
      read(hold[0], &c, 1);    /* end of file once the child is gone and we let go */
      int me = getpid();
      write(report[1], &me, sizeof(me));
      exit(0);
    }
    exit(0);
  }
  close(report[1]);
  close(hold[0]);
  expect_eq(reap(child), 0, "exit status of the grandchild's parent");
  close(hold[1]);
  int grandchild = 0;
  read_checked(report[0], &grandchild, sizeof(grandchild));
  expect_eq(read(report[0], buf, 1), 0, "read() after the orphan closed its end");
  close(report[0]);
  expect_eq(wait(0), -1, "wait() for the grandchild, which is not ours");
  /* polling with a deadline: reaping by init is not something we can wait() for */
  for (int ticks = 0; kill(grandchild) == 0; ticks++) {
    if (ticks >= REAP_TICKS)
      FAIL("orphan %d still exists %d ticks after exiting: init did not reap it", grandchild, ticks);
    pause(1);
  }
}

static volatile uint64 spin_count;

static void
spin_forever(uint64 unused)
{
  for (;;)
    spin_count++;
}

static void
kill_spinner(void)
{
  int pid = spawn(spin_forever, 0);
  remember_victim(pid);
  expect_eq(kill(pid), 0, "kill(spinning child)");
  expect_eq(reap(pid), KILLED, "exit status of a killed child");
}

static void
block_on_pipe(uint64 fd)
{
  char c;
  read(fd, &c, 1);
}

/*
 * Wait until the kernel reports pid asleep. Our children sleep only where
 * the test puts them (a pipe read, a pause), so this proves the kill lands
 * on a blocked process: one that only the kernel's killed-check can wake for
 * good. Fails if that takes longer than BLOCK_TICKS.
 */
static void
wait_until_blocked(int pid)
{
  struct vmstat st;
  int start = uptime();
  for (;;) {
    if (vmstat(pid, &st) < 0)
      FAIL("child %d is gone, want it blocked", pid);
    if (st.sleeping)
      return;     /* a pausing child wakes at each tick to look at the clock: once asleep is enough */
    if (uptime() - start > BLOCK_TICKS)
      FAIL("child %d did not block within %d ticks", pid, BLOCK_TICKS);
  }
}

static void
kill_blocked_reader(void)
{
  int fds[2];
  make_pipe(fds);
  int pid = spawn(block_on_pipe, fds[0]);
  remember_victim(pid);
  wait_until_blocked(pid);
  expect_eq(kill(pid), 0, "kill(child blocked in read)");
  expect_eq(reap(pid), KILLED, "exit status of a child killed while reading a pipe");
  close(fds[0]);
  close(fds[1]);
}

static void
sleep_long(uint64 ticks)
{
  pause(ticks);
}

static void
kill_sleeper(void)
{
  int pid = spawn(sleep_long, LONG_PAUSE);
  remember_victim(pid);
  wait_until_blocked(pid);
  expect_eq(kill(pid), 0, "kill(child in a long pause())");
  expect_eq(reap(pid), KILLED, "exit status of a child killed while pausing");
}

static void
kill_bad_pid(void)
{
  static const int pids[] = { -1, 0, -NO_SUCH_PID, NO_SUCH_PID };
  for (int i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
    int r = kill(pids[i]);
    if (r != -1)
      FAIL("kill(%d) = %d, want -1", pids[i], r);
  }
}

#define ZOMBIES 20

static void
zombies_reaped(void)
{
  static int pids[ZOMBIES];
  static int seen[ZOMBIES];
  for (int i = 0; i < ZOMBIES; i++) {
    pids[i] = fork_checked();
    if (pids[i] == 0)
      exit(i + 1);
  }
  for (int n = 0; n < ZOMBIES; n++) {
    int status;
    int pid = wait(&status);
    int i = 0;
    while (i < ZOMBIES && pids[i] != pid)
      i++;
    if (i == ZOMBIES)
      FAIL("wait() = %d, want one of our %d children", pid, ZOMBIES);
    if (seen[i]++)
      FAIL("wait() returned child %d twice", pid);
    if (status != i + 1)
      FAIL("child %d exited with %d, wait() saw %d", pid, i + 1, status);
  }
  expect_eq(wait(0), -1, "wait() after reaping every child");
}

/* Spinners on every hart must not keep us (or a writer) from running. */
static void
preemption(void)
{
  int fds[2];
  make_pipe(fds);
  for (int i = 0; i < NCPU; i++)
    remember_victim(spawn(spin_forever, 0));
  int writer = fork_checked();
  if (writer == 0) {
    write(fds[1], "w", 1);
    exit(0);
  }
  char c = 0;
  read_checked(fds[0], &c, 1);
  expect_eq(c, 'w', "byte from the writer");
  for (int i = 0; i < nvictims; i++)
    expect_eq(kill(victims[i]), 0, "kill(spinner)");
  for (int i = 0; i < NCPU + 1; i++) {
    int status;
    int pid = wait(&status);
    int want = (pid == writer) ? 0 : KILLED;
    if (pid < 0 || status != want)
      FAIL("wait() = %d with status %d, want status %d", pid, status, want);
  }
  nvictims = 0;
  close(fds[0]);
  close(fds[1]);
}

#define TREE_LEVELS  3
#define TREE_FANOUT  3
#define TREE_ROUNDS  2

/* Fork a subtree, wait for it, and exit with its size in processes (0: something broke). */
static void __attribute__((noreturn))
tree_node(int level)
{
  int size = 1;
  int ok = 1;
  if (level < TREE_LEVELS) {
    int kids = 0;
    for (int i = 0; i < TREE_FANOUT; i++) {
      int pid = fork();
      if (pid == 0)
        tree_node(level + 1);
      if (pid < 0)
        ok = 0;
      else
        kids++;
    }
    for (int i = 0; i < kids; i++) {
      int status;
      if (wait(&status) < 0 || status <= 0)
        ok = 0;
      else
        size += status;
    }
  }
  exit(ok ? size : 0);
}

static void
forkfork(void)
{
  int below = 1;               /* size of a subtree rooted at level 1 */
  for (int level = TREE_LEVELS; level > 1; level--)
    below = 1 + TREE_FANOUT * below;
  for (int round = 0; round < TREE_ROUNDS; round++) {
    for (int i = 0; i < TREE_FANOUT; i++)
      if (fork_checked() == 0)
        tree_node(1);
    for (int i = 0; i < TREE_FANOUT; i++) {
      int status;
      int pid = wait(&status);
      if (pid < 0 || status != below)
        FAIL("subtree %d reported %d processes, want %d", pid, status, below);
    }
  }
}

static void
fork_fill_proc_table(void)
{
  int gate[2];
  make_pipe(gate);
  int n = 0;
  for (;;) {
    int pid = fork();
    if (pid < 0)
      break;
    if (pid == 0) {
      char c;
      close(gate[1]);
      read(gate[0], &c, 1);    /* until the test closes the gate */
      exit(0);
    }
    if (++n > NPROC)
      FAIL("fork() succeeded %d times with only NPROC = %d slots", n, NPROC);
  }
  if (n == 0 || n >= NPROC)
    FAIL("fork() succeeded %d times before failing, want between 1 and %d", n, NPROC - 1);
  close(gate[1]);
  for (int i = 0; i < n; i++) {
    int status = 0;
    if (wait(&status) < 0 || status != 0)
      FAIL("child %d of %d: wait() failed or status %d, want 0", i, n, status);
  }
  expect_eq(wait(0), -1, "wait() after reaping them all");
  close(gate[0]);
  int pid = fork_checked();
  if (pid == 0)
    exit(0);
  expect_eq(reap(pid), 0, "exit status of a child forked after the table emptied");
}

/* ================= tests: files and directories ================= */

static void
file_write_read(void)
{
  static const int pieces[] = { 1000, 2000, 1500, 1 };
  remember_path("ut_file");
  int fd = open_checked("ut_file", O_CREATE | O_RDWR);
  int total = 0;
  for (int i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
    fill_pattern(buf, pieces[i], total);
    write_checked(fd, buf, pieces[i]);
    total += pieces[i];
  }
  close(fd);
  struct stat st = stat_checked("ut_file");
  expect_eq(st.type, T_FILE, "type of a new file");
  expect_eq(st.size, total, "size of the file");
  expect_eq(st.nlink, 1, "nlink of a new file");
  fd = open_checked("ut_file", O_RDONLY);
  read_checked(fd, buf, total);
  expect_pattern(buf, total, 0, "file contents");
  expect_eq(read(fd, buf, 10), 0, "read() at end of file");
  close(fd);
  remove_path("ut_file");
  expect_absent("ut_file");
}

static void
file_truncate(void)
{
  fill_pattern(buf, 3000, 0);
  make_file("ut_trunc", buf, 3000);
  int fd = open_checked("ut_trunc", O_WRONLY | O_TRUNC);
  expect_eq(fstat_checked(fd).size, 0, "size after open(O_TRUNC)");
  write_checked(fd, "new", 3);
  close(fd);
  fd = open_checked("ut_trunc", O_RDONLY);
  expect_eq(read(fd, buf, 100), 3, "read() of the rewritten file");
  if (memcmp(buf, "new", 3) != 0)
    FAIL("truncated file holds \"%c%c%c\", want \"new\"", buf[0], buf[1], buf[2]);
  close(fd);
  remove_path("ut_trunc");
}

static void
unlink_while_open(void)
{
  fill_pattern(buf, 5000, 9);
  make_file("ut_gone", buf, 5000);
  int fd = open_checked("ut_gone", O_RDONLY);
  remove_path("ut_gone");
  expect_absent("ut_gone");
  struct stat st;
  expect_eq(fstat(fd, &st), 0, "fstat() of an unlinked open file");
  expect_eq(st.nlink, 0, "nlink of an unlinked open file");
  memset(buf, 0, 5000);
  read_checked(fd, buf, 5000);
  expect_pattern(buf, 5000, 9, "contents of an unlinked open file");
  close(fd);
}

static void
link_counts(void)
{
  make_file("ut_l1", "linked", 6);
  remember_path("ut_l2");
  expect_eq(link("ut_l1", "ut_l2"), 0, "link(ut_l1, ut_l2)");
  expect_eq(stat_checked("ut_l1").nlink, 2, "nlink with two names");
  expect_eq(stat_checked("ut_l2").ino, stat_checked("ut_l1").ino, "inode of ut_l2, a link to ut_l1");
  expect_eq(link("ut_l1", "ut_l2"), -1, "link() to a name that exists");
  expect_eq(link("ut_none", "ut_l3"), -1, "link() from a name that does not exist");
  remove_path("ut_l1");
  expect_eq(stat_checked("ut_l2").nlink, 1, "nlink after unlinking one name");
  int fd = open_checked("ut_l2", O_RDONLY);
  expect_eq(read(fd, buf, 100), 6, "read() through the remaining name");
  close(fd);
  remove_path("ut_l2");
}

static void
nested_dirs(void)
{
  make_dir("ut_a");
  make_dir("ut_a/b");
  make_dir("ut_a/b/c");
  expect_eq(chdir("ut_a/b"), 0, "chdir(ut_a/b)");
  remember_path("/ut_a/b/c/f");
  int fd = open_checked("c/f", O_CREATE | O_WRONLY);
  write_checked(fd, "deep", 4);
  close(fd);
  fd = open_checked("../b/c/f", O_RDONLY);
  expect_eq(read(fd, buf, 10), 4, "read() of ../b/c/f");
  close(fd);
  expect_eq(chdir("c"), 0, "chdir(c)");
  fd = open_checked("f", O_RDONLY);
  close(fd);
  fd = open_checked("/ut_a/b/c/./f", O_RDONLY);
  close(fd);
  expect_eq(chdir("../../.."), 0, "chdir(../../..)");
  expect_eq(stat_checked(".").ino, ROOTINO, "inode of . after climbing back up");
  expect_eq(stat_checked("ut_a/b").type, T_DIR, "type of ut_a/b");
  remove_path("ut_a/b/c/f");
  remove_path("ut_a/b/c");
  remove_path("ut_a/b");
  remove_path("ut_a");
}

static void
root_dotdot(void)
{
  expect_eq(stat_checked("/..").ino, ROOTINO, "inode of /..");
  expect_eq(stat_checked("/.").ino, ROOTINO, "inode of /.");
  expect_eq(stat_checked("/../../.").ino, ROOTINO, "inode of /../../.");
}

/* The next entry of directory fd, its name NUL-terminated in name (DIRSIZ + 1 bytes). */
static int
next_entry(int fd, char *name)
{
  struct dirent de;
  read_checked(fd, &de, sizeof(de));
  memmove(name, de.name, DIRSIZ);
  name[DIRSIZ] = '\0';
  return de.inum;
}

static void
new_dir_entries(void)
{
  char name[DIRSIZ + 1];
  make_dir("ut_ents");
  int fd = open_checked("ut_ents", O_RDONLY);
  struct stat st = fstat_checked(fd);
  expect_eq(st.type, T_DIR, "type of a new directory");
  int inum = next_entry(fd, name);
  if (inum != st.ino || strcmp(name, ".") != 0)
    FAIL("first entry of a new directory is \"%s\" -> %d, want \".\" -> %d", name, inum, st.ino);
  inum = next_entry(fd, name);
  if (inum != ROOTINO || strcmp(name, "..") != 0)
    FAIL("second entry of a new directory is \"%s\" -> %d, want \"..\" -> %d", name, inum, ROOTINO);
  close(fd);
  remove_path("ut_ents");
}

/*
 * A directory removed while it is our working directory takes no new names:
 * a file or directory made in it would be lost with it, inode and blocks,
 * once its last reference went (found by sysfuzz).
 */
static void
create_in_removed_dir(void)
{
  struct fsstat before, after;
  expect_ok(fsstat(&before), "fsstat() before");
  make_dir("ut_gone");
  expect_eq(chdir("ut_gone"), 0, "chdir(ut_gone)");
  expect_eq(unlink("/ut_gone"), 0, "unlink(/ut_gone), our working directory");
  expect_eq(open("f", O_CREATE | O_RDWR), -1, "open(f, O_CREATE) in the removed directory");
  expect_eq(mkdir("d"), -1, "mkdir(d) in the removed directory");
  expect_eq(mknod("n", 1, 0), -1, "mknod(n) in the removed directory");
  expect_eq(link("/README", "l"), -1, "link(/README, l) into the removed directory");
  expect_eq(chdir("/"), 0, "chdir(/)");
  expect_ok(fsstat(&after), "fsstat() after");
  if (after.free_inodes != before.free_inodes || after.free_blocks != before.free_blocks)
    FAIL("free inodes %d -> %d, blocks %d -> %d, want both back", (int)before.free_inodes,
         (int)after.free_inodes, (int)before.free_blocks, (int)after.free_blocks);
}

static void
unlink_dot(void)
{
  make_dir("ut_dot");
  expect_eq(unlink("ut_dot/."), -1, "unlink(ut_dot/.)");
  expect_eq(unlink("ut_dot/.."), -1, "unlink(ut_dot/..)");
  expect_eq(chdir("ut_dot"), 0, "chdir(ut_dot)");
  expect_eq(unlink("."), -1, "unlink(.)");
  expect_eq(unlink(".."), -1, "unlink(..)");
  expect_eq(chdir("/"), 0, "chdir(/)");
  remove_path("ut_dot");
}

static void
mkdir_existing(void)
{
  make_dir("ut_md");
  expect_eq(mkdir("ut_md"), -1, "mkdir() of an existing directory");
  make_file("ut_mf", "f", 1);
  expect_eq(mkdir("ut_mf"), -1, "mkdir() over an existing file");
  expect_eq(mkdir("/"), -1, "mkdir(/)");
  remove_path("ut_mf");
  remove_path("ut_md");
}

static void
unlink_nonempty_dir(void)
{
  make_dir("ut_ne");
  make_file("ut_ne/f", "f", 1);
  expect_eq(unlink("ut_ne"), -1, "unlink() of a non-empty directory");
  expect_eq(stat_checked("ut_ne/f").size, 1, "size of the file in it afterwards");
  remove_path("ut_ne/f");
  remove_path("ut_ne");
}

static void
link_to_dir(void)
{
  make_dir("ut_ld");
  expect_eq(link("ut_ld", "ut_ld2"), -1, "link() of a directory");
  expect_absent("ut_ld2");
  expect_eq(link("/", "ut_root"), -1, "link() of /");
  remove_path("ut_ld");
}

static void
open_dir_for_write(void)
{
  expect_eq(open("/", O_WRONLY), -1, "open(/, O_WRONLY)");
  expect_eq(open("/", O_RDWR), -1, "open(/, O_RDWR)");
  int fd = open_checked("/", O_RDONLY);
  close(fd);
}

static void
chdir_to_file(void)
{
  make_file("ut_cf", "f", 1);
  expect_eq(chdir("ut_cf"), -1, "chdir() to a file");
  expect_eq(chdir("ut_cf/x"), -1, "chdir() through a file");
  expect_eq(open("ut_cf/x", O_CREATE | O_RDWR), -1, "open(O_CREATE) below a file");
  remove_path("ut_cf");
}

#define MAX_BYTES  ((int)(MAXFILE * BSIZE))

/* Bytes of a largest-size file moved in one call at offset off: a buffer, or what is left. */
static int
chunk_at(int off)
{
  return MAX_BYTES - off < BUF_SIZE ? MAX_BYTES - off : BUF_SIZE;
}

static void
file_max_size(void)
{
  remember_path("ut_big");
  int fd = open_checked("ut_big", O_CREATE | O_WRONLY);
  for (int off = 0; off < MAX_BYTES; off += BUF_SIZE) {
    int n = chunk_at(off);
    fill_pattern(buf, n, off);
    int r = write(fd, buf, n);
    if (r != n)
      FAIL("write() at offset %d of the largest file = %d, want %d", off, r, n);
  }
  expect_eq(write(fd, "x", 1), -1, "write() of one byte past MAXFILE blocks");
  close(fd);
  expect_eq(stat_checked("ut_big").size, MAX_BYTES, "size of the largest file");
  fd = open_checked("ut_big", O_RDONLY);
  for (int off = 0; off < MAX_BYTES; off += BUF_SIZE) {
    int n = chunk_at(off);
    read_checked(fd, buf, n);
    expect_pattern(buf, n, off, "largest file read back");
  }
  expect_eq(read(fd, buf, 1), 0, "read() at the end of the largest file");
  close(fd);
  remove_path("ut_big");
}

#define MANY_FILES 60

static char name_buf[32];

static void
remove_many_files(void)
{
  for (int i = 0; i < MANY_FILES; i++)
    unlink(numbered(name_buf, "ut_many/f", i));
}

static void
many_files(void)
{
  make_dir("ut_many");
  cleanup_hook = remove_many_files;
  for (int i = 0; i < MANY_FILES; i++) {
    numbered(name_buf, "ut_many/f", i);
    int fd = open_checked(name_buf, O_CREATE | O_WRONLY);
    write_checked(fd, name_buf, strlen(name_buf));
    close(fd);
  }
  for (int i = 0; i < MANY_FILES; i++) {
    numbered(name_buf, "ut_many/f", i);
    int fd = open_checked(name_buf, O_RDONLY);
    int n = read(fd, buf, sizeof(name_buf));
    close(fd);
    if (n != strlen(name_buf) || memcmp(buf, name_buf, n) != 0)
      FAIL("%s holds %d bytes that are not its own name", name_buf, n);
  }
  for (int i = 0; i < MANY_FILES; i++)
    remove_path(numbered(name_buf, "ut_many/f", i));
  remove_path("ut_many");
}

#define CC_WORKERS 4
#define CC_ROUNDS  15
#define CC_SHARED  4     /* names every worker creates and deletes */

static void
remove_cc_files(void)
{
  for (int i = 0; i < CC_SHARED; i++)
    unlink(numbered(name_buf, "ut_cc/s", i));
}

/* One worker: its own files must hold its own data; the shared names may vanish under it. */
static void
cc_worker(uint64 id)
{
  static char own[32];
  for (int round = 0; round < CC_ROUNDS; round++) {
    numbered(own, "ut_cc/w", id * 100 + round);
    int fd = open_checked(own, O_CREATE | O_RDWR);
    int tag = id * 1000 + round;
    write_checked(fd, &tag, sizeof(tag));
    close(fd);
    int seen = -1;
    fd = open_checked(own, O_RDONLY);
    read_checked(fd, &seen, sizeof(seen));
    close(fd);
    if (seen != tag)
      FAIL("worker %d: %s holds %d, want %d", (int)id, own, seen, tag);
    remove_path(own);
    numbered(name_buf, "ut_cc/s", round % CC_SHARED);
    fd = open(name_buf, O_CREATE | O_RDWR);
    if (fd < 0)
      FAIL("worker %d: open(%s, O_CREATE) = %d, want success", (int)id, name_buf, fd);
    write_checked(fd, &tag, sizeof(tag));
    close(fd);
    unlink(name_buf);          /* another worker may have been first */
  }
}

static void
concurrent_create_delete(void)
{
  make_dir("ut_cc");
  cleanup_hook = remove_cc_files;
  for (int i = 0; i < CC_WORKERS; i++)
    spawn(cc_worker, i);
  for (int i = 0; i < CC_WORKERS; i++) {
    int status;
    int pid = wait(&status);
    if (pid < 0 || status != 0)
      FAIL("worker %d: exit status %d, want 0", pid, status);
  }
  remove_cc_files();
  remove_path("ut_cc");
}

#define INODE_LIMIT 1000   /* far more than the disk has */

static int inodes_made;

static void
remove_inode_files(void)
{
  for (int i = 0; i < inodes_made; i++)
    unlink(numbered(name_buf, "ut_ino/i", i));
}

static void
out_of_inodes(void)
{
  make_dir("ut_ino");
  cleanup_hook = remove_inode_files;
  int free_inodes = fsstat_checked().free_inodes;
  for (;;) {
    int fd = open(numbered(name_buf, "ut_ino/i", inodes_made), O_CREATE | O_RDWR);
    if (fd < 0)
      break;
    close(fd);
    if (++inodes_made > INODE_LIMIT)
      FAIL("created %d files, the disk cannot have that many inodes", inodes_made);
  }
  expect_eq(fsstat_checked().free_inodes, 0, "free inodes once open(O_CREATE) fails");
  expect_eq(inodes_made, free_inodes, "files created until inodes ran out");
  expect_eq(mkdir("ut_ino2"), -1, "mkdir() with no free inodes");
  for (int i = 0; i < inodes_made; i++)
    remove_path(numbered(name_buf, "ut_ino/i", i));
  inodes_made = 0;
  remove_path("ut_ino");
}

#define BLOCK_FILES 16     /* far more than fit on the disk */

static int block_files;

static void
remove_block_files(void)
{
  for (int i = 0; i < block_files; i++)
    unlink(numbered(name_buf, "ut_blk/b", i));
}

/* Fill the disk with maximum-size files until a write comes up short. */
static void
out_of_blocks(void)
{
  make_dir("ut_blk");
  cleanup_hook = remove_block_files;
  int free_blocks = fsstat_checked().free_blocks;
  fill_pattern(buf, BUF_SIZE, 0);
  int full = 0;
  while (!full) {
    if (block_files == BLOCK_FILES)
      FAIL("wrote %d files of %d bytes and the disk is not full", BLOCK_FILES, MAX_BYTES);
    int fd = open_checked(numbered(name_buf, "ut_blk/b", block_files++), O_CREATE | O_WRONLY);
    for (int off = 0; off < MAX_BYTES && !full; off += BUF_SIZE) {
      int n = chunk_at(off);
      if (write(fd, buf, n) != n)
        full = 1;
    }
    close(fd);
  }
  expect_eq(fsstat_checked().free_blocks, 0, "free blocks once a write came up short");
  /*
   * Every block is accounted for: data blocks of the files plus their indirect
   * blocks. One may hide: a file that stopped at exactly NDIRECT blocks can
   * hold an indirect block that its size does not show.
   */
  int used = 0;
  for (int i = 0; i < block_files; i++) {
    int size = stat_checked(numbered(name_buf, "ut_blk/b", i)).size;
    used += (size + BSIZE - 1) / BSIZE;
    if (size > NDIRECT * BSIZE)
      used++;
  }
  if (used != free_blocks && used != free_blocks - 1)
    FAIL("files hold %d blocks, want the %d that were free (or one fewer)", used, free_blocks);
  remove_block_files();
  block_files = 0;
  remove_path("ut_blk");
}

#define PIPE_TOTAL (100 * 1024)

static void
pipe_writer(uint64 fd)
{
  static const int sizes[] = { 1, 7, 100, 512, 513, 1024, 4000 };
  int sent = 0;
  for (int i = 0; sent < PIPE_TOTAL; i++) {
    int n = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
    if (n > PIPE_TOTAL - sent)
      n = PIPE_TOTAL - sent;
    fill_pattern(buf, n, sent);
    write_checked(fd, buf, n);
    sent += n;
  }
}

static void
pipe_big_transfer(void)
{
  static const int sizes[] = { 3, 64, 600, 2048, 4096 };
  int fds[2];
  make_pipe(fds);
  int pid = fork_checked();
  if (pid == 0) {
    close(fds[0]);
    pipe_writer(fds[1]);
    exit(0);
  }
  close(fds[1]);
  int got = 0;
  uint sum = 0, want_sum = 0;
  for (int i = 0;; i++) {
    int r = read(fds[0], buf2, sizes[i % (sizeof(sizes) / sizeof(sizes[0]))]);
    if (r < 0)
      FAIL("read() from the pipe after %d bytes = %d", got, r);
    if (r == 0)
      break;
    if (got + r > PIPE_TOTAL)
      FAIL("pipe delivered more than the %d bytes sent", PIPE_TOTAL);
    expect_pattern(buf2, r, got, "data through the pipe");
    for (int j = 0; j < r; j++) {
      sum = sum * 33 + (uchar)buf2[j];
      want_sum = want_sum * 33 + pattern_byte(got + j);
    }
    got += r;
  }
  expect_eq(got, PIPE_TOTAL, "bytes through the pipe");
  if (sum != want_sum)
    FAIL("checksum 0x%x, want 0x%x", sum, want_sum);
  expect_eq(reap(pid), 0, "writer's exit status");
  close(fds[0]);
}

static void
pipe_no_reader(void)
{
  int fds[2];
  make_pipe(fds);
  close(fds[0]);
  expect_eq(write(fds[1], "x", 1), -1, "write() to a pipe with no reader");
  close(fds[1]);
}

static void
pipe_no_writer(void)
{
  int fds[2];
  make_pipe(fds);
  write_checked(fds[1], "ab", 2);
  close(fds[1]);
  expect_eq(read(fds[0], buf, 10), 2, "read() of what was left in a pipe");
  expect_eq(read(fds[0], buf, 10), 0, "read() from an empty pipe with no writer");
  close(fds[0]);
}

static void
offset_shared_fork(void)
{
  remember_path("ut_off");
  int fd = open_checked("ut_off", O_CREATE | O_RDWR | O_TRUNC);
  int pid = fork_checked();
  if (pid == 0) {
    write_checked(fd, "child ", 6);
    exit(0);
  }
  expect_eq(reap(pid), 0, "child's exit status");
  write_checked(fd, "parent", 6);
  close(fd);
  fd = open_checked("ut_off", O_RDONLY);
  int n = read(fd, buf, 100);
  close(fd);
  buf[n < 0 ? 0 : n] = '\0';
  if (strcmp(buf, "child parent") != 0)
    FAIL("file written through a forked descriptor holds \"%s\", want \"child parent\"", buf);
  remove_path("ut_off");
}

static void
offset_shared_dup(void)
{
  remember_path("ut_dup");
  int fd = open_checked("ut_dup", O_CREATE | O_RDWR | O_TRUNC);
  int copy = dup(fd);
  expect_ok(copy, "dup()");
  write_checked(fd, "ab", 2);
  write_checked(copy, "cd", 2);
  close(fd);
  close(copy);
  fd = open_checked("ut_dup", O_RDONLY);
  copy = dup(fd);
  read_checked(fd, buf, 2);
  read_checked(copy, buf + 2, 2);
  buf[4] = '\0';
  if (strcmp(buf, "abcd") != 0)
    FAIL("writes and reads through dup'ed descriptors saw \"%s\", want \"abcd\"", buf);
  expect_eq(read(fd, buf, 1), 0, "read() at the shared end of file");
  close(fd);
  close(copy);
  remove_path("ut_dup");
}

/* ================= the runner ================= */

enum speed { QUICK, SLOW };

struct test {
  const char *name;
  void (*run)(void);
  enum speed speed;
};

static const struct test tests[] = {
/* BEGIN TESTS */
  { "memory_layout", memory_layout, QUICK },
  { "read_bad_buffers", read_bad_buffers, QUICK },
  { "read_into_text_unchanged", read_into_text_unchanged, QUICK },
  { "write_bad_buffers", write_bad_buffers, QUICK },
  { "pipe_bad_buffers", pipe_bad_buffers, QUICK },
  { "pipe_read_partly_bad_buffer", pipe_read_partly_bad_buffer, QUICK },
  { "console_bad_buffers", console_bad_buffers, QUICK },
  { "pipe_bad_array", pipe_bad_array, QUICK },
  { "fstat_bad_buffer", fstat_bad_buffer, QUICK },
  { "wait_bad_status", wait_bad_status, QUICK },
  { "vmstat_bad_buffer", vmstat_bad_buffer, QUICK },
  { "vmstat_bad_pid", vmstat_bad_pid, QUICK },
  { "fsstat_bad_buffer", fsstat_bad_buffer, QUICK },
  { "open_bad_path", open_bad_path, QUICK },
  { "mkdir_bad_path", mkdir_bad_path, QUICK },
  { "chdir_bad_path", chdir_bad_path, QUICK },
  { "unlink_bad_path", unlink_bad_path, QUICK },
  { "mknod_bad_path", mknod_bad_path, QUICK },
  { "link_bad_paths", link_bad_paths, QUICK },
  { "exec_bad_path", exec_bad_path, QUICK },
  { "exec_bad_argv", exec_bad_argv, QUICK },
  { "exec_unterminated_argv", exec_unterminated_argv, QUICK },
  { "read_bad_fds", read_bad_fds, QUICK },
  { "write_bad_fds", write_bad_fds, QUICK },
  { "close_bad_fds", close_bad_fds, QUICK },
  { "fstat_bad_fds", fstat_bad_fds, QUICK },
  { "dup_bad_fds", dup_bad_fds, QUICK },
  { "fd_modes_enforced", fd_modes_enforced, QUICK },
  { "fd_table_full", fd_table_full, QUICK },
  { "overlong_paths", overlong_paths, QUICK },
  { "longest_path_accepted", longest_path_accepted, QUICK },
  { "exec_many_args", exec_many_args, QUICK },
  { "exec_long_arg", exec_long_arg, QUICK },
  { "exec_too_many_args", exec_too_many_args, QUICK },
  { "exec_arg_too_long", exec_arg_too_long, QUICK },
  { "exec_args_overflow_stack", exec_args_overflow_stack, QUICK },
  { "exec_missing_file", exec_missing_file, QUICK },
  { "copy_to_page_end", copy_to_page_end, QUICK },
  { "copy_from_page_end", copy_from_page_end, QUICK },
  { "copy_across_pages", copy_across_pages, QUICK },
  { "copy_into_unmapped", copy_into_unmapped, QUICK },
  { "copy_from_unmapped", copy_from_unmapped, QUICK },
  { "copy_into_guard", copy_into_guard, QUICK },
  { "copy_from_guard", copy_from_guard, QUICK },
  { "path_at_page_end", path_at_page_end, QUICK },
  { "path_across_pages", path_across_pages, QUICK },
  { "path_unterminated", path_unterminated, QUICK },
  { "sbrk_returns_old_break", sbrk_returns_old_break, QUICK },
  { "sbrk_grow_shrink_regrow", sbrk_grow_shrink_regrow, QUICK },
  { "sbrk_huge_fails", sbrk_huge_fails, QUICK },
  { "syscall_number_all_bits", syscall_number_all_bits, QUICK },
  { "failalloc_is_per_process", failalloc_is_per_process, QUICK },
  { "sbrk_shrink_past_zero_wraps", sbrk_shrink_past_zero_wraps, QUICK },
  { "sbrk_shrink_below_heap", sbrk_shrink_below_heap, QUICK },
  { "sbrk_exhaust_recovers", sbrk_exhaust_recovers, QUICK },
  { "sbrk_limit_faults", sbrk_limit_faults, QUICK },
  { "sbrk_shrink_unmaps", sbrk_shrink_unmaps, QUICK },
  { "sbrklazy_rw", sbrklazy_rw, QUICK },
  { "sbrklazy_syscalls", sbrklazy_syscalls, QUICK },
  { "lazy_heap_over_ram", lazy_heap_over_ram, QUICK },
  { "lazy_read_maps_zero_page", lazy_read_maps_zero_page, QUICK },
  { "lazy_write_after_read", lazy_write_after_read, QUICK },
  { "lazy_file_buffers", lazy_file_buffers, QUICK },
  { "lazy_pipe_buffers", lazy_pipe_buffers, QUICK },
  { "lazy_path_strings", lazy_path_strings, QUICK },
  { "lazy_exec_args", lazy_exec_args, QUICK },
  { "lazy_shrink_in_child_killed", lazy_shrink_in_child_killed, QUICK },
  { "lazy_limits_hold", lazy_limits_hold, QUICK },
  { "lazy_fork_every_kind", lazy_fork_every_kind, QUICK },
  { "lazy_fill_oom_killed", lazy_fill_oom_killed, QUICK },
  { "sbrklazy_up_to_trapframe", sbrklazy_up_to_trapframe, QUICK },
  { "vmmap_own_layout", vmmap_own_layout, QUICK },
  { "vmmap_lazy_states", vmmap_lazy_states, QUICK },
  { "vmmap_cut_short", vmmap_cut_short, QUICK },
  { "vmmap_bad_args", vmmap_bad_args, QUICK },
  { "stack_guard_fault", stack_guard_fault, QUICK },
  { "stack_guard_load_fault", stack_guard_load_fault, QUICK },
  { "stack_overflow_fault", stack_overflow_fault, QUICK },
  { "text_write_fault", text_write_fault, QUICK },
  { "text_survives_child_fault", text_survives_child_fault, QUICK },
  { "data_exec_fault", data_exec_fault, QUICK },
  { "privileged_fault", privileged_fault, QUICK },
  { "kernel_memory_fault", kernel_memory_fault, QUICK },
  { "top_of_memory_fault", top_of_memory_fault, QUICK },
  { "exec_tiny_elf", exec_tiny_elf, QUICK },
  { "exec_garbage_file", exec_garbage_file, QUICK },
  { "exec_truncated_header", exec_truncated_header, QUICK },
  { "exec_segments_past_eof", exec_segments_past_eof, QUICK },
  { "exec_filesz_over_memsz", exec_filesz_over_memsz, QUICK },
  { "exec_segment_wraps", exec_segment_wraps, QUICK },
  { "exec_segment_data_past_eof", exec_segment_data_past_eof, QUICK },
  { "exec_segment_at_trapframe", exec_segment_at_trapframe, QUICK },
  { "exec_segment_at_kernbase", exec_segment_at_kernbase, QUICK },
  { "exec_bad_entry_killed", exec_bad_entry_killed, QUICK },
  { "exec_after_oom", exec_after_oom, QUICK },
  { "exit_status", exit_status, QUICK },
  { "wait_no_children", wait_no_children, QUICK },
  { "fork_returns_child_pid", fork_returns_child_pid, QUICK },
  { "reparent_to_init", reparent_to_init, QUICK },
  { "kill_spinner", kill_spinner, QUICK },
  { "kill_blocked_reader", kill_blocked_reader, QUICK },
  { "kill_sleeper", kill_sleeper, QUICK },
  { "kill_bad_pid", kill_bad_pid, QUICK },
  { "zombies_reaped", zombies_reaped, QUICK },
  { "preemption", preemption, QUICK },
  { "forkfork", forkfork, QUICK },
  { "fork_fill_proc_table", fork_fill_proc_table, QUICK },
  { "file_write_read", file_write_read, QUICK },
  { "file_truncate", file_truncate, QUICK },
  { "unlink_while_open", unlink_while_open, QUICK },
  { "link_counts", link_counts, QUICK },
  { "nested_dirs", nested_dirs, QUICK },
  { "root_dotdot", root_dotdot, QUICK },
  { "new_dir_entries", new_dir_entries, QUICK },
  { "unlink_dot", unlink_dot, QUICK },
  { "create_in_removed_dir", create_in_removed_dir, QUICK },
  { "mkdir_existing", mkdir_existing, QUICK },
  { "unlink_nonempty_dir", unlink_nonempty_dir, QUICK },
  { "link_to_dir", link_to_dir, QUICK },
  { "open_dir_for_write", open_dir_for_write, QUICK },
  { "chdir_to_file", chdir_to_file, QUICK },
  { "file_max_size", file_max_size, QUICK },
  { "many_files", many_files, QUICK },
  { "concurrent_create_delete", concurrent_create_delete, QUICK },
  { "out_of_inodes", out_of_inodes, SLOW },
  { "out_of_blocks", out_of_blocks, SLOW },
  { "pipe_big_transfer", pipe_big_transfer, QUICK },
  { "pipe_no_reader", pipe_no_reader, QUICK },
  { "pipe_no_writer", pipe_no_writer, QUICK },
  { "offset_shared_fork", offset_shared_fork, QUICK },
  { "offset_shared_dup", offset_shared_dup, QUICK },
/* END TESTS */
};

#define NTESTS ((int)(sizeof(tests) / sizeof(tests[0])))

/* What a test must give back: free pages, blocks and inodes. */
struct resources {
  int pages;
  int blocks;
  int inodes;
};

static struct resources
measure(void)
{
  struct resources r = { freepages(), -1, -1 };
  struct fsstat fs;
  if (fsstat(&fs) == 0) {
    r.blocks = fs.free_blocks;
    r.inodes = fs.free_inodes;
  }
  return r;
}

/* Print what was lost between before and after; 1 if nothing was. */
static int
nothing_lost(struct resources before, struct resources after)
{
  int ok = 1;
  if (before.pages != after.pages) {
    printf("lost free pages: before %d after %d\n", before.pages, after.pages);
    ok = 0;
  }
  if (before.blocks != after.blocks) {
    printf("lost free blocks: before %d after %d\n", before.blocks, after.blocks);
    ok = 0;
  }
  if (before.inodes != after.inodes) {
    printf("lost free inodes: before %d after %d\n", before.inodes, after.inodes);
    ok = 0;
  }
  return ok;
}

/* Runs one test in a child; 1 if it passed and gave everything back. */
static int
run_test(const struct test *t)
{
  struct resources before = measure();
  int pid = fork();
  if (pid < 0) {
    printf("test %s: FAILED (fork failed)\n", t->name);
    return 0;
  }
  if (pid == 0) {
    test_name = t->name;
    test_pid = getpid();
    t->run();
    exit(0);
  }
  int status = 0;
  if (wait(&status) != pid) {
    printf("test %s: FAILED (wait failed)\n", t->name);
    return 0;
  }
  int ok = (status == 0);
  if (status == KILLED)
    printf("  %s: the test process was killed by the kernel\n", t->name);
  else if (status != 0)
    printf("  %s: exit status %d\n", t->name, status);
  if (!nothing_lost(before, measure()))
    ok = 0;
  printf("test %s: %s\n", t->name, ok ? "OK" : "FAILED");
  return ok;
}

/*
 * Directories never shrink. Creating and removing a few files up front gives
 * the root directory spare entries, so the first test to create a file does
 * not get charged for the block that the directory grows by.
 */
#define ROOT_SPARE_ENTRIES 16

static void
reserve_root_entries(void)
{
  for (int i = 0; i < ROOT_SPARE_ENTRIES; i++) {
    int fd = open(numbered(name_buf, "ut_spare", i), O_CREATE | O_RDWR);
    if (fd >= 0)
      close(fd);
  }
  for (int i = 0; i < ROOT_SPARE_ENTRIES; i++)
    unlink(numbered(name_buf, "ut_spare", i));
}

static const struct test *
find_test(const char *name)
{
  for (int i = 0; i < NTESTS; i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

static void
list_tests(void)
{
  for (int i = 0; i < NTESTS; i++)
    printf("%s%s\n", tests[i].name, tests[i].speed == SLOW ? " slow" : "");
}

int
main(int argc, char *argv[])
{
  int on_stack;
  int quick_only = 0;
  int named = 0;

  stack_page = PGROUNDDOWN((uint64)&on_stack);
  heap_start = current_break();
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-l") == 0) {
      list_tests();
      exit(0);
    } else if (strcmp(argv[i], "-q") == 0) {
      quick_only = 1;
    } else if (find_test(argv[i]) != 0) {
      named++;
    } else {
      fprintf(2, "usage: usertests [-q] [-l] [NAME...]; no test named %s\n", argv[i]);
      exit(1);
    }
  }

  chdir("/");
  reserve_root_entries();
  printf("usertests starting\n");
  struct resources start = measure();
  int failed = 0;
  if (named) {
    for (int i = 1; i < argc; i++)
      if (argv[i][0] != '-')
        failed += !run_test(find_test(argv[i]));
  } else {
    for (int i = 0; i < NTESTS; i++)
      if (!(quick_only && tests[i].speed == SLOW))
        failed += !run_test(&tests[i]);
  }
  if (!nothing_lost(start, measure()))
    failed++;
  printf(failed ? "SOME TESTS FAILED\n" : "ALL TESTS PASSED\n");
  exit(failed ? 1 : 0);
}
