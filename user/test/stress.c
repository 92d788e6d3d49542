/*
 * stress: keeps several harts busy at once with processes that fork, share
 * memory copy-on-write, grow lazy heaps, talk through pipes and churn files,
 * and checks every result on the way.
 *
 *   stress SEED ROUNDS    run ROUNDS rounds, choosing every size from SEED
 *                         (both positive numbers)
 *
 * A round forks five role processes at once and waits for them all:
 *
 *   tree   a fork tree three levels deep (two or three children per node
 *          near the top, one or two at the bottom). Every node owns a few
 *          heap pages holding its own pattern. A child first checks that it
 *          inherited its parent's bytes, grows its heap with sbrk (fresh
 *          pages must be zero) and shrinks it again, then writes its own
 *          pattern. A parent rewrites its pattern as soon as its children
 *          exist, reaps them, and checks that its bytes are what it wrote.
 *   cow    a parent fills 64 to 256 pages and forks two to four children.
 *          Every page has one writer (a child or the parent), and one page
 *          in eight is written by everyone; each writes a random word range
 *          of its pages. All sides write at once, then meet at a barrier
 *          (two pipes) and check again, so each side looks after the other
 *          sides have finished writing: it must see its own words, and the
 *          parent's words from before the fork everywhere else.
 *   lazy   sbrklazy() of 4 to 64 MiB; random pages are touched: the first
 *          read must find zeros, some pages are then written and read back,
 *          the rest stay zero. A child forked with that heap sees the
 *          written pages and zero elsewhere, writes some pages of its own,
 *          and the parent does not see those. sbrk(-n) then gives the range
 *          back (the break must return to where it was), and growing it
 *          lazily again must show zeros where the old words were.
 *   pipes  a producer sends numbered, checksummed chunks of random sizes
 *          (one byte, a few hundred, or up to three pages) straight to a
 *          consumer; a second producer sends another stream through one or
 *          two relays that copy whatever a read returns. The consumers check
 *          every byte, each chunk's number, length and sum, and that read
 *          returns 0 after the last one; a relay checks the byte count.
 *   files  in /stress.d/PID: two to four files open at once, written in
 *          records of 1 byte to 4000 bytes, closed, reopened, read back in
 *          random pieces and compared; link and unlink of second names with
 *          fstat's nlink, ino and size checked; one file truncated and
 *          rewritten until it needs the indirect block; one unlinked while
 *          open and read through its descriptor; then every name and the
 *          directory are removed. /stress.d itself (not /stress: that is
 *          this program) is made by the first process (an existing one is
 *          used as it is) and removed at the end if this run made it.
 *
 * Every system call's return value is compared with what it must be, and
 * every byte read back (from memory, a pipe or a file) with what was
 * written. One comparison (a call's result, or a whole range of words or
 * bytes) counts as one check. A process reports its checks, with its
 * children's, in its exit status:
 *
 *   bits 28..30  STATUS_TAG: the process got to its end
 *   bits 20..27  the token its parent forked it with (which child it is)
 *   bits  0..19  checks
 *
 * so a parent knows from wait() that a child finished and which one it was;
 * the pid wait() returns must be one of its own children not yet reaped.
 *
 * The random numbers of a role come from (SEED, round, role) only, and a
 * child's from its parent's and its token, so a run makes the same choices
 * every time (which process runs when, and the pids, still vary).
 *
 * Output: "stress: seed SEED rounds ROUNDS" first, then for each round
 * "stress: round R ok (N checks)", and at the end
 * "stress: OK SEED ROUNDS rounds, C checks". A check that fails prints
 * "stress: FAILED ROLE round R pid P: WHAT: expected X, saw Y" and exits
 * with status 1; every process above it then fails too, and the run ends
 * with exit status 1 after the round, without the OK line.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "user/user.h"

/* ---- exit statuses (see the top of the file) ---- */
#define STATUS_FAILED       1
#define STATUS_TAG          5
#define STATUS_TAG_SHIFT    28
#define STATUS_TOKEN_SHIFT  20
#define STATUS_TOKEN_MASK   0xff
#define STATUS_CHECKS_MASK  0xfffff
#define EXIT_USAGE          2

/* ---- the roles ---- */
#define ROLE_TREE           0
#define ROLE_COW            1
#define ROLE_LAZY           2
#define ROLE_PIPES          3
#define ROLE_FILES          4
#define ROLES               5
#define CHILDREN_MAX        8     /* children one process forks and reaps, at most */

/* ---- fork tree ---- */
#define TREE_DEPTH          3     /* levels of forking below the role process */
#define TREE_PAGES_MIN      2     /* each node's private buffer */
#define TREE_PAGES_MAX      4
#define TREE_GROW_MAX       2     /* pages a child adds with sbrk and takes away again */
#define TREE_FANOUT_MAX     3     /* children of one node, at most */

/* ---- copy-on-write writers ---- */
#define COW_PAGES_MIN       64
#define COW_PAGES_MAX       256
#define COW_CHILDREN_MIN    2
#define COW_CHILDREN_MAX    4
#define COW_SHARED_ONE_IN   8     /* one page in this many is written by every side */

/* ---- lazy heaps ---- */
#define MIB                 (1024 * 1024)
#define LAZY_MIB_MIN        4
#define LAZY_MIB_MAX        64
#define LAZY_TOUCH_MIN      24    /* pages touched */
#define LAZY_TOUCH_MAX      48
#define LAZY_READONLY_ONE_IN 3    /* of those, pages only read (they keep the zero page) */
#define LAZY_CHILD_WRITE_ONE_IN 3 /* touched pages the child writes over */
#define LAZY_PROBES         8     /* untouched pages the child reads: must be zero */

/* ---- pipes ---- */
#define CHUNKS_MIN          12
#define CHUNKS_MAX          24
#define CHUNK_SMALL_MAX     600   /* a "few hundred bytes" chunk */
#define CHUNK_BIG_MIN       (PGSIZE + 1)
#define CHUNK_BIG_MAX       (3 * PGSIZE)
#define CHUNK_MAGIC         0x5354524dU
#define RELAYS_MIN          1
#define RELAYS_MAX          2
#define RELAY_READ_MAX      1500  /* a relay asks for 1 .. this many bytes per read */
#define PIPE_PROCS          (RELAYS_MAX + 4)

