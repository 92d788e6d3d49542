/*
 * xv6compat: a program written the way xv6-riscv lab programs are, using
 * both the 2022-24 API (sleep, sbrk as a plain call) and the 2025 one
 * (pause, sbrklazy, SBRK_ERROR, SBRK_EAGER/SBRK_LAZY from kernel/vm.h), and
 * the headers lab programs include. It compiling at all is half the test;
 * running it checks the values behave. Prints "xv6compat: OK".
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/syscall.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/vm.h"
#include "user/user.h"

static int failures;

static void
check(int ok, const char *what)
{
  if (!ok) {
    fprintf(2, "xv6compat: FAILED %s\n", what);
    failures++;
  }
}

int
main(int argc, char *argv[])
{
  check(PGSIZE == 4096 && KERNBASE == 0x80000000L, "PGSIZE / KERNBASE");
  check(PHYSTOP == KERNBASE + 128 * 1024 * 1024, "PHYSTOP");
  check(TRAMPOLINE == MAXVA - PGSIZE && TRAPFRAME == TRAMPOLINE - PGSIZE, "TRAMPOLINE / TRAPFRAME");
  check(NPROC == 64 && NOFILE == 16 && MAXARG == 32 && MAXPATH == 128, "param.h values");
  check(BSIZE == 1024 && DIRSIZ == 14 && sizeof(struct dirent) == 16, "fs.h values");
  check(SYS_fork == 1 && SYS_close == 21 && SYS_sleep == 13, "syscall numbers");
  check(O_RDONLY == 0 && O_WRONLY == 1 && O_RDWR == 2 && O_CREATE == 0x200 && O_TRUNC == 0x400,
        "fcntl.h values");
  check(SBRK_EAGER == 1 && SBRK_LAZY == 2, "vm.h values");

  char *a = sbrk(PGSIZE);                 /* 2022-24 spelling */
  check(a != SBRK_ERROR, "sbrk");
  a[0] = 'x';
  char *b = sbrklazy(PGSIZE);             /* 2025 spelling */
  check(b != SBRK_ERROR && b == a + PGSIZE, "sbrklazy");
  b[PGSIZE - 1] = 'y';
  check(sys_sbrk(-2 * PGSIZE, SBRK_EAGER) == b + PGSIZE, "sys_sbrk shrink");

  int t0 = uptime();
  check(sleep(1) == 0, "sleep");          /* both names reach syscall 13 */
  check(pause(1) == 0, "pause");
  check(uptime() >= t0 + 2, "two ticks passed");

  struct stat st;
  check(stat("/", &st) == 0 && st.type == T_DIR && st.ino == ROOTINO, "stat /");

  if (failures)
    exit(1);
  printf("xv6compat: OK\n");
  exit(0);
}
