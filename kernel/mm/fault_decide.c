/* fault_decide.c: the fault decision, kept free of kernel state so host tests can run it. */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/fcntl.h"
#include "kernel/mm/fault.h"

static const pte_t access_bit[] = {
  [FAULT_READ] = PTE_R,
  [FAULT_WRITE] = PTE_W,
  [FAULT_EXEC] = PTE_X,
};

static const int access_prot[] = {
  [FAULT_READ] = PROT_READ,
  [FAULT_WRITE] = PROT_WRITE,
  [FAULT_EXEC] = PROT_EXEC,
};

enum fault_step
fault_decide(uint64 va, pte_t pte, uint32 refs, enum fault_access access, struct fault_where where)
{
  if (va >= MAXVA)
    return FAULT_KILL;
  if ((pte & PTE_V) == 0 && where.map_prot != 0)
    return (where.map_prot & access_prot[access]) ? FAULT_FILL_MAP : FAULT_KILL;
  if ((pte & PTE_V) == 0) {
    /* Heap pages are readable and writable, never executable. */
    if (!where.lazy || access == FAULT_EXEC)
      return FAULT_KILL;             /* above the break, the guard page, or a jump into data */
    return access == FAULT_READ ? FAULT_FILL_ZERO : FAULT_FILL;
  }
  if ((pte & PTE_U) == 0)
    return FAULT_KILL;               /* kernel-only */
  if (pte & access_bit[access])
    return FAULT_NONE;
  if (access != FAULT_WRITE || (pte & PTE_COW) == 0)
    return FAULT_KILL;               /* read-only for real: text, or a bad access */
  if (where.map_shared)
    return FAULT_UNPROTECT;          /* every sharer writes the one page */
  return refs == 1 ? FAULT_REUSE : FAULT_COPY;
}
