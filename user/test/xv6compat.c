/*
 * xv6compat: the xv6 surface a 2025-edition program sees, used the way such
 * programs use it. It includes every header path an xv6 program may include,
 * in the order xv6's own init.c does, and checks the names they define, the
 * riscv.h register helpers that work in user mode, and the 2025 spellings
 * (pause, sys_sbrk(n, how), sbrklazy, SBRK_ERROR). Prints "xv6compat: OK".
 * The 2022-24 spellings are in xv6compat22.c.
 *
 *   xv6compat                 run every check
 *   xv6compat priv [NAME]     call one supervisor/machine-mode helper (the
 *                             kernel must kill us); no NAME lists them
 *   xv6compat below-stack     read below the stack, as xv6's stack test does
 *                             (the kernel must kill us)
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/spinlock.h"
#include "kernel/sleeplock.h"
#include "kernel/fs.h"
#include "kernel/file.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/syscall.h"
#include "kernel/vm.h"
#include "kernel/elf.h"
#include "kernel/proc.h"
#include "kernel/buf.h"
#include "kernel/virtio.h"

#define SAMPLE_PA     0x80123000UL     /* any page-aligned physical address */
#define SAMPLE_VA     0x12345678UL     /* an address whose three indexes differ */
#define TP_PATTERN    0x5eedUL
#define CONSOLE_NODE  "xv6c_console"
#define SELF          "/xv6compat"

static int failures;

static void
check(int ok, const char *what)
{
  if (!ok) {
    fprintf(2, "xv6compat: FAILED %s\n", what);
    failures++;
  }
}

/* The values xv6's headers give these names. */
static void
check_header_values(void)
{
  check(PGSIZE == 4096 && PGSHIFT == 12 && KERNBASE == 0x80000000L, "PGSIZE / PGSHIFT / KERNBASE");
  check(PHYSTOP == KERNBASE + 128 * 1024 * 1024, "PHYSTOP");
  check(MAXVA == (1L << 38) && TRAMPOLINE == MAXVA - PGSIZE && TRAPFRAME == TRAMPOLINE - PGSIZE,
        "MAXVA / TRAMPOLINE / TRAPFRAME");
  check(UART0 == 0x10000000L && VIRTIO0 == 0x10001000L && PLIC == 0x0c000000L, "device addresses");
  check(NPROC == 64 && NCPU == 8 && NOFILE == 16 && NFILE == 100 && NINODE == 50 && NDEV == 10,
        "param.h table sizes");
  check(ROOTDEV == 1 && MAXARG == 32 && MAXOPBLOCKS == 10 && LOGSIZE == 30 && LOGBLOCKS == 30 &&
        NBUF == 30 && FSSIZE == 2000 && MAXPATH == 128 && USERSTACK == 1, "param.h limits");
  check(BSIZE == 1024 && DIRSIZ == 14 && sizeof(struct dirent) == 16 && ROOTINO == 1, "fs.h values");
  check(NDIRECT == 12 && NINDIRECT == 256 && MAXFILE == 268 && sizeof(struct dinode) == 64 &&
        IPB == 16 && BPB == 8192 && FSMAGIC == 0x10203040, "fs.h layout");
  check(T_DIR == 1 && T_FILE == 2 && T_DEVICE == 3, "stat.h types");
  check(SYS_fork == 1 && SYS_sbrk == 12 && SYS_sleep == 13 && SYS_pause == 13 && SYS_close == 21,
        "syscall numbers");
  check(O_RDONLY == 0 && O_WRONLY == 1 && O_RDWR == 2 && O_CREATE == 0x200 && O_TRUNC == 0x400,
        "fcntl.h values");
  check(SBRK_EAGER == 1 && SBRK_LAZY == 2 && SBRK_ERROR == (char *)-1, "sbrk names");
  check(CONSOLE == 1 && major(mkdev(3, 7)) == 3 && minor(mkdev(3, 7)) == 7, "file.h devices");
  check(ELF_MAGIC == 0x464C457FU && ELF_PROG_LOAD == 1 && ELF_PROG_FLAG_EXEC == 1 &&
        ELF_PROG_FLAG_WRITE == 2 && ELF_PROG_FLAG_READ == 4, "elf.h values");
  check(sizeof(struct elfhdr) == 64 && sizeof(struct proghdr) == 56, "elf.h struct sizes");
  /* The kernel's own structures exist under xv6's tags, whatever their fields. */
  check(sizeof(struct spinlock) > 0 && sizeof(struct sleeplock) > 0 && sizeof(struct file) > 0 &&
        sizeof(struct inode) > 0 && sizeof(struct proc) > 0 && sizeof(struct buf) > BSIZE,
        "kernel structure tags");
}

