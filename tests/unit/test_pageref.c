/*
 * test_pageref.c: host tests for the page reference table (kernel/mm/pageref.c),
 * compiled unchanged from the kernel source, under ASan and UBSan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <cmocka.h>

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/mm/pageref.h"

/* The kernel's panic: here it becomes a cmocka assertion failure. */
void
panic(const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  mock_assert(0, msg, __FILE__, __LINE__);
  abort();   /* not reached: mock_assert jumps back to the test */
}

#define BASE    0x80000000UL
#define NFRAMES 64
static uint32 counts[NFRAMES];
static struct pageref_table t;

static uint64 frame(int i) { return BASE + (uint64)i * PGSIZE; }

static int
setup(void **state)
{
  (void)state;
  for (int i = 0; i < NFRAMES; i++)
    counts[i] = 0xdead;            /* init must clear whatever was there */
  pageref_init(&t, BASE, NFRAMES, counts);
  return 0;
}

static void
init_leaves_every_frame_at_zero(void **state)
{
  (void)state;
  for (int i = 0; i < NFRAMES; i++)
    assert_int_equal(pageref_get(&t, frame(i)), 0);
}

static void
claim_inc_dec_count_owners(void **state)
{
  (void)state;
  pageref_claim(&t, frame(3));
  assert_int_equal(pageref_get(&t, frame(3)), 1);
  assert_int_equal(pageref_inc(&t, frame(3)), 2);
  assert_int_equal(pageref_inc(&t, frame(3)), 3);
  assert_int_equal(pageref_dec(&t, frame(3)), 2);
  assert_int_equal(pageref_dec(&t, frame(3)), 1);
  assert_int_equal(pageref_dec(&t, frame(3)), 0);
  assert_int_equal(pageref_get(&t, frame(4)), 0);   /* neighbours untouched */
}

static void
covers_only_aligned_addresses_in_range(void **state)
{
  (void)state;
  assert_true(pageref_covers(&t, BASE));
  assert_true(pageref_covers(&t, frame(NFRAMES - 1)));
  assert_false(pageref_covers(&t, frame(NFRAMES)));
  assert_false(pageref_covers(&t, BASE - PGSIZE));
  assert_false(pageref_covers(&t, BASE + 8));
}

static void
double_free_panics(void **state)
{
  (void)state;
  pageref_claim(&t, frame(5));
  assert_int_equal(pageref_dec(&t, frame(5)), 0);
  expect_assert_failure(pageref_dec(&t, frame(5)));
}

static void
claiming_an_owned_frame_panics(void **state)
{
  (void)state;
  pageref_claim(&t, frame(6));
  expect_assert_failure(pageref_claim(&t, frame(6)));
}

static void
sharing_a_free_frame_panics(void **state)
{
  (void)state;
  expect_assert_failure(pageref_inc(&t, frame(7)));
}

static void
unmanaged_address_panics(void **state)
{
  (void)state;
  expect_assert_failure(pageref_get(&t, frame(NFRAMES)));
  expect_assert_failure(pageref_inc(&t, BASE + 1));
}

/* Many threads share and release a frame that a lasting owner holds: no release may see zero. */
#define THREADS 8
#define ROUNDS  20000
static int zero_seen;

static void *
share_and_release(void *arg)
{
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    pageref_inc(&t, frame(9));
    if (pageref_dec(&t, frame(9)) == 0)
      __atomic_add_fetch(&zero_seen, 1, __ATOMIC_RELAXED);
  }
  return 0;
}

static void
concurrent_share_release_is_exact(void **state)
{
  (void)state;
  pthread_t th[THREADS];
  zero_seen = 0;
  pageref_claim(&t, frame(9));      /* the owner that outlives the threads */
  for (int i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&th[i], 0, share_and_release, 0), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], 0);
  assert_int_equal(zero_seen, 0);
  assert_int_equal(pageref_get(&t, frame(9)), 1);
  assert_int_equal(pageref_dec(&t, frame(9)), 0);
}

/*
 * Owners drop the same frame at the same moment, round after round: in each
 * round exactly one of them must see zero (and so free the frame). The
 * releasers spin on a shared round number rather than sleeping on a barrier,
 * so that they really do hit the counter together.
 */
#define RACERS      2
#define RACE_ROUNDS 3000
static int race_round;                 /* the round the releasers may start */
static int race_done;                  /* releasers finished with this round */
static int zeros_in_round[RACE_ROUNDS];

static void *
release_together(void *arg)
{
  (void)arg;
  for (int r = 1; r <= RACE_ROUNDS; r++) {
    while (__atomic_load_n(&race_round, __ATOMIC_ACQUIRE) != r)
      ;
    if (pageref_dec(&t, frame(10)) == 0)
      __atomic_add_fetch(&zeros_in_round[r - 1], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&race_done, 1, __ATOMIC_ACQ_REL);
  }
  return 0;
}

static void
concurrent_last_release_seen_once(void **state)
{
  (void)state;
  pthread_t th[RACERS];
  race_round = 0;
  for (int i = 0; i < RACERS; i++)
    assert_int_equal(pthread_create(&th[i], 0, release_together, 0), 0);
  for (int r = 1; r <= RACE_ROUNDS; r++) {
    zeros_in_round[r - 1] = 0;
    pageref_claim(&t, frame(10));
    for (int owner = 1; owner < RACERS; owner++)
      pageref_inc(&t, frame(10));
    __atomic_store_n(&race_done, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&race_round, r, __ATOMIC_RELEASE);
    while (__atomic_load_n(&race_done, __ATOMIC_ACQUIRE) != RACERS)
      sched_yield();
  }
  for (int i = 0; i < RACERS; i++)
    pthread_join(th[i], 0);
  for (int r = 0; r < RACE_ROUNDS; r++)
    if (zeros_in_round[r] != 1)
      fail_msg("round %d: %d releasers saw zero, want exactly 1", r + 1, zeros_in_round[r]);
  assert_int_equal(pageref_get(&t, frame(10)), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup(init_leaves_every_frame_at_zero, setup),
    cmocka_unit_test_setup(claim_inc_dec_count_owners, setup),
    cmocka_unit_test_setup(covers_only_aligned_addresses_in_range, setup),
    cmocka_unit_test_setup(double_free_panics, setup),
    cmocka_unit_test_setup(claiming_an_owned_frame_panics, setup),
    cmocka_unit_test_setup(sharing_a_free_frame_panics, setup),
    cmocka_unit_test_setup(unmanaged_address_panics, setup),
    cmocka_unit_test_setup(concurrent_share_release_is_exact, setup),
    cmocka_unit_test_setup(concurrent_last_release_seen_once, setup),
  };
  return cmocka_run_group_tests_name("pageref", tests, 0, 0);
}
