/* param.h: system-wide limits. User programs read these too, so names and values are fixed. */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NPROC        64   /* process table slots */
#define NCPU          8   /* harts the kernel can drive */
#define NOFILE       16   /* open files per process */
#define NFILE       100   /* open files in the whole system */
#define NINODE       50   /* in-memory inode cache entries */
#define NDEV         10   /* device major numbers */
#define ROOTDEV       1   /* device number of the root file system */
#define MAXARG       32   /* exec arguments */
#define MAXOPBLOCKS  10   /* blocks one file-system operation may write */
#define LOGSIZE      (MAXOPBLOCKS * 3) /* data blocks in the on-disk log */
#define LOGBLOCKS    LOGSIZE           /* the 2025 edition's name for it */
#define NBUF         (MAXOPBLOCKS * 3) /* buffer cache entries */
#define FSSIZE     2000   /* file system size in blocks */
#define MAXPATH     128   /* longest path name, including the NUL */
#define USERSTACK     1   /* user stack pages above the guard page */

#endif
