/*
 * test_fault_decide.c: host tests for the fault decision (kernel/mm/fault_decide.c):
 * which faults kill, which need nothing, which fill, which reuse, which copy
 * and which unprotect a shared mapping's page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/mm/fault.h"

#define VA       0x4000UL
#define PA       0x80123000UL
#define USER_RW  (PTE_V | PTE_U | PTE_R | PTE_W)
#define USER_COW (PTE_V | PTE_U | PTE_R | PTE_COW)
#define USER_RX  (PTE_V | PTE_U | PTE_R | PTE_X)

/* Where the address lies: neither heap nor mapping, the lazy heap, a mapping. */
static const struct fault_where NOT_LAZY = { 0 };
static const struct fault_where LAZY = { .lazy = 1 };
static const struct fault_where PRIVATE_RW = { .map_prot = PROT_READ | PROT_WRITE };
static const struct fault_where PRIVATE_RO = { .map_prot = PROT_READ };
static const struct fault_where SHARED_RW = { .map_prot = PROT_READ | PROT_WRITE, .map_shared = 1 };
static const struct fault_where SHARED_RO = { .map_prot = PROT_READ, .map_shared = 1 };

static pte_t pte(uint64 flags) { return PA2PTE(PA) | flags; }

static void
address_at_or_above_maxva_kills(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(MAXVA, pte(USER_COW), 2, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
  assert_int_equal(fault_decide(~0UL & ~(PGSIZE - 1UL), pte(USER_RW), 1, FAULT_READ, NOT_LAZY), FAULT_KILL);
}

static void
unmapped_page_kills(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_READ, NOT_LAZY), FAULT_KILL);
  assert_int_equal(fault_decide(VA, pte(USER_COW) & ~PTE_V, 2, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
}

static void
kernel_only_page_kills(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RW) & ~PTE_U, 1, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
  assert_int_equal(fault_decide(VA, pte(USER_COW) & ~PTE_U, 2, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
}

static void
write_to_text_kills_even_when_shared(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RX), 1, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
  assert_int_equal(fault_decide(VA, pte(USER_RX), 3, FAULT_WRITE, NOT_LAZY), FAULT_KILL);
}

static void
read_of_cow_page_is_not_a_cow_fault(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_READ, NOT_LAZY), FAULT_NONE);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_EXEC, NOT_LAZY), FAULT_KILL);
}

static void
write_to_writable_page_needs_nothing(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RW), 1, FAULT_WRITE, NOT_LAZY), FAULT_NONE);
}

static void
cow_write_with_one_owner_reuses(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_COW), 1, FAULT_WRITE, NOT_LAZY), FAULT_REUSE);
}

static void
cow_write_with_other_owners_copies(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_WRITE, NOT_LAZY), FAULT_COPY);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 64, FAULT_WRITE, NOT_LAZY), FAULT_COPY);
}

static void
exec_needs_x(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RX), 1, FAULT_EXEC, NOT_LAZY), FAULT_NONE);
  assert_int_equal(fault_decide(VA, pte(USER_RW), 1, FAULT_EXEC, NOT_LAZY), FAULT_KILL);
}

static void
lazy_heap_read_maps_the_zero_page(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_READ, LAZY), FAULT_FILL_ZERO);
}

static void
lazy_heap_write_fills_a_fresh_page(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE, LAZY), FAULT_FILL);
}

static void
lazy_heap_is_never_executable(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_EXEC, LAZY), FAULT_KILL);
}

static void
lazy_flag_changes_nothing_for_mapped_or_kernel_pages(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, pte(USER_RW), 1, FAULT_WRITE, LAZY), FAULT_NONE);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_WRITE, LAZY), FAULT_COPY);
  assert_int_equal(fault_decide(VA, pte(USER_RW) & ~PTE_U, 1, FAULT_READ, LAZY), FAULT_KILL);
  assert_int_equal(fault_decide(MAXVA, 0, 0, FAULT_READ, LAZY), FAULT_KILL);
}

static void
zero_page_write_copies_because_the_allocator_owns_it_too(void **state)
{
  (void)state;
  /* The zero page is mapped copy-on-write and always has a second owner. */
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_READ, NOT_LAZY), FAULT_NONE);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 2, FAULT_WRITE, NOT_LAZY), FAULT_COPY);
}

static void
mapping_first_touch_fills_when_prot_allows(void **state)
{
  (void)state;
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_READ, PRIVATE_RO), FAULT_FILL_MAP);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE, PRIVATE_RW), FAULT_FILL_MAP);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE, SHARED_RW), FAULT_FILL_MAP);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE, PRIVATE_RO), FAULT_KILL);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_WRITE, SHARED_RO), FAULT_KILL);
  assert_int_equal(fault_decide(VA, 0, 0, FAULT_EXEC, SHARED_RW), FAULT_KILL);
}

static void
store_to_shared_mapping_page_write_protected_by_fork_unprotects(void **state)
{
  (void)state;
  /* However many share it: the one page is the point of a shared mapping. */
  assert_int_equal(fault_decide(VA, pte(USER_COW), 3, FAULT_WRITE, SHARED_RW), FAULT_UNPROTECT);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 1, FAULT_WRITE, SHARED_RW), FAULT_UNPROTECT);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 3, FAULT_READ, SHARED_RW), FAULT_NONE);
  /* A read-only shared mapping was never writable: fork left it alone, and a store kills. */
  assert_int_equal(fault_decide(VA, pte(USER_COW & ~PTE_COW), 2, FAULT_WRITE, SHARED_RO), FAULT_KILL);
  /* A private mapping's page is copy-on-write like the heap's. */
  assert_int_equal(fault_decide(VA, pte(USER_COW), 3, FAULT_WRITE, PRIVATE_RW), FAULT_COPY);
  assert_int_equal(fault_decide(VA, pte(USER_COW), 1, FAULT_WRITE, PRIVATE_RW), FAULT_REUSE);
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
    cmocka_unit_test(lazy_heap_read_maps_the_zero_page),
    cmocka_unit_test(lazy_heap_write_fills_a_fresh_page),
    cmocka_unit_test(lazy_heap_is_never_executable),
    cmocka_unit_test(lazy_flag_changes_nothing_for_mapped_or_kernel_pages),
    cmocka_unit_test(zero_page_write_copies_because_the_allocator_owns_it_too),
    cmocka_unit_test(mapping_first_touch_fills_when_prot_allows),
    cmocka_unit_test(store_to_shared_mapping_page_write_protected_by_fork_unprotects),
  };
  return cmocka_run_group_tests_name("fault_decide", tests, 0, 0);
}
