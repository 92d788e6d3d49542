/*
 * test_fault_decide.c: host tests for the fault decision (kernel/mm/fault_decide.c):
 * which faults kill, which need nothing, which reuse and which copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/mm/fault.h"

#define VA       0x4000UL
#define PA       0x80123000UL
#define USER_RW  (PTE_V | PTE_U | PTE_R | PTE_W)
#define USER_COW (PTE_V | PTE_U | PTE_R | PTE_COW)
#define USER_RX  (PTE_V | PTE_U | PTE_R | PTE_X)

static pte_t pte(uint64 flags) { return PA2PTE(PA) | flags; }

static void
address_at_or_above_maxva_kills(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(MAXVA, pte(USER_COW), 2, FAULT_WRITE), FAULT_KILL);
  assert_int_equal(fault_decide(~0UL & ~(PGSIZE - 1UL), pte(USER_RW), 1, FAULT_READ), FAULT_KILL);
}

static void
unmapped_page_kills(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE), FAULT_KILL);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_READ), FAULT_KILL);
  assert_int_equal(fault_decide(VA, pte(USER_COW) & ~PTE_V, 2, FAULT_WRITE), FAULT_KILL);
}

static void
kernel_only_page_kills(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RW) & ~PTE_U, 1, FAULT_WRITE), FAULT_KILL);
  assert_int_equal(fault_decide(VA, pte(USER_COW) & ~PTE_U, 2, FAULT_WRITE), FAULT_KILL);
}

static void
write_to_text_kills_even_when_shared(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RX), 1, FAULT_WRITE), FAULT_KILL);
  assert_int_equal(fault_decide(VA, pte(USER_RX), 3, FAULT_WRITE), FAULT_KILL);
}

static void
read_of_cow_page_is_not_a_cow_fault(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_READ), FAULT_NONE);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_EXEC), FAULT_KILL);
}

static void
write_to_writable_page_needs_nothing(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RW), 1, FAULT_WRITE), FAULT_NONE);
}

static void
cow_write_with_one_owner_reuses(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_COW), 1, FAULT_WRITE), FAULT_REUSE);
}

static void
cow_write_with_other_owners_copies(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_WRITE), FAULT_COPY);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 64, FAULT_WRITE), FAULT_COPY);
}

static void
exec_needs_x(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RX), 1, FAULT_EXEC), FAULT_NONE);
  assert_int_equal(fault_decide(VA, pte(USER_RW), 1, FAULT_EXEC), FAULT_KILL);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(address_at_or_above_maxva_kills),
    cmocka_unit_test(unmapped_page_kills),
    cmocka_unit_test(kernel_only_page_kills),
    cmocka_unit_test(write_to_text_kills_even_when_shared),
    cmocka_unit_test(read_of_cow_page_is_not_a_cow_fault),
    cmocka_unit_test(write_to_writable_page_needs_nothing),
    cmocka_unit_test(cow_write_with_one_owner_reuses),
    cmocka_unit_test(cow_write_with_other_owners_copies),
    cmocka_unit_test(exec_needs_x),
  };
  return cmocka_run_group_tests_name("fault_decide", tests, 0, 0);
}