/* ---- files ---- */
#define STRESS_DIR          "/stress.d"
#define FILES_MIN           2
#define FILES_MAX           4     /* few: each record costs a log commit, the role's main cost */
#define RECORDS_MIN         1     /* records per file, written to the files in random order */
#define RECORDS_MAX         3
#define RECORD_SMALL_MAX    100
#define RECORD_MAX          4000  /* up to four blocks (BSIZE), one write chunk of the kernel */
#define READ_PIECE_MAX      1500  /* read back in pieces of 1 .. this many bytes */
#define PATH_MAX            40    /* STRESS_DIR "/" + a pid + "/" + a short name; names in messages */

/* ---- patterns and messages ---- */
#define GOLDEN              0x9E3779B97F4A7C15UL   /* odd, with well-mixed bits */
#define WORDS_PER_PAGE      (PGSIZE / (int)sizeof(uint64))
#define MESSAGE_MAX         200

static const char *role_names[ROLES] = { "tree", "cow", "lazy", "pipes", "files" };

/* Which process this is. fork copies all of it; spawn() resets what must not carry over. */
static const char *role_name = "main";
static int round_no;
static int my_token;
static uint64 rng;       /* this process's random stream */
static uint checks;      /* checks made by this process and its reaped children */

/* ================= random numbers ================= */

/* A 64-bit finalizer (the one splitmix64 uses): every input bit moves every output bit. */
static uint64
mix(uint64 x)
{
  x += GOLDEN;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
  return x ^ (x >> 31);
}

/* xorshift64*: fine for choosing sizes; the state must not be 0. */
static uint64
rng_next(uint64 *state)
{
  uint64 x = *state;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DUL;
}

static uint64
rng_start(uint64 a, uint64 b, uint64 c)
{
  uint64 s = mix(mix(mix(a) ^ b) ^ c);

  return s != 0 ? s : 1;
}

/* A number in [lo, hi]. */
static int
rng_range(uint64 *state, int lo, int hi)
{
  return lo + (int)(rng_next(state) % (uint64)(hi - lo + 1));
}

static int
rng_below(uint64 *state, int n)
{
  return (int)(rng_next(state) % (uint64)n);
}

/* ================= patterns ================= */

/* Word number index of salt's pattern. Two different salts differ in every word. */
static uint64
word_at(uint64 salt, uint64 index)
{
  return salt + index * GOLDEN;
}

/* Byte number offset of salt's pattern (for pipes and files, where lengths are odd). */
static uchar
byte_at(uint64 salt, uint64 offset)
{
  return (uchar)(((salt ^ offset) * GOLDEN) >> 56);
}

static void
fill_words(uint64 *base, int from, int to, uint64 salt)
{
  for (int i = from; i < to; i++)
    base[i] = word_at(salt, i);
}

static void
fill_bytes(uchar *buf, int n, uint64 salt, uint64 offset)
{
  for (int i = 0; i < n; i++)
    buf[i] = byte_at(salt, offset + i);
}

/* ================= failure messages ================= */

/*
 * A line put together piece by piece and written with one write(): the
 * console keeps each 64-byte piece of a write whole, so even when several
 * processes fail at once, "stress: FAILED" and what follows stay together.
 */
struct message {
  char text[MESSAGE_MAX];
  int len;
};

static void
put_str(struct message *m, const char *s)
{
  while (*s != '\0' && m->len < MESSAGE_MAX - 1)
    m->text[m->len++] = *s++;
}

static void
put_unsigned(struct message *m, uint64 v, int base)
{
  char digits[24];
  int n = 0;

  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  if (base == 16)
    put_str(m, "0x");
  while (n > 0 && m->len < MESSAGE_MAX - 1)
    m->text[m->len++] = digits[--n];
}

static void
put_signed(struct message *m, long v)
{
  if (v < 0) {
    put_str(m, "-");
    put_unsigned(m, -(uint64)v, 10);
  } else {
    put_unsigned(m, v, 10);
  }
}

/* Appends the decimal digits of v to s. */
static void
append_number(char *s, int v)
{
  char digits[12];
  int n = 0;

  while (*s != '\0')
    s++;
  do {
    digits[n++] = '0' + v % 10;
    v /= 10;
  } while (v != 0);
  while (n > 0)
    *s++ = digits[--n];
  *s = '\0';
}

/* How fail() shows the two values. */
#define SHOW_DEC 0
#define SHOW_HEX 1

static void
put_value(struct message *m, int show, uint64 v)
{
  if (show == SHOW_HEX)
    put_unsigned(m, v, 16);
  else
    put_signed(m, (long)v);
}

/* "stress: FAILED ROLE round R pid P: WHAT[ NAME][ AT]: expected " */
static void
put_failure_start(struct message *m, const char *what, const char *name, long at)
{
  m->len = 0;
  put_str(m, "stress: FAILED ");
  put_str(m, role_name);
  put_str(m, " round ");
  put_signed(m, round_no);
  put_str(m, " pid ");
  put_signed(m, getpid());
  put_str(m, ": ");
  put_str(m, what);
  if (name != 0) {
    put_str(m, " ");
    put_str(m, name);
  }
  if (at >= 0) {
    put_str(m, " ");
    put_signed(m, at);
  }
  put_str(m, ": expected ");
}

static void __attribute__((noreturn))
put_failure_end(struct message *m, int show, uint64 seen)
{
  put_str(m, ", saw ");
  put_value(m, show, seen);
  m->text[m->len++] = '\n';
  write(1, m->text, m->len);
  exit(STATUS_FAILED);
}

/*
 * Prints "stress: FAILED ROLE round R pid P: WHAT[ NAME][ AT]: expected X, saw Y"
 * and exits with STATUS_FAILED. name may be 0 and at negative: then they are left out.
 */
