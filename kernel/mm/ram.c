/*
 * ram.c: the size of RAM (from the device tree, once, at boot) and the
 * boot-time carving of per-page tables just above the kernel image.
 * See ram.h for who calls what, and when.
 */
#include "kernel/types.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/lib/fdt.h"
#include "kernel/mm/ram.h"

/* The devicetree spec aligns the blob to 8 bytes; an address that is not cannot be one. */
#define FDT_ALIGN     8
/*
 * Most of a blob we read. QEMU's trees are a few KiB; a header claiming far
 * more is garbage, and reading it all could run off the end of RAM.
 */
#define FDT_MAX_BYTES MIB
#define CARVE_ALIGN   sizeof(uint64)   /* enough for any table's element type */
#define BITS_PER_BYTE 8

extern char end[];   /* first byte after the kernel image (kernel.ld) */

/*
 * Written by hart 0 only, at boot, before any other hart leaves its boot
 * wait (main.c); read-only after. ram_top is set once, by ram_init.
 */
static uint64 ram_top;
static uint64 carve_next;   /* next free byte above the image and earlier carvings */
static int carving_over;    /* set by ram_carve_finish; carving after it is a boot-order bug */

/*
 * The RAM range in the device tree at fdt_pa: 1, or 0 with *why set. The
 * address is the loader's: QEMU gives one inside RAM. We only check that
 * it could be (above the kernel image, below the most RAM we use, aligned),
 * which catches a loader that passes nothing (0).
 */
static int
ram_range_from_fdt(uint64 fdt_pa, uint64 *base, uint64 *size, const char **why)
{
  uint64 ram_limit = KERNBASE + RAM_MAX_BYTES;
  if (fdt_pa < (uint64)end || fdt_pa >= ram_limit || fdt_pa % FDT_ALIGN != 0) {
    *why = "no device tree address from the loader";
    return 0;
  }
  int err = fdt_memory_range((const void *)fdt_pa, MIN(ram_limit - fdt_pa, FDT_MAX_BYTES),
                             base, size);
  if (err != FDT_OK) {
    *why = fdt_strerror(err);
    return 0;
  }
  return 1;
}

void
ram_init(uint64 fdt_pa)
{
  KASSERT(ram_top == 0);
  const char *why = 0;
  uint64 base, size;
  if (!ram_range_from_fdt(fdt_pa, &base, &size, &why)) {
    base = KERNBASE;
    size = RAM_DEFAULT_BYTES;
    kprintf("kernel: device tree at %p unusable (%s): assuming %lu MiB of RAM\n",
            (void *)fdt_pa, why, size / MIB);
  }
  /*
   * The kernel is linked at KERNBASE, QEMU loaded it there, and every
   * per-page table counts frames from there: RAM that starts elsewhere means
   * the tree describes some other machine. Guessing could hand out memory
   * that does not exist, so stop here.
   */
  if (base != KERNBASE)
    panic("ram_init: the device tree puts RAM at %p, not at KERNBASE", (void *)base);
  if (size < RAM_MIN_BYTES)
    panic("ram_init: %lu KiB of RAM; the kernel needs %lu MiB", size / KIB, RAM_MIN_BYTES / MIB);
  if (size > RAM_MAX_BYTES) {
    kprintf("kernel: the device tree gives %lu MiB of RAM; using the first %lu MiB\n",
            size / MIB, RAM_MAX_BYTES / MIB);
    size = RAM_MAX_BYTES;
  }
  ram_top = KERNBASE + (size & ~(PGSIZE - 1));   /* a partial last page is not a page */
  carve_next = (uint64)end;
  kprintf("kernel: %lu MiB of RAM\n", (ram_top - KERNBASE) / MIB);
}

uint64
ram_end(void)
{
  return ram_top;
}

uint64
ram_pages(void)
{
  return (ram_top - KERNBASE) / PGSIZE;
}

uint64
ram_bitmap_bytes(void)
{
  return (ram_pages() + BITS_PER_BYTE - 1) / BITS_PER_BYTE;
}

void *
ram_carve(uint64 nbytes)
{
  KASSERT(ram_top != 0 && !carving_over);
  uint64 at = (carve_next + CARVE_ALIGN - 1) / CARVE_ALIGN * CARVE_ALIGN;
  if (nbytes > ram_top - at)
    panic("ram_carve: %lu bytes do not fit in RAM", nbytes);   /* RAM_MIN_BYTES is too small */
  carve_next = at + nbytes;
  memset((void *)at, 0, nbytes);
  return (void *)at;
}

uint64
ram_carve_finish(void)
{
  KASSERT(ram_top != 0 && !carving_over);
  carving_over = 1;
  return PGROUNDUP(carve_next);
}
