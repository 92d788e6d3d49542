/*
 * grind.c: random system call stress. Each round, a few worker processes
 * run a long pseudo-random sequence of file, directory, process, pipe and
 * memory calls on a handful of names inside /grindir, including calls with
 * bad arguments. Whatever happens, the kernel must stay up.
 *   grind      run forever, printing a dot per round
 *   grind N    run N rounds, then print "grind: OK"
 * A worker that sees an impossible result, or dies of a fault, fails the run.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "user/user.h"

#define HOME            "/grindir"
#define WORKERS         3
#define STEPS_PER_ROUND 300
#define CHILD_STEPS     8      /* random calls a forked child makes before exiting */
#define KEPT_FDS        4      /* descriptors a worker keeps open between steps */
#define IO_MAX          256    /* largest read or write */
#define SBRK_MAX_GROW   (2 * PGSIZE)

static const char *files[] = { "a", "b", "c", "d0/a", "d0/b", "d1/c", "d0/e/f" };
static const char *dirs[] = { "d0", "d1", "d0/e" };
#define NFILES (sizeof(files) / sizeof(files[0]))
#define NDIRS  (sizeof(dirs) / sizeof(dirs[0]))

/* Addresses no system call may use: text (read-only), the trapframe, the kernel. */
static char *const bad_buffers[] = { (char *)0, (char *)TRAPFRAME, (char *)KERNBASE, (char *)-1L };
#define NBAD (sizeof(bad_buffers) / sizeof(bad_buffers[0]))

static const char pipe_message[] = "grind pipe check";

struct worker {
  uint rng;                 /* xorshift state, never 0 */
  int fds[KEPT_FDS];        /* -1 when empty */
  int grown;                /* bytes this worker added with sbrk and may give back */
  char buf[IO_MAX];
};

static uint
next_random(struct worker *w)
{
  uint x = w->rng;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  w->rng = x;
  return x;
}

static uint
pick(struct worker *w, uint n)
{
  return next_random(w) % n;
}

static const char *
any_file(struct worker *w)
{
  return files[pick(w, NFILES)];
}

static const char *
any_dir(struct worker *w)
{
  return dirs[pick(w, NDIRS)];
}

static void
failed(const char *what, int detail)
{
  fprintf(2, "grind: FAILED %s (%d)\n", what, detail);
  exit(1);
}

/* ---- steps that only touch the file system ---- */

static void
step_create(struct worker *w)
{
  int fd = open(any_file(w), O_CREATE | O_RDWR);

  if (fd >= 0)
    close(fd);
}

static void
step_open_kept(struct worker *w)
{
  static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR, O_CREATE | O_RDWR,
                               O_CREATE | O_TRUNC | O_WRONLY };
  int slot = pick(w, KEPT_FDS);

  if (w->fds[slot] >= 0)
    close(w->fds[slot]);
  w->fds[slot] = open(pick(w, 4) == 0 ? any_dir(w) : any_file(w),
                      modes[pick(w, sizeof(modes) / sizeof(modes[0]))]);
}

static void
step_close(struct worker *w)
{
  int slot = pick(w, KEPT_FDS);

  close(w->fds[slot]);   /* may be -1: that must simply fail */
  w->fds[slot] = -1;
}

static void
step_dup(struct worker *w)
{
  int from = pick(w, KEPT_FDS);
  int to = pick(w, KEPT_FDS);

  if (from == to)
    return;
  if (w->fds[to] >= 0)
    close(w->fds[to]);
  w->fds[to] = dup(w->fds[from]);
}

static void
step_write(struct worker *w)
{
  int n = pick(w, IO_MAX + 1);

  memset(w->buf, 'a' + pick(w, 26), n);
  write(w->fds[pick(w, KEPT_FDS)], w->buf, n);
}

static void
step_read(struct worker *w)
{
  read(w->fds[pick(w, KEPT_FDS)], w->buf, pick(w, IO_MAX + 1));
}

static void
step_fstat(struct worker *w)
{
  struct stat st;

  if (pick(w, 2))
    fstat(w->fds[pick(w, KEPT_FDS)], &st);
  else
    stat(any_file(w), &st);
}

static void
step_unlink(struct worker *w)
{
  unlink(pick(w, 3) == 0 ? any_dir(w) : any_file(w));
}

static void
step_link(struct worker *w)
{
  link(any_file(w), any_file(w));
}

static void
step_mkdir(struct worker *w)
{
  mkdir(any_dir(w));
}

static void
step_chdir(struct worker *w)
{
  chdir(any_dir(w));
  if (chdir(HOME) < 0)
    failed("cannot return to " HOME, -1);
}

/* Bad buffers and paths: each call may fail, but must not hurt us or the kernel. */
static void
step_bad_pointer(struct worker *w)
{
  char *bad = bad_buffers[pick(w, NBAD)];
  int fd = w->fds[pick(w, KEPT_FDS)];
  int ffd;

  switch (pick(w, 4)) {
  case 0:
    read(fd, bad, pick(w, IO_MAX + 1));
    break;
  case 1:
    write(fd, bad, pick(w, IO_MAX + 1));
    break;
  case 2:
    ffd = open(bad, O_RDONLY);
    if (ffd >= 0)
      close(ffd);
    break;
  default:
    if (pipe((int *)bad) == 0) {
      /* Cannot happen for these addresses; if it did, the fds are unknown. */
      failed("pipe() accepted a bad pointer", (int)(uint64)bad);
    }
    break;
  }
}

/* ---- memory ---- */