static void __attribute__((noreturn))
fail(const char *what, const char *name, long at, int show, uint64 expected, uint64 seen)
{
  struct message m;

  put_failure_start(&m, what, name, at);
  put_value(&m, show, expected);
  put_failure_end(&m, show, seen);
}

/* The same, for an expectation that is not one value ("a pid", "a descriptor"). */
static void __attribute__((noreturn))
fail_expecting(const char *what, const char *name, long at, const char *expected, long seen)
{
  struct message m;

  put_failure_start(&m, what, name, at);
  put_str(&m, expected);
  put_failure_end(&m, SHOW_DEC, seen);
}

/* ================= checks ================= */

static void
expect(const char *what, const char *name, long at, long expected, long seen)
{
  checks++;
  if (seen != expected)
    fail(what, name, at, SHOW_DEC, expected, seen);
}

static void
expect_addr(const char *what, void *expected, void *seen)
{
  checks++;
  if (seen != expected)
    fail(what, 0, -1, SHOW_HEX, (uint64)expected, (uint64)seen);
}

/* words [from, to) of base must hold salt's pattern; a mismatch names its byte offset from base. */
static void
expect_words(const char *what, const uint64 *base, int from, int to, uint64 salt)
{
  checks++;
  for (int i = from; i < to; i++)
    if (base[i] != word_at(salt, i))
      fail(what, "at byte", (long)i * sizeof(uint64), SHOW_HEX, word_at(salt, i), base[i]);
}

static void
expect_zero_words(const char *what, const uint64 *base, int from, int to)
{
  checks++;
  for (int i = from; i < to; i++)
    if (base[i] != 0)
      fail(what, "at byte", (long)i * sizeof(uint64), SHOW_HEX, 0, base[i]);
}

/* n bytes of buf must be salt's pattern starting at offset. */
static void
expect_bytes(const char *what, const char *name, const uchar *buf, int n, uint64 salt, uint64 offset)
{
  checks++;
  for (int i = 0; i < n; i++)
    if (buf[i] != byte_at(salt, offset + i))
      fail(what, name, (long)(offset + i), SHOW_HEX, byte_at(salt, offset + i), buf[i]);
}

/* ================= processes ================= */

/*
 * Forks a child known to its parent by token. Returns the child's pid in
 * the parent and 0 in the child, whose checks start from 0 and whose random
 * stream branches off its parent's.
 */
static int
spawn(int token)
{
  int pid = fork();

  checks++;
  if (pid < 0)
    fail_expecting("fork of the child with token", 0, token, "a pid", pid);
  if (pid == 0) {
    checks = 0;
    my_token = token;
    rng = rng_start(rng, token, 0);   /* not from the pid: a run must replay */
    return 0;
  }
  return pid;
}

/* Ends a process that got through its work: the status carries its token and checks. */
static void __attribute__((noreturn))
finish(void)
{
  if (checks > STATUS_CHECKS_MASK)
    fail("checks to report (more than the status holds)", 0, -1, SHOW_DEC, STATUS_CHECKS_MASK, checks);
  exit((STATUS_TAG << STATUS_TAG_SHIFT) | (my_token << STATUS_TOKEN_SHIFT) | checks);
}

static int
status_ok(int status, int token)
{
  return (status >> STATUS_TAG_SHIFT) == STATUS_TAG &&
         ((status >> STATUS_TOKEN_SHIFT) & STATUS_TOKEN_MASK) == token;
}

/*
 * Waits for the n children in pids (pids[i] was spawned with token i). Each
 * wait() must return one of them not yet reaped, with a status saying it
 * finished as child i; their checks join ours. A child that failed has
 * printed why; this process fails too, but only after reaping every child,
 * so no child is left for init. names[i], when given, names child i.
 */
static void
reap(const int *pids, int n, const char *const *names)
{
  int reaped[CHILDREN_MAX];
  int bad = -1, bad_status = 0;
  int i, k;

  for (i = 0; i < n; i++)
    reaped[i] = 0;
  for (k = 0; k < n; k++) {
    int status = 0;
    int pid = wait(&status);

    for (i = 0; i < n; i++)
      if (pids[i] == pid && !reaped[i])
        break;
    checks++;
    if (i == n)
      fail_expecting("wait() for child", 0, k, "the pid of a child not yet reaped", pid);
    reaped[i] = 1;
    checks++;
    if (!status_ok(status, i)) {
      if (bad < 0) {
        bad = i;
        bad_status = status;
      }
      continue;
    }
    checks += status & STATUS_CHECKS_MASK;
  }
  expect("wait() with no children left", 0, -1, -1, wait(0));
  if (bad >= 0)
    fail("exit status of child", names != 0 ? names[bad] : "with token", names != 0 ? pids[bad] : bad,
         SHOW_HEX, (STATUS_TAG << STATUS_TAG_SHIFT) | (bad << STATUS_TOKEN_SHIFT), bad_status);
}

/*
 * Grows the heap by n bytes, eagerly or lazily; the call must return the old
 * break (where sbrk(0) said) and move the break by n.
 */
static char *
grow_heap(int n, int lazy)
{
  char *old = sbrk(0);
  char *got;

  checks++;
  if (old == SBRK_ERROR)
    fail_expecting("sbrk(0)", 0, -1, "the break", -1);
  got = lazy ? sbrklazy(n) : sbrk(n);
  expect_addr(lazy ? "sbrklazy(n) returned the old break" : "sbrk(n) returned the old break", old, got);
  expect_addr(lazy ? "break after sbrklazy(n)" : "break after sbrk(n)", old + n, sbrk(0));
  return old;
}

static char *
grow(int n)
{
  return grow_heap(n, 0);
}

/* Gives back n bytes at the top of the heap, which must start at base + n. */
static void
shrink(char *base, int n)
{
  expect_addr("sbrk(-n) returned the old break", base + n, sbrk(-n));
  expect_addr("break after sbrk(-n)", base, sbrk(0));
}

/* Reads exactly n bytes (a pipe may return fewer per call); fails on an early end. */
static void
read_full(int fd, void *buf, int n, const char *what)
{
  int got = 0;

  while (got < n) {
    int r = read(fd, (char *)buf + got, n - got);
    if (r <= 0)
      fail("bytes got by", what, -1, SHOW_DEC, n, got);
    got += r;
  }
  checks++;
}

