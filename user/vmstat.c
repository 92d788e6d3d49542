/*
 * vmstat.c: print memory, copy-on-write and demand-paging counters, one
 * "name value" per line.
 *   vmstat       the whole system
 *   vmstat PID   one process (free_pages and total_pages stay system-wide)
 */
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"

#define SYSTEM_WIDE 0   /* the pid vmstat() takes to mean "everything" */

static void
show(const char *name, uint64 value)
{
  printf("%s %lu\n", name, value);
}

int
main(int argc, char *argv[])
{
  struct vmstat st;
  int pid = SYSTEM_WIDE;

  if (argc > 2) {
    fprintf(2, "vmstat: usage: vmstat [pid]\n");
    exit(1);
  }
  if (argc == 2) {
    pid = atoi(argv[1]);
    if (pid <= 0) {
      fprintf(2, "vmstat: bad pid %s\n", argv[1]);
      exit(1);
    }
  }
  if (vmstat(pid, &st) < 0) {
    fprintf(2, "vmstat: no counters for pid %d\n", pid);
    exit(1);
  }
  if (pid != SYSTEM_WIDE)
    show("pid", pid);
  show("free_pages", st.free_pages);
  show("total_pages", st.total_pages);
  show("cow_faults", st.cow_faults);
  show("cow_copies", st.cow_copies);
  show("cow_reuses", st.cow_reuses);
  show("cow_shared", st.cow_shared);
  show("resident_pages", st.resident_pages);
  show("zero_fills", st.zero_fills);
  show("page_fills", st.page_fills);
  show("cow_ahead", st.cow_ahead);
  show("map_fills", st.map_fills);
  show("map_writebacks", st.map_writebacks);
  if (pid == SYSTEM_WIDE)
    show("cow_ahead_unused", st.cow_ahead_unused);
  if (pid == SYSTEM_WIDE)
    show("idle_late_wakeups", st.idle_late_wakeups);
  if (pid != SYSTEM_WIDE)
    show("sleeping", st.sleeping);
  exit(0);
}
