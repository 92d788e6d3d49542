/*
 * bigmem.c: one large heap, to show that a machine with more RAM lends all
 * of it. Grows the heap eagerly by MiB mebibytes, marks every page, forks a
 * child that checks every page and writes to some (copy-on-write must keep
 * the parent's intact), then gives the heap back.
 *
 *   bigmem [MiB]    default 1024; prints "bigmem: ok" at the end, or
 *                   "bigmem: FAILED <expected, seen>" and exits 1
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "user/user.h"

#define MIB              (1024 * 1024)
#define DEFAULT_MIB      1024
#define MAX_MIB          (0x7fffffff / MIB)     /* sbrk takes an int */
#define TAG              0x6269676d656d0000UL  /* "bigmem" above a page number */
#define CHILD_TAG        0x6368696c64000000UL  /* "child": what the child writes */
#define CHILD_WRITE_STEP 1024                  /* the child writes one page in this many */

/* Words of a page that carry its mark: the first and the last. */
#define FIRST_WORD       0
#define LAST_WORD        (PGSIZE / sizeof(uint64) - 1)

#define FAIL(...)                      \
  do {                                 \
    printf("bigmem: FAILED ");         \
    printf(__VA_ARGS__);               \
    printf("\n");                      \
    exit(1);                           \
  } while (0)

static uint64 *
page_words(char *heap, uint64 page)
{
  return (uint64 *)(heap + page * PGSIZE);
}

static void
mark_pages(char *heap, uint64 npages)
{
  for (uint64 i = 0; i < npages; i++) {
    page_words(heap, i)[FIRST_WORD] = TAG | i;
    page_words(heap, i)[LAST_WORD] = ~(TAG | i);
  }
}

/* The first page whose mark is wrong, or npages if none. */
static uint64
first_bad_page(char *heap, uint64 npages)
{
  for (uint64 i = 0; i < npages; i++) {
    uint64 *w = page_words(heap, i);
    if (w[FIRST_WORD] != (TAG | i) || w[LAST_WORD] != ~(TAG | i))
      return i;
  }
  return npages;
}

/* The child: sees every mark, then writes its own into a few pages. */
static void
child(char *heap, uint64 npages)
{
  uint64 bad = first_bad_page(heap, npages);
  if (bad != npages)
    FAIL("the child sees page %lu with %lx, want %lx", bad, page_words(heap, bad)[FIRST_WORD],
         TAG | bad);
  for (uint64 i = 0; i < npages; i += CHILD_WRITE_STEP)
    page_words(heap, i)[FIRST_WORD] = CHILD_TAG | i;
  exit(0);
}

int
main(int argc, char *argv[])
{
  int mib = argc > 1 ? atoi(argv[1]) : DEFAULT_MIB;
  if (argc > 2 || mib <= 0 || mib > MAX_MIB) {
    fprintf(2, "bigmem: usage: bigmem [MiB, 1 to %d]\n", MAX_MIB);
    exit(1);
  }
  uint64 npages = (uint64)mib * MIB / PGSIZE;
  int free_before = freepages();

  char *heap = sbrk(mib * MIB);
  if (heap == SBRK_ERROR)
    FAIL("sbrk(%d MiB) refused with %d pages free", mib, free_before);
  int free_grown = freepages();
  if (free_before - free_grown < npages)
    FAIL("an eager %lu-page heap took only %d free pages", npages, free_before - free_grown);
  mark_pages(heap, npages);
  printf("bigmem: %d MiB heap, %lu pages marked, %d pages left free\n", mib, npages, free_grown);

  int pid = fork();
  if (pid < 0)
    FAIL("fork of a %d MiB process failed", mib);
  if (pid == 0)
    child(heap, npages);
  int status;
  if (wait(&status) != pid || status != 0)
    FAIL("the child exited with %d, want 0", status);
  uint64 bad = first_bad_page(heap, npages);
  if (bad != npages)
    FAIL("after the child's writes the parent sees page %lu with %lx, want %lx", bad,
         page_words(heap, bad)[FIRST_WORD], TAG | bad);

  if (sbrk(-mib * MIB) != heap + (uint64)mib * MIB)
    FAIL("sbrk(-%d MiB) did not return the grown break", mib);
  int free_after = freepages();
  if (free_after - free_grown < npages)
    FAIL("freeing the heap gave back %d pages, want at least %lu", free_after - free_grown, npages);
  printf("bigmem: ok\n");
  exit(0);
}