static void
write_full(int fd, const void *buf, int n, const char *what)
{
  expect(what, 0, -1, n, write(fd, buf, n));
}

/* ================= role: fork tree ================= */

static const int tree_fanout_min[TREE_DEPTH] = { 2, 2, 1 };
static const int tree_fanout_max[TREE_DEPTH] = { TREE_FANOUT_MAX, TREE_FANOUT_MAX, 2 };

/*
 * One node at level (0 is the role process). Its buffer (nwords words) holds
 * salt's pattern. Forks its children, rewrites its own buffer while they
 * check theirs, reaps them and checks that its buffer holds what it wrote.
 */
static void
tree_node(uint64 *buf, int nwords, int level, uint64 salt)
{
  int pids[TREE_FANOUT_MAX];
  int fanout = rng_range(&rng, tree_fanout_min[level], tree_fanout_max[level]);
  uint64 later = rng_next(&rng);

  for (int i = 0; i < fanout; i++) {
    uint64 child_salt = rng_next(&rng);

    pids[i] = spawn(i);
    if (pids[i] == 0) {
      int grow_pages = rng_range(&rng, 1, TREE_GROW_MAX);
      uint64 *extra;

      expect_words("inherited buffer", buf, 0, nwords, salt);
      extra = (uint64 *)grow(grow_pages * PGSIZE);
      expect_zero_words("fresh sbrk pages", extra, 0, grow_pages * WORDS_PER_PAGE);
      fill_words(extra, 0, grow_pages * WORDS_PER_PAGE, child_salt);
      fill_words(buf, 0, nwords, child_salt);
      expect_words("own sbrk pages", extra, 0, grow_pages * WORDS_PER_PAGE, child_salt);
      shrink((char *)extra, grow_pages * PGSIZE);
      expect_words("own buffer", buf, 0, nwords, child_salt);
      if (level + 1 < TREE_DEPTH)
        tree_node(buf, nwords, level + 1, child_salt);
      finish();
    }
  }
  /* The children check the old pattern while we write a new one. */
  fill_words(buf, 0, nwords, later);
  reap(pids, fanout, 0);
  expect_words("own buffer after the children exited", buf, 0, nwords, later);
}

static void
role_tree(void)
{
  int pages = rng_range(&rng, TREE_PAGES_MIN, TREE_PAGES_MAX);
  int nwords = pages * WORDS_PER_PAGE;
  uint64 salt = rng_next(&rng);
  uint64 *buf = (uint64 *)grow(pages * PGSIZE);

  fill_words(buf, 0, nwords, salt);
  expect_words("own buffer", buf, 0, nwords, salt);
  tree_node(buf, nwords, 0, salt);
  shrink((char *)buf, pages * PGSIZE);
}

/* ================= role: copy-on-write writers ================= */

/* Sides are 0 .. nchildren - 1 for the children, nchildren for the parent. */
struct cow_plan {
  uint64 *pages;               /* npages pages */
  int npages;
  int nchildren;
  uint64 base_salt;            /* what the parent wrote before forking */
  uint64 salt[COW_CHILDREN_MAX + 1];
  uint64 ranges;               /* salt of the word ranges each side writes */
  uchar writer[COW_PAGES_MAX];
  uchar everyone[COW_PAGES_MAX];
};

static int
cow_writes(const struct cow_plan *plan, int side, int page)
{
  return plan->writer[page] == side || plan->everyone[page];
}

/* The word range [*from, *to) that side writes in page: depends on both, never empty. */
static void
cow_range(const struct cow_plan *plan, int side, int page, int *from, int *to)
{
  uint64 h = mix(plan->ranges ^ ((uint64)side << 32) ^ page);
  int a = h % WORDS_PER_PAGE;
  int b = (h >> 32) % WORDS_PER_PAGE;

  *from = a < b ? a : b;
  *to = (a < b ? b : a) + 1;
}

static void
cow_write(const struct cow_plan *plan, int side)
{
  int from, to;

  for (int p = 0; p < plan->npages; p++) {
    if (!cow_writes(plan, side, p))
      continue;
    cow_range(plan, side, p, &from, &to);
    fill_words(plan->pages, p * WORDS_PER_PAGE + from, p * WORDS_PER_PAGE + to, plan->salt[side]);
  }
}

/* side's whole view: its own words where it wrote, the parent's first pattern everywhere else. */
static void
cow_check(const struct cow_plan *plan, int side, const char *when)
{
  int from, to;

  for (int p = 0; p < plan->npages; p++) {
    int first = p * WORDS_PER_PAGE;
    int end = first + WORDS_PER_PAGE;

    if (!cow_writes(plan, side, p)) {
      expect_words(when, plan->pages, first, end, plan->base_salt);
      continue;
    }
    cow_range(plan, side, p, &from, &to);
    expect_words(when, plan->pages, first, first + from, plan->base_salt);
    expect_words(when, plan->pages, first + from, first + to, plan->salt[side]);
    expect_words(when, plan->pages, first + to, end, plan->base_salt);
  }
}