/* riscv.h's page and page-table macros. */
static void
check_paging_macros(void)
{
  pte_t pte = PA2PTE(SAMPLE_PA) | PTE_V | PTE_R | PTE_W;
  pagetable_t table = 0;
  uint64 satp = MAKE_SATP(SAMPLE_PA);

  check(PTE_V == 1 && PTE_R == 2 && PTE_W == 4 && PTE_X == 8 && PTE_U == 16, "PTE bits");
  check(PGROUNDUP(1) == PGSIZE && PGROUNDUP(PGSIZE) == PGSIZE && PGROUNDDOWN(PGSIZE + 1) == PGSIZE,
        "PGROUNDUP / PGROUNDDOWN");
  check(PTE2PA(pte) == SAMPLE_PA && PTE_FLAGS(pte) == (PTE_V | PTE_R | PTE_W), "PA2PTE / PTE2PA / PTE_FLAGS");
  check(PXMASK == 0x1ff && PXSHIFT(0) == 12 && PXSHIFT(1) == 21 && PXSHIFT(2) == 30, "PXMASK / PXSHIFT");
  check(PX(2, SAMPLE_VA) == 0 && PX(1, SAMPLE_VA) == 0x91 && PX(0, SAMPLE_VA) == 0x145, "PX");
  check(SATP_SV39 == (8L << 60) && satp == 0x8000000000080123UL, "MAKE_SATP");
  check(sizeof(pte_t) == 8 && sizeof(table[0]) == 8, "pte_t / pagetable_t");
}

/* The helpers that work in user mode. */
static void
check_user_registers(void)
{
  int local = 0;
  uint64 sp = r_sp();
  uint64 ra = r_ra();
  uint64 t0, t1;

  check(sp <= (uint64)&local + PGSIZE && sp + PGSIZE > (uint64)&local, "r_sp near a local");
  check(ra != 0 && ra < (uint64)sbrk(0), "r_ra in the program");
  w_tp(TP_PATTERN);
  check(r_tp() == TP_PATTERN, "w_tp / r_tp");
  w_tp(0);
  t0 = r_time();
  check(pause(1) == 0, "pause");
  t1 = r_time();
  check(t1 > t0, "r_time advances across pause(1)");
}

/* The 2025 break API: sys_sbrk(n, how), sbrklazy, SBRK_ERROR. */
static void
check_sbrk_2025(void)
{
  char *a = sys_sbrk(PGSIZE, SBRK_EAGER);
  char *b;

  check(a != SBRK_ERROR, "sys_sbrk(PGSIZE, SBRK_EAGER)");
  a[0] = 'x';
  b = sbrklazy(PGSIZE);
  check(b != SBRK_ERROR && b == a + PGSIZE, "sbrklazy");
  b[PGSIZE - 1] = 'y';
  check(a[0] == 'x' && b[PGSIZE - 1] == 'y', "values in new memory");
  check(sbrk(-2 * PGSIZE) == b + PGSIZE && sbrk(0) == a, "sbrk shrink returns the old break");
  check(sys_sbrk(-(1 << 30), SBRK_EAGER) == a && sbrk(0) == a,
        "a shrink past zero wraps: the break, unchanged, comes back");
  check(sbrk(0x7fffffff) == SBRK_ERROR && sbrk(0) == a, "growth past memory gives SBRK_ERROR");
}

/* init.c's way to the console: mknod with CONSOLE, then open and write. */
static void
check_console_node(void)
{
  struct stat st;
  int fd;

  check(mknod(CONSOLE_NODE, CONSOLE, 0) == 0, "mknod(CONSOLE)");
  fd = open(CONSOLE_NODE, O_RDWR);
  check(fd >= 0 && fstat(fd, &st) == 0 && st.type == T_DEVICE, "open the console node");
  check(write(fd, "", 0) == 0, "write to the console node");
  close(fd);
  check(unlink(CONSOLE_NODE) == 0, "unlink the console node");
}

/* Our own binary read through elf.h's structures. */
static void
check_own_elf(void)
{
  struct elfhdr eh;
  struct proghdr ph;
  int fd = open(SELF, O_RDONLY);
  int loads = 0;

  if (fd < 0 || read(fd, &eh, sizeof(eh)) != sizeof(eh)) {
    check(0, "read our own ELF header");
    close(fd);
    return;
  }
  check(eh.magic == ELF_MAGIC && eh.phoff == sizeof(eh), "ELF magic; program headers follow");
  for (int i = 0; i < eh.phnum && read(fd, &ph, sizeof(ph)) == sizeof(ph); i++)
    if (ph.type == ELF_PROG_LOAD)
      loads++;
  check(loads > 0, "a loadable segment");
  close(fd);
}

