/*
 * exec.c: replace a process's memory with a program from an ELF file.
 *
 * The new image is built in a fresh page table and only installed once
 * everything has worked, so a failed exec leaves the caller as it was.
 * Layout: loadable segments from 0 up (text R+X, data R+W), then an
 * unmapped guard page, then USERSTACK stack pages; the heap starts above.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/proc/proc.h"
#include "kernel/elf.h"
#include "kernel/proc/sysproc.h"
#include "kernel/trap/syscall.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"

#define STACK_ALIGN 16   /* the RISC-V calling convention's sp alignment */

static int
segment_perm(uint32 elf_flags)
{
  int perm = 0;
  if (elf_flags & ELF_PF_X)
    perm |= PTE_X;
  if (elf_flags & ELF_PF_W)
    perm |= PTE_W;
  return perm;
}

/* Read filesz bytes at file offset off into the pages mapped at va (page-aligned). */
static int
load_segment(pagetable_t pt, struct inode *ip, uint64 va, uint off, uint64 filesz)
{
  for (uint64 i = 0; i < filesz; i += PGSIZE) {
    uint64 pa = pt_user_pa(pt, va + i);
    if (pa == 0)
      panic("load_segment: page at %p was just mapped", (void *)(va + i));
    uint n = MIN(filesz - i, PGSIZE);
    if (inode_read(ip, 0, pa, off + i, n) != n)
      return -1;
  }
  return 0;
}

/*
 * Map and fill every loadable segment, keeping *sz at the end of what is
 * mapped (also on failure, so the caller can free it): 0 or -1. Caller holds ip.
 */
static int
load_program(pagetable_t pt, struct inode *ip, struct elf_header *eh, uint64 *sz)
{
  for (int i = 0; i < eh->phnum; i++) {
    struct elf_phdr ph;
    uint off = eh->phoff + i * sizeof(ph);
    if (inode_read(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if (ph.type != ELF_PT_LOAD)
      continue;
    uint64 end = ph.vaddr + ph.memsz;
    if (ph.memsz < ph.filesz || end < ph.vaddr || end > KERNBASE ||
        ph.vaddr % PGSIZE != 0 || ph.vaddr < *sz)
      return -1;                        /* overlapping, wrapping or absurd */
    if (uvm_alloc(pt, ph.vaddr, end, segment_perm(ph.flags)) == 0)
      return -1;
    *sz = end;
    if (load_segment(pt, ip, ph.vaddr, ph.off, ph.filesz) < 0)
      return -1;
  }
  return 0;
}

/* Copy argv's strings and then the pointer array onto the stack; the new sp, or 0. */
static uint64
push_arguments(pagetable_t pt, uint64 sp, uint64 stack_base, char *const argv[], int *argc)
{
  uint64 uargv[MAXARG + 1];
  int n;
  for (n = 0; argv[n]; n++) {
    if (n >= MAXARG)
      return 0;
    uint64 len = strlen(argv[n]) + 1;
    sp = (sp - len) & ~(uint64)(STACK_ALIGN - 1);
    if (sp < stack_base || copyout(pt, sp, argv[n], len) < 0)
      return 0;
    uargv[n] = sp;
  }
  uargv[n] = 0;
  sp = (sp - (n + 1) * sizeof(uint64)) & ~(uint64)(STACK_ALIGN - 1);
  if (sp < stack_base || copyout(pt, sp, uargv, (n + 1) * sizeof(uint64)) < 0)
    return 0;
  *argc = n;
  return sp;
}

int
exec_program(const char *path, char *const argv[])
{
  struct proc *p = myproc();
  struct elf_header eh;
  pagetable_t pt = 0;
  uint64 sz = 0;

  log_begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    log_end_op();
    return -1;
  }
  inode_lock(ip);
  if (inode_read(ip, 0, (uint64)&eh, 0, sizeof(eh)) != sizeof(eh) || eh.magic != ELF_MAGIC)
    goto fail;
  if ((pt = proc_pagetable_new(p)) == 0)
    goto fail;
  if (load_program(pt, ip, &eh, &sz) < 0 || sz == 0)
    goto fail;
  inode_unlock_put(ip);
  log_end_op();
  ip = 0;

  /* Guard page (left unmapped), then the stack. */
  uint64 stack_base = PGROUNDUP(sz) + PGSIZE;
  uint64 stack_top = stack_base + USERSTACK * PGSIZE;
  if (uvm_alloc(pt, stack_base, stack_top, PTE_W) == 0)
    goto fail;
  sz = stack_top;
  int argc;
  uint64 sp = push_arguments(pt, stack_top, stack_base, argv, &argc);
  if (sp == 0)
    goto fail;

  /* Point of no return: install the new image. The old one's mappings go first. */
  mmap_drop_all(p);
  strlcpy(p->name, path_last(path), sizeof(p->name));
  /* Under the address-space lock: observers walk p->pagetable, and the old image's counts change. */
  sleeplock_acquire(&p->vm_lock);
  pagetable_t old_pt = p->pagetable;
  p->pagetable = pt;
  p->sz = sz;
  p->heap_base = sz;
  proc_pagetable_free(old_pt);
  sleeplock_release(&p->vm_lock);
  p->trapframe->epc = eh.entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp;      /* argv; argc goes in a0 as the return value */
  return argc;

fail:
  if (pt)
    proc_pagetable_free(pt);
  if (ip) {
    inode_unlock_put(ip);
    log_end_op();
  }
  return -1;
}

/* exec(path, argv): copy the path and arguments in, each into its own page. */
uint64
sys_exec(void)
{
  char path[MAXPATH];
  char *args[MAXARG + 1] = { 0 };
  uint64 uargv = arg_addr(1);
  int result = -1;

  if (arg_str(0, path, sizeof(path)) < 0)
    return -1;
  for (int i = 0;; i++) {
    uint64 uarg;
    if (fetch_addr(uargv + i * sizeof(uint64), &uarg) < 0)
      goto out;
    if (uarg == 0)
      break;
    if (i == MAXARG)
      goto out;                       /* too many arguments */
    if ((args[i] = page_alloc_nozero()) == 0 || fetch_str(uarg, args[i], PGSIZE) < 0)
      goto out;
  }
  result = exec_program(path, args);
out:
  for (int i = 0; i <= MAXARG && args[i]; i++)
    page_free(args[i]);
  return result;
}