static void
role_cow(void)
{
  static struct cow_plan plan;
  int pids[COW_CHILDREN_MAX];
  int done[2], go[2];
  char byte = 'g';
  char got[COW_CHILDREN_MAX];
  int side, n;

  plan.npages = rng_range(&rng, COW_PAGES_MIN, COW_PAGES_MAX);
  plan.nchildren = rng_range(&rng, COW_CHILDREN_MIN, COW_CHILDREN_MAX);
  plan.base_salt = rng_next(&rng);
  for (side = 0; side <= plan.nchildren; side++)
    plan.salt[side] = rng_next(&rng);
  plan.ranges = rng_next(&rng);
  for (int p = 0; p < plan.npages; p++) {
    plan.writer[p] = rng_below(&rng, plan.nchildren + 1);
    plan.everyone[p] = rng_below(&rng, COW_SHARED_ONE_IN) == 0;
  }
  plan.pages = (uint64 *)grow(plan.npages * PGSIZE);
  expect_zero_words("fresh sbrk pages", plan.pages, 0, plan.npages * WORDS_PER_PAGE);
  fill_words(plan.pages, 0, plan.npages * WORDS_PER_PAGE, plan.base_salt);
  expect("pipe", "done", -1, 0, pipe(done));
  expect("pipe", "go", -1, 0, pipe(go));

  for (side = 0; side < plan.nchildren; side++) {
    pids[side] = spawn(side);
    if (pids[side] == 0) {
      expect("close", "done read end", -1, 0, close(done[0]));
      expect("close", "go write end", -1, 0, close(go[1]));
      cow_write(&plan, side);
      cow_check(&plan, side, "child's view while others write");
      write_full(done[1], &byte, 1, "write to the done pipe");
      /*
       * Closed at once: should a side die before its byte, the parent's read
       * then ends (0) when the others have written, and nobody waits for ever.
       */
      expect("close", "done write end", -1, 0, close(done[1]));
      read_full(go[0], &byte, 1, "read from the go pipe");
      cow_check(&plan, side, "child's view after every side wrote");
      expect("close", "go read end", -1, 0, close(go[0]));
      finish();
    }
  }
  expect("close", "done write end", -1, 0, close(done[1]));
  expect("close", "go read end", -1, 0, close(go[0]));
  side = plan.nchildren;
  cow_write(&plan, side);
  cow_check(&plan, side, "parent's view while children write");
  for (n = 0; n < plan.nchildren; n++)
    read_full(done[0], &got[n], 1, "read from the done pipe");
  cow_check(&plan, side, "parent's view after every side wrote");
  for (n = 0; n < plan.nchildren; n++)
    write_full(go[1], &byte, 1, "write to the go pipe");
  reap(pids, plan.nchildren, 0);
  expect("read from the done pipe after every child exited", 0, -1, 0, read(done[0], got, 1));
  cow_check(&plan, side, "parent's view after the children exited");
  expect("close", "done read end", -1, 0, close(done[0]));
  expect("close", "go write end", -1, 0, close(go[1]));
  shrink((char *)plan.pages, plan.npages * PGSIZE);
}

/* ================= role: lazy heaps ================= */

#define TOUCH_READ   0   /* read only: must stay zero */
#define TOUCH_WRITE  1   /* written after the first read */

struct lazy_plan {
  uint64 *first;               /* the lazy range's first whole page */
  int npages;
  int ntouched;
  int page[LAZY_TOUCH_MAX];
  int kind[LAZY_TOUCH_MAX];
  uint64 salt;
};

static uint64 *
lazy_page(const struct lazy_plan *plan, int page)
{
  return plan->first + (uint64)page * WORDS_PER_PAGE;
}

/* Whole page of the lazy range: the pattern, or zero. Word indices count from the range's start. */
static void
lazy_expect_page(const struct lazy_plan *plan, int page, int written, uint64 salt, const char *what)
{
  uint64 *at = lazy_page(plan, page);

  if (written)
    expect_words(what, plan->first, page * WORDS_PER_PAGE, (page + 1) * WORDS_PER_PAGE, salt);
  else
    expect_zero_words(what, at, 0, WORDS_PER_PAGE);
}

static void
lazy_expect_all(const struct lazy_plan *plan, const char *what)
{
  for (int i = 0; i < plan->ntouched; i++)
    lazy_expect_page(plan, plan->page[i], plan->kind[i] == TOUCH_WRITE, plan->salt, what);
}

static int
lazy_touched(const struct lazy_plan *plan, int page)
{
  for (int i = 0; i < plan->ntouched; i++)
    if (plan->page[i] == page)
      return 1;
  return 0;
}

/*
 * The child: it sees the parent's heap, zeros in untouched pages, then
 * writes over some touched pages (some of them still on the zero page).
 */
static void __attribute__((noreturn))
lazy_child(const struct lazy_plan *plan)
{
  uint64 mine = rng_next(&rng);
  int wrote[LAZY_TOUCH_MAX];
  int i;

  lazy_expect_all(plan, "child's view of the inherited lazy heap");
  for (i = 0; i < LAZY_PROBES; i++) {
    int page = rng_below(&rng, plan->npages);

    if (!lazy_touched(plan, page))
      lazy_expect_page(plan, page, 0, 0, "child reading an untouched lazy page");
  }
  for (i = 0; i < plan->ntouched; i++) {
    int page = plan->page[i];

    wrote[i] = rng_below(&rng, LAZY_CHILD_WRITE_ONE_IN) == 0;
    if (wrote[i]) {
      fill_words(plan->first, page * WORDS_PER_PAGE, (page + 1) * WORDS_PER_PAGE, mine);
      lazy_expect_page(plan, page, 1, mine, "child's own write to a lazy page");
    }
  }
  for (i = 0; i < plan->ntouched; i++) {
    if (wrote[i])
      lazy_expect_page(plan, plan->page[i], 1, mine, "child's page after all its writes");
    else
      lazy_expect_page(plan, plan->page[i], plan->kind[i] == TOUCH_WRITE, plan->salt,
                       "parent's page in the child after the child's writes");
  }
  finish();
}