/* ---- helpers that must not work in user mode ---- */

static uint64 call_r_sstatus(void) { return r_sstatus(); }
static uint64 call_w_sstatus(void) { w_sstatus(0); return 0; }
static uint64 call_r_sip(void) { return r_sip(); }
static uint64 call_r_sie(void) { return r_sie(); }
static uint64 call_r_sepc(void) { return r_sepc(); }
static uint64 call_r_stvec(void) { return r_stvec(); }
static uint64 call_r_satp(void) { return r_satp(); }
static uint64 call_w_satp(void) { w_satp(0); return 0; }
static uint64 call_r_scause(void) { return r_scause(); }
static uint64 call_r_stval(void) { return r_stval(); }
static uint64 call_r_stimecmp(void) { return r_stimecmp(); }
static uint64 call_intr_on(void) { intr_on(); return 0; }
static uint64 call_intr_off(void) { intr_off(); return 0; }
static uint64 call_intr_get(void) { return intr_get(); }
static uint64 call_sfence_vma(void) { sfence_vma(); return 0; }
static uint64 call_r_mhartid(void) { return r_mhartid(); }
static uint64 call_r_mstatus(void) { return r_mstatus(); }
static uint64 call_r_mie(void) { return r_mie(); }
static uint64 call_r_medeleg(void) { return r_medeleg(); }
static uint64 call_r_menvcfg(void) { return r_menvcfg(); }
static uint64 call_r_mcounteren(void) { return r_mcounteren(); }
static uint64 call_w_pmpcfg0(void) { w_pmpcfg0(0); return 0; }

static const struct {
  const char *name;
  uint64 (*call)(void);
} privileged[] = {
  { "r_sstatus", call_r_sstatus }, { "w_sstatus", call_w_sstatus }, { "r_sip", call_r_sip },
  { "r_sie", call_r_sie }, { "r_sepc", call_r_sepc }, { "r_stvec", call_r_stvec },
  { "r_satp", call_r_satp }, { "w_satp", call_w_satp }, { "r_scause", call_r_scause },
  { "r_stval", call_r_stval }, { "r_stimecmp", call_r_stimecmp }, { "intr_on", call_intr_on },
  { "intr_off", call_intr_off }, { "intr_get", call_intr_get }, { "sfence_vma", call_sfence_vma },
  { "r_mhartid", call_r_mhartid }, { "r_mstatus", call_r_mstatus }, { "r_mie", call_r_mie },
  { "r_medeleg", call_r_medeleg }, { "r_menvcfg", call_r_menvcfg },
  { "r_mcounteren", call_r_mcounteren }, { "w_pmpcfg0", call_w_pmpcfg0 },
};

static int
run_privileged(const char *name)
{
  for (int i = 0; i < sizeof(privileged) / sizeof(privileged[0]); i++) {
    if (name == 0) {
      printf("%s\n", privileged[i].name);
    } else if (strcmp(name, privileged[i].name) == 0) {
      printf("xv6compat: calling %s (pid %d)\n", name, getpid());
      uint64 value = privileged[i].call();
      printf("xv6compat: FAILED %s returned %lu in user mode\n", name, value);
      return 1;
    }
  }
  if (name == 0)
    return 0;
  fprintf(2, "xv6compat: no helper named %s\n", name);
  return 1;
}

/* What xv6's 2025 stack test does: a read below the stack must kill us. */
static int
read_below_stack(void)
{
  volatile char *below = (char *)r_sp() - USERSTACK * PGSIZE;

  printf("xv6compat: reading %p below the stack (pid %d)\n", below, getpid());
  printf("xv6compat: FAILED read %d below the stack\n", *below);
  return 1;
}

int
main(int argc, char *argv[])
{
  if (argc >= 2 && strcmp(argv[1], "priv") == 0)
    exit(run_privileged(argc >= 3 ? argv[2] : 0));
  if (argc >= 2 && strcmp(argv[1], "below-stack") == 0)
    exit(read_below_stack());

  check_header_values();
  check_paging_macros();
  check_user_registers();
  check_sbrk_2025();
  check_console_node();
  check_own_elf();

  struct stat st;
  check(stat("/", &st) == 0 && st.type == T_DIR && st.ino == ROOTINO, "stat /");

  if (failures)
    exit(1);
  printf("xv6compat: OK\n");
  exit(0);
}