static void
step_sbrk(struct worker *w)
{
  int lazy = pick(w, 2);
  int n;
  char *old;

  if (w->grown > 0 && pick(w, 2) == 0)
    n = -(int)pick(w, w->grown + 1);
  else
    n = pick(w, SBRK_MAX_GROW + 1);
  old = lazy ? sbrklazy(n) : sbrk(n);
  if (old == SBRK_ERROR) {
    if (n < 0)
      failed("sbrk refused to give back memory it gave", n);
    return;   /* out of memory is allowed */
  }
  w->grown += n;
  if (n > 0) {
    old[0] = 1;        /* both ends of new memory must be usable */
    old[n - 1] = 1;
  }
}

/* ---- processes ---- */

static int
wait_for(int pid)
{
  int status = 0;
  int got = wait(&status);

  if (got != pid)
    failed("wait returned the wrong child", got);
  return status;
}

static void run_step(struct worker *w, int may_spawn);

static void
step_fork(struct worker *w)
{
  int pid = fork();
  int i;

  if (pid < 0)
    return;   /* the process table may be full */
  if (pid == 0) {
    w->rng ^= getpid();   /* let the child go its own way */
    if (w->rng == 0)
      w->rng = 1;
    for (i = 0; i < CHILD_STEPS; i++)
      run_step(w, 0);
    exit(0);
  }
  if (wait_for(pid) != 0)
    failed("forked child failed", pid);
}

static void
step_pipe(struct worker *w)
{
  char got[sizeof(pipe_message)];
  int fds[2];
  int pid;
  int n = 0;
  int r;

  if (pipe(fds) < 0)
    return;   /* out of descriptors */
  pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (write(fds[1], pipe_message, sizeof(pipe_message)) != sizeof(pipe_message))
      exit(1);
    exit(0);
  }
  close(fds[1]);
  if (pid > 0) {
    while (n < sizeof(got) && (r = read(fds[0], got + n, sizeof(got) - n)) > 0)
      n += r;
    if (n != sizeof(got) || memcmp(got, pipe_message, sizeof(got)) != 0)
      failed("pipe delivered wrong data, bytes", n);
    if (wait_for(pid) != 0)
      failed("pipe writer failed", pid);
  }
  close(fds[0]);
}

/* Forks a child that never ends by itself, then kills it. */
static void
step_kill_child(struct worker *w)
{
  int spin = pick(w, 2);
  int pid = fork();
  int status;

  if (pid < 0)
    return;
  if (pid == 0) {
    for (;;) {
      if (!spin)
        pause(1);
    }
  }
  if (kill(pid) < 0)
    failed("could not kill own child", pid);
  status = wait_for(pid);
  if (status != -1)
    failed("killed child's exit status is not -1", status);
}

static void
step_exec_missing(struct worker *w)
{
  char *argv[] = { "grind-no-such-program", 0 };
  int r = exec(argv[0], argv);

  if (r != -1)
    failed("exec of a missing file returned", r);
}

/* ---- the worker ---- */

struct step {
  void (*run)(struct worker *w);
  int spawns;   /* creates processes: not done by forked children */
};

static const struct step steps[] = {
  { step_create, 0 },     { step_open_kept, 0 }, { step_close, 0 },
  { step_dup, 0 },        { step_write, 0 },     { step_write, 0 },
  { step_read, 0 },       { step_read, 0 },      { step_fstat, 0 },
  { step_unlink, 0 },     { step_link, 0 },      { step_mkdir, 0 },
  { step_chdir, 0 },      { step_bad_pointer, 0 }, { step_sbrk, 0 },
  { step_exec_missing, 0 },
  { step_fork, 1 },       { step_pipe, 1 },      { step_kill_child, 1 },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static void
run_step(struct worker *w, int may_spawn)
{
  const struct step *s;

  do {
    s = &steps[pick(w, NSTEPS)];
  } while (s->spawns && !may_spawn);
  s->run(w);
}

static void
worker_main(uint seed)
{
  static struct worker w;
  int i;

  w.rng = seed ? seed : 1;
  w.grown = 0;
  for (i = 0; i < KEPT_FDS; i++)
    w.fds[i] = -1;
  for (i = 0; i < STEPS_PER_ROUND; i++)
    run_step(&w, 1);
  exit(0);
}

/* One round: start the workers, wait for all; returns 0 or -1. */
static int
round_of_workers(int round)
{
  int started = 0;
  int ok = 1;
  int status;
  int pid;
  int i;

  for (i = 0; i < WORKERS; i++) {
    pid = fork();
    if (pid < 0) {
      fprintf(2, "grind: fork of a worker failed\n");
      ok = 0;
      break;
    }
    if (pid == 0)
      worker_main(round * WORKERS + i + 1);
    started++;
  }
  for (i = 0; i < started; i++) {
    pid = wait(&status);
    if (pid < 0) {
      fprintf(2, "grind: FAILED wait lost a worker\n");
      return -1;
    }
    if (status != 0) {
      fprintf(2, "grind: FAILED worker %d of round %d exited with status %d\n",
              pid, round, status);
      ok = 0;
    }
  }
  return ok ? 0 : -1;
}

int
main(int argc, char *argv[])
{
  int rounds = -1;   /* forever */
  int round;

  if (argc > 2 || (argc == 2 && (rounds = atoi(argv[1])) <= 0)) {
    fprintf(2, "grind: usage: grind [rounds]\n");
    exit(1);
  }
  mkdir(HOME);   /* may already exist */
  if (chdir(HOME) < 0) {
    fprintf(2, "grind: cannot enter %s\n", HOME);
    exit(1);
  }
  for (round = 0; rounds < 0 || round < rounds; round++) {
    if (round_of_workers(round) < 0)
      exit(1);
    if (rounds < 0)
      write(1, ".", 1);
  }
  printf("grind: OK\n");
  exit(0);
}