static void
role_lazy(void)
{
  static struct lazy_plan plan;
  int size = rng_range(&rng, LAZY_MIB_MIN, LAZY_MIB_MAX) * MIB;
  int ntouch = rng_range(&rng, LAZY_TOUCH_MIN, LAZY_TOUCH_MAX);
  char *base = grow_heap(size, 1);
  int pid;
  int i;

  plan.first = (uint64 *)PGROUNDUP((uint64)base);
  plan.npages = (base + size - (char *)plan.first) / PGSIZE;
  plan.salt = rng_next(&rng);

  /* Touch pages in a random order, the last and the first among them. */
  for (plan.ntouched = 0; plan.ntouched < ntouch; plan.ntouched++) {
    int page;

    if (plan.ntouched == 0)
      page = plan.npages - 1;
    else if (plan.ntouched == 1)
      page = 0;
    else
      do
        page = rng_below(&rng, plan.npages);
      while (lazy_touched(&plan, page));
    i = plan.ntouched;
    plan.page[i] = page;
    plan.kind[i] = rng_below(&rng, LAZY_READONLY_ONE_IN) == 0 ? TOUCH_READ : TOUCH_WRITE;
    lazy_expect_page(&plan, page, 0, 0, "first read of a lazy page");
    if (plan.kind[i] == TOUCH_WRITE) {
      fill_words(plan.first, page * WORDS_PER_PAGE, (page + 1) * WORDS_PER_PAGE, plan.salt);
      lazy_expect_page(&plan, page, 1, plan.salt, "lazy page read back after writing it");
    }
  }
  lazy_expect_all(&plan, "lazy heap after every touch");

  pid = spawn(0);
  if (pid == 0)
    lazy_child(&plan);
  reap(&pid, 1, 0);
  lazy_expect_all(&plan, "parent's lazy heap after its child wrote to its copy");

  shrink(base, size);
  /* The same range again: nothing of the old words may show through. */
  expect_addr("sbrklazy(n) after shrinking returned the old break", base, grow_heap(size, 1));
  for (i = 0; i < plan.ntouched; i++)
    lazy_expect_page(&plan, plan.page[i], 0, 0, "lazy page grown again after sbrk(-n)");
  shrink(base, size);
}

/* ================= role: pipes ================= */

struct chunk_head {
  uint magic;
  uint seq;
  uint len;
  uint sum;
};

/* A stream of chunks: the producer and the consumer draw the same sizes from seed. */
struct stream {
  uint64 seed;
  int nchunks;
  uint64 sizes;                 /* state of the size stream, advanced per chunk */
};

static void
stream_start(struct stream *s, uint64 seed)
{
  s->seed = seed;
  s->sizes = rng_start(seed, 1, 2);
  s->nchunks = rng_range(&s->sizes, CHUNKS_MIN, CHUNKS_MAX);
}

/* The next chunk's length: one byte, a few hundred, or more than a page. */
static int
stream_next_len(struct stream *s)
{
  int kind = rng_below(&s->sizes, 8);

  if (kind == 0)
    return 1;
  if (kind <= 2)
    return rng_range(&s->sizes, CHUNK_BIG_MIN, CHUNK_BIG_MAX);
  return rng_range(&s->sizes, 2, CHUNK_SMALL_MAX);
}

static uint64
stream_salt(const struct stream *s, int seq)
{
  return mix(s->seed + seq);
}

/* Rotate and add: a byte moved or changed changes the sum. */
static uint
chunk_sum(const uchar *data, int n)
{
  uint sum = 0;

  for (int i = 0; i < n; i++)
    sum = ((sum << 5) | (sum >> 27)) + data[i];
  return sum;
}

/* Total bytes the stream puts in a pipe, headers included. */
static int
stream_bytes(uint64 seed)
{
  struct stream s;
  int total = 0;

  stream_start(&s, seed);
  for (int i = 0; i < s.nchunks; i++)
    total += sizeof(struct chunk_head) + stream_next_len(&s);
  return total;
}

static uchar chunk_buf[sizeof(struct chunk_head) + CHUNK_BIG_MAX];

static void
producer(int out, uint64 seed)
{
  struct stream s;
  struct chunk_head *head = (struct chunk_head *)chunk_buf;
  uchar *data = chunk_buf + sizeof(*head);

  stream_start(&s, seed);
  for (int seq = 0; seq < s.nchunks; seq++) {
    int len = stream_next_len(&s);

    fill_bytes(data, len, stream_salt(&s, seq), 0);
    head->magic = CHUNK_MAGIC;
    head->seq = seq;
    head->len = len;
    head->sum = chunk_sum(data, len);
    /* Now and then in two writes, so a header can wait in the pipe alone. */
    if (rng_below(&rng, 2) == 0) {
      write_full(out, chunk_buf, sizeof(*head) + len, "write of a whole chunk");
    } else {
      write_full(out, head, sizeof(*head), "write of a chunk header");
      write_full(out, data, len, "write of a chunk's data");
    }
  }
  expect("close", "the producer's write end", -1, 0, close(out));
}

static void
consumer(int in, uint64 seed)
{
  struct stream s;
  struct chunk_head head;
  uchar *data = chunk_buf;
  int seq;

  stream_start(&s, seed);
  for (seq = 0; seq < s.nchunks; seq++) {
    int len = stream_next_len(&s);
    uint64 salt = stream_salt(&s, seq);
    char where[PATH_MAX] = "of chunk ";
    uint sum;

    read_full(in, &head, sizeof(head), "read of a chunk header");
    expect("chunk magic", 0, seq, CHUNK_MAGIC, head.magic);
    expect("chunk number", 0, -1, seq, head.seq);
    expect("chunk length", 0, seq, len, head.len);
    read_full(in, data, len, "read of a chunk's data");
    append_number(where, seq);
    strcpy(where + strlen(where), ", byte");
    expect_bytes("data", where, data, len, salt, 0);
    fill_bytes(data, len, salt, 0);
    sum = chunk_sum(data, len);
    expect("chunk sum in the header", 0, seq, sum, head.sum);
  }
  expect("chunks before the end", 0, -1, s.nchunks, seq);
  expect("read after the last chunk (end of file)", 0, -1, 0, read(in, &head, 1));
  expect("close", "the consumer's read end", -1, 0, close(in));
}

/* Copies whatever each read returns; checks the total and passes the end of file on. */
static void
relay(int in, int out, uint64 seed)
{
  int expected = stream_bytes(seed);
  int total = 0;
  int n;

  while ((n = read(in, chunk_buf, rng_range(&rng, 1, RELAY_READ_MAX))) > 0) {
    write_full(out, chunk_buf, n, "relay's write");
    total += n;
  }
  expect("relay's read at the end", 0, -1, 0, n);
  expect("bytes through the relay", 0, -1, expected, total);
  expect("close", "the relay's write end", -1, 0, close(out));
  expect("close", "the relay's read end", -1, 0, close(in));
}

