/*
 * df: free and total blocks and inodes of the root file system (fsstat()),
 * one "name value" per line, like vmstat; and the log's committed blocks not
 * yet written home (the kernel's checkpointer writes them once the file
 * system has been idle a tick).
 */
#include "kernel/types.h"
#include "kernel/vmstat.h"
#include "user/user.h"

int
main(void)
{
  struct fsstat st;

  if (fsstat(&st) < 0) {
    fprintf(2, "df: fsstat failed\n");
    exit(1);
  }
  printf("free_blocks %lu\n", st.free_blocks);
  printf("total_blocks %lu\n", st.total_blocks);
  printf("free_inodes %lu\n", st.free_inodes);
  printf("total_inodes %lu\n", st.total_inodes);
  printf("log_pending %lu\n", st.log_pending);
  exit(0);
}
