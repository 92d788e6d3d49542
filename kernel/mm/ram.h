/*
 * ram.h: how much RAM the machine has, learnt once at boot from the device
 * tree QEMU passes, and the boot-time carving of tables sized by it.
 *
 * RAM is [KERNBASE, ram_end()). Above the kernel image, the modules that
 * keep something per page of RAM (reference counts, bitmaps) carve their
 * tables with ram_carve(); page_allocator_init() then ends the carving
 * with ram_carve_finish() and manages every page from there to ram_end().
 * xv6's PHYSTOP (memlayout.h) keeps xv6's 128 MiB for user programs only.
 */
#ifndef KERNEL_MM_RAM_H
#define KERNEL_MM_RAM_H

#include "kernel/types.h"

#define KIB                1024UL
#define MIB                (1024 * KIB)
/* Assumed when the device tree is missing or unreadable: QEMU's default -m and xv6's PHYSTOP. */
#define RAM_DEFAULT_BYTES  (128 * MIB)
/*
 * Used at most; the rest is ignored. Per-page tables are carved to the real
 * size, so the limit costs nothing below it. Above it, boot time would grow
 * (every free page is filled once) and the direct map's page tables too
 * (2 MiB per GiB): 4 GiB bounds both to what a teaching machine needs.
 */
#define RAM_MAX_BYTES      (4096 * MIB)
/* Below this the kernel, its tables and a few processes do not fit: the machine cannot run it. */
#define RAM_MIN_BYTES      (16 * MIB)

/* Hart 0, first thing after the console: reads the RAM size from the device tree at fdt_pa. */
void ram_init(uint64 fdt_pa);

uint64 ram_end(void);     /* first physical address past usable RAM; set once by ram_init */
uint64 ram_pages(void);   /* pages from KERNBASE to ram_end(): entries in a per-page table */
uint64 ram_bitmap_bytes(void);   /* bytes of a one-bit-per-page map */

/*
 * Boot only, before page_allocator_init: nbytes of zeroed memory above the
 * kernel image (and above earlier carvings), 8-byte aligned, kept for ever.
 */
void *ram_carve(uint64 nbytes);
/* Ends the carving; returns the first whole page after it, where the page allocator starts. */
uint64 ram_carve_finish(void);

#endif