/* Closes every pipe end in fds except keep_a and keep_b. */
static void
close_others(const int *fds, int n, int keep_a, int keep_b)
{
  for (int i = 0; i < n; i++)
    if (fds[i] != keep_a && fds[i] != keep_b)
      expect("close", "an unused pipe end", -1, 0, close(fds[i]));
}

static void
role_pipes(void)
{
  /* fds: [0..1] the pair's pipe, then one pipe per link of the chain. */
  int fds[2 * (RELAYS_MAX + 2)];
  int pids[PIPE_PROCS];
  int nrelays = rng_range(&rng, RELAYS_MIN, RELAYS_MAX);
  int nfds = 2 * (nrelays + 2);
  uint64 pair_seed = rng_next(&rng);
  uint64 chain_seed = rng_next(&rng);
  int nprocs = 0;
  int i;

  for (i = 0; i < nfds; i += 2)
    expect("pipe", 0, i / 2, 0, pipe(&fds[i]));

  /* The pair: fds[1] -> fds[0]. */
  if ((pids[nprocs] = spawn(nprocs)) == 0) {
    close_others(fds, nfds, fds[1], -1);
    producer(fds[1], pair_seed);
    finish();
  }
  nprocs++;
  if ((pids[nprocs] = spawn(nprocs)) == 0) {
    close_others(fds, nfds, fds[0], -1);
    consumer(fds[0], pair_seed);
    finish();
  }
  nprocs++;

  /* The chain: link k is fds[2 + 2k] (read) and fds[3 + 2k] (write). */
  if ((pids[nprocs] = spawn(nprocs)) == 0) {
    close_others(fds, nfds, fds[3], -1);
    producer(fds[3], chain_seed);
    finish();
  }
  nprocs++;
  for (int k = 0; k < nrelays; k++) {
    int in = fds[2 + 2 * k], out = fds[3 + 2 * (k + 1)];

    if ((pids[nprocs] = spawn(nprocs)) == 0) {
      close_others(fds, nfds, in, out);
      relay(in, out, chain_seed);
      finish();
    }
    nprocs++;
  }
  if ((pids[nprocs] = spawn(nprocs)) == 0) {
    close_others(fds, nfds, fds[2 + 2 * nrelays], -1);
    consumer(fds[2 + 2 * nrelays], chain_seed);
    finish();
  }
  nprocs++;

  close_others(fds, nfds, -1, -1);
  reap(pids, nprocs, 0);
}

/* ================= role: file churn ================= */

/* What one file should hold: its bytes are salt's pattern from offset 0. */
struct churn_file {
  char name[PATH_MAX];
  char other[PATH_MAX];        /* a second name, made by link() */
  int fd;
  int size;
  uint64 salt;
};

static char file_buf[RECORD_MAX];   /* one record, or one piece read back */

static void
make_path(char *path, const char *dir, char letter, int index)
{
  char tail[3] = { '/', letter, '\0' };

  strcpy(path, dir);
  strcpy(path + strlen(path), tail);
  append_number(path, index);
}

/* A record length: a few bytes, part of a block, or several blocks. */
static int
record_len(void)
{
  int kind = rng_below(&rng, 4);

  if (kind == 0)
    return rng_range(&rng, 1, RECORD_SMALL_MAX);
  if (kind == 1)
    return rng_range(&rng, RECORD_SMALL_MAX + 1, BSIZE);
  return rng_range(&rng, BSIZE + 1, RECORD_MAX);
}

/* Writes a record of len bytes to f (open for writing), continuing its pattern from its size. */
static void
churn_append(struct churn_file *f, int len)
{
  fill_bytes((uchar *)file_buf, len, f->salt, f->size);
  write_full(f->fd, file_buf, len, "write of a record to a file");
  f->size += len;
}

static void
expect_stat(int fd, const char *name, int nlink, int size, uint ino)
{
  struct stat st;

  expect("fstat", name, -1, 0, fstat(fd, &st));
  expect("fstat type of", name, -1, T_FILE, st.type);
  expect("fstat nlink of", name, -1, nlink, st.nlink);
  expect("fstat size of", name, -1, size, (long)st.size);
  if (ino != 0)
    expect("fstat ino of", name, -1, ino, st.ino);
}

/* Reads f back through fd in random pieces: every byte, then the end of the file. */
static void
churn_read_back(struct churn_file *f, int fd, const char *name)
{
  int got = 0;
  int n;

  while (got < f->size) {
    int want = rng_range(&rng, 1, READ_PIECE_MAX);

    if (want > f->size - got)
      want = f->size - got;
    n = read(fd, file_buf, want);
    expect("read of a piece of", name, got, want, n);
    expect_bytes("file byte", name, (uchar *)file_buf, n, f->salt, got);
    got += n;
  }
  expect("read at the end of", name, -1, 0, read(fd, file_buf, 1));
}

static int
open_checked(const char *path, int mode)
{
  int fd = open(path, mode);

  checks++;
  if (fd < 0)
    fail_expecting("open", path, -1, "a descriptor", fd);
  return fd;
}

