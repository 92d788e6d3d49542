/*
 * fdt.h: the little the kernel reads from a flattened device tree (the
 * blob QEMU hands over at boot): where RAM is. Pure logic, so the host unit
 * tests build it unchanged (tests/unit/test_fdt.c).
 * Failure convention: 0 (FDT_OK) or one of the FDT_ERR_* reasons below.
 */
#ifndef KERNEL_LIB_FDT_H
#define KERNEL_LIB_FDT_H

#include "kernel/types.h"

#define FDT_OK              0
#define FDT_ERR_MAGIC       1   /* the first word is not the FDT magic */
#define FDT_ERR_TRUNCATED   2   /* a block or a token runs past the blob's end */
#define FDT_ERR_VERSION     3   /* a format older than we read */
#define FDT_ERR_MALFORMED   4   /* tokens out of order, or an unknown token */
#define FDT_ERR_CELLS       5   /* #address-cells or #size-cells too wide for 64 bits */
#define FDT_ERR_NO_MEMORY   6   /* the root has no memory node with a reg range */

/* The header's fixed part: what a caller must be able to read before asking more. */
#define FDT_HEADER_BYTES    40

/*
 * The first reg range of the root's memory node (named "memory" or
 * "memory@...") in the blob at fdt, of which the caller guarantees `readable`
 * bytes. Reads nothing beyond the smaller of that and the blob's own size.
 * Sets *base and *size only on FDT_OK.
 */
int fdt_memory_range(const void *fdt, uint64 readable, uint64 *base, uint64 *size);

/* The reason an FDT_ERR_* stands for, in words, for boot messages. */
const char *fdt_strerror(int err);

#endif
