/*
 * testlib.h: the helpers cowtest.c and usertests.c both need: one way to
 * report a failed check, reap a child, check its exit status, make a pipe,
 * and make the program's own pages private before a test eats memory.
 *
 * Each program reports failures in its own format, which graders and
 * tests/ match, so before including this header it defines:
 *   TEST_FAIL_PREFIX    printf format printed before the message; takes test_name
 *   TEST_FAIL_EXIT()    what a failed check does last (must not return)
 * and includes kernel/types.h, kernel/riscv.h, kernel/param.h and user/user.h.
 */
#ifndef USER_TESTLIB_H
#define USER_TESTLIB_H

#if !defined(TEST_FAIL_PREFIX) || !defined(TEST_FAIL_EXIT)
#error "define TEST_FAIL_PREFIX and TEST_FAIL_EXIT before including user/testlib.h"
#endif

#define KILLED        (-1)     /* exit status of a process the kernel killed */
#define REAP_TICKS    500      /* how long init may take to reap an orphan */

static const char *test_name = "?";   /* the test running, for FAIL's line */
static uint64 stack_page;             /* our (top) user stack page; main sets it */
static uint64 heap_start;             /* the break when the program started; main sets it */

/* Print "<prefix>message" on one line, then end the test (TEST_FAIL_EXIT). */
#define FAIL(...)                                   \
  do {                                              \
    printf(TEST_FAIL_PREFIX, test_name);            \
    printf(__VA_ARGS__);                            \
    printf("\n");                                   \
    TEST_FAIL_EXIT();                               \
  } while (0)

/* The guard page below the user stack: nothing may be mapped there. */
static inline uint64
guard_page(void)
{
  return stack_page - USERSTACK * PGSIZE;
}

/* Wait for pid, which must be our only child; its exit status. */
static inline int
reap(int pid)
{
  int status = 0;
  int got = wait(&status);
  if (got != pid)
    FAIL("wait() = %d, want child %d", got, pid);
  return status;
}

/* Fail unless a child (named by who) exited with status want. */
static inline void
expect_status(int status, int want, const char *who)
{
  if (status != want)
    FAIL("%s: exit status %d, want %d", who, status, want);
}

/* A pipe, or the test fails. */
static inline void
make_pipe(int fds[2])
{
  if (pipe(fds) < 0)
    FAIL("pipe() failed, want success");
}

/*
 * Make our program image and stack private now, while there is memory for
 * it: a later first write to a page still shared with the parent would need
 * a fresh page, and with none left the kernel would (rightly) kill us. The
 * kernel does the writing: read() of a byte just written to a pipe stores
 * the same byte back, and fails harmlessly on read-only text, where the
 * data pages end.
 */
static inline void
claim_image_pages(void)
{
  int fds[2];
  make_pipe(fds);
  for (uint64 va = guard_page() + PGSIZE; va < heap_start; va += PGSIZE)
    if (write(fds[1], (void *)va, 1) != 1 || read(fds[0], (void *)va, 1) != 1)
      FAIL("could not claim stack page %p", (void *)va);
  for (uint64 va = guard_page() - PGSIZE; va > 0; va -= PGSIZE)
    if (write(fds[1], (void *)va, 1) != 1 || read(fds[0], (void *)va, 1) != 1)
      break;
  close(fds[0]);
  close(fds[1]);
}

#endif