static void
role_files(void)
{
  static struct churn_file files[FILES_MAX];
  char dir[PATH_MAX] = STRESS_DIR "/";
  struct stat st;
  int nfiles = rng_range(&rng, FILES_MIN, FILES_MAX);
  int i, k, fd;

  append_number(dir, getpid());
  expect("mkdir", dir, -1, 0, mkdir(dir));

  /* All the files open at once, records written to them in a random order. */
  for (i = 0; i < nfiles; i++) {
    make_path(files[i].name, dir, 'f', i);
    make_path(files[i].other, dir, 'l', i);
    files[i].fd = open_checked(files[i].name, O_CREATE | O_RDWR);
    files[i].size = 0;
    files[i].salt = rng_next(&rng);
  }
  for (i = 0; i < nfiles; i++)
    for (k = rng_range(&rng, RECORDS_MIN, RECORDS_MAX); k > 0; k--)
      churn_append(&files[rng_below(&rng, nfiles)], record_len());
  for (i = 0; i < nfiles; i++) {
    expect_stat(files[i].fd, files[i].name, 1, files[i].size, 0);
    expect("close", files[i].name, -1, 0, close(files[i].fd));
  }

  /* Back through a fresh descriptor; O_CREATE on a file that exists must not truncate it. */
  for (i = 0; i < nfiles; i++) {
    fd = open_checked(files[i].name, rng_below(&rng, 2) ? O_RDONLY : O_CREATE | O_RDWR);
    expect_stat(fd, files[i].name, 1, files[i].size, 0);
    churn_read_back(&files[i], fd, files[i].name);
    expect("close", files[i].name, -1, 0, close(fd));
  }

  /* A second name for each; the first goes away; the file lives on under the second. */
  for (i = 0; i < nfiles; i++) {
    struct churn_file *f = &files[i];
    uint ino;

    expect("link", f->other, -1, 0, link(f->name, f->other));
    if (i == 0)
      expect("link onto a name that exists", f->other, -1, -1, link(f->name, f->other));
    expect("stat", f->name, -1, 0, stat(f->name, &st));
    ino = st.ino;
    fd = open_checked(f->other, O_RDONLY);
    expect_stat(fd, f->other, 2, f->size, ino);
    expect("close", f->other, -1, 0, close(fd));
    expect("unlink", f->name, -1, 0, unlink(f->name));
    expect("open after unlink", f->name, -1, -1, open(f->name, O_RDONLY));
    fd = open_checked(f->other, O_RDONLY);
    expect_stat(fd, f->other, 1, f->size, ino);
    churn_read_back(f, fd, f->other);
    expect("close", f->other, -1, 0, close(fd));
  }

  /* One file truncated and written anew, in big records, until it needs the indirect block. */
  {
    struct churn_file *f = &files[rng_below(&rng, nfiles)];

    f->fd = open_checked(f->other, O_WRONLY | O_TRUNC);
    expect_stat(f->fd, f->other, 1, 0, 0);
    f->size = 0;
    f->salt = rng_next(&rng);
    while (f->size <= NDIRECT * BSIZE)
      churn_append(f, rng_range(&rng, BSIZE + 1, RECORD_MAX));
    expect("close", f->other, -1, 0, close(f->fd));
    fd = open_checked(f->other, O_RDONLY);
    expect_stat(fd, f->other, 1, f->size, 0);
    churn_read_back(f, fd, f->other);
    expect("close", f->other, -1, 0, close(fd));
  }

  /* One file unlinked while open: still readable, freed at close. */
  {
    struct churn_file *f = &files[rng_below(&rng, nfiles)];

    fd = open_checked(f->other, O_RDONLY);
    expect("unlink of an open file", f->other, -1, 0, unlink(f->other));
    expect_stat(fd, f->other, 0, f->size, 0);
    churn_read_back(f, fd, f->other);
    expect("close", f->other, -1, 0, close(fd));
    f->other[0] = '\0';      /* nothing left to remove */
  }

  for (i = 0; i < nfiles; i++)
    if (files[i].other[0] != '\0')
      expect("unlink", files[i].other, -1, 0, unlink(files[i].other));

  /* The directory must be empty now: only "." and ".." in use. */
  {
    struct dirent de;
    int live = 0;

    fd = open_checked(dir, O_RDONLY);
    while ((k = read(fd, &de, sizeof(de))) == sizeof(de))
      if (de.inum != 0)
        live++;
    expect("read at the end of directory", dir, -1, 0, k);
    expect("names in use in the emptied directory", dir, -1, 2, live);
    expect("close", dir, -1, 0, close(fd));
  }
  expect("unlink of the emptied directory", dir, -1, 0, unlink(dir));
  expect("stat after unlink", dir, -1, -1, stat(dir, &st));
}

/* ================= the rounds ================= */

static void
run_role(int role)
{
  role_name = role_names[role];
  switch (role) {
  case ROLE_TREE:  role_tree();  break;
  case ROLE_COW:   role_cow();   break;
  case ROLE_LAZY:  role_lazy();  break;
  case ROLE_PIPES: role_pipes(); break;
  case ROLE_FILES: role_files(); break;
  }
  finish();
}

/* One round: every role at once. Returns its checks. */
static uint
run_round(uint64 seed, int round)
{
  int pids[ROLES];
  char path[PATH_MAX] = STRESS_DIR "/";
  struct stat st;

  round_no = round;
  checks = 0;
  for (int role = 0; role < ROLES; role++) {
    pids[role] = spawn(role);
    if (pids[role] == 0) {
      rng = rng_start(seed, round, role);
      run_role(role);
    }
  }
  reap(pids, ROLES, role_names);
  append_number(path, pids[ROLE_FILES]);
  expect("stat of the files role's directory after the round", path, -1, -1, stat(path, &st));
  return checks;
}

int
main(int argc, char *argv[])
{
  uint64 total;
  struct stat st;
  int made_dir;
  int seed, rounds;

  if (argc != 3 || (seed = atoi(argv[1])) <= 0 || (rounds = atoi(argv[2])) <= 0) {
    fprintf(2, "usage: stress SEED ROUNDS   (both positive numbers)\n");
    exit(EXIT_USAGE);
  }
  printf("stress: seed %d rounds %d\n", seed, rounds);

  /* Another run may own the directory already; then it is theirs to remove. */
  made_dir = mkdir(STRESS_DIR) == 0;
  expect("stat", STRESS_DIR, -1, 0, stat(STRESS_DIR, &st));
  expect("type of", STRESS_DIR, -1, T_DIR, st.type);

  total = checks;
  for (int round = 1; round <= rounds; round++) {
    uint n = run_round(seed, round);

    printf("stress: round %d ok (%u checks)\n", round, n);
    total += n;
  }
  round_no = 0;   /* a failure from here on is outside every round */
  checks = 0;
  if (made_dir)
    expect("unlink of the emptied", STRESS_DIR, -1, 0, unlink(STRESS_DIR));
  total += checks;
  printf("stress: OK %d %d rounds, %lu checks\n", seed, rounds, total);
  exit(0);
}
