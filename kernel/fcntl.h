/* fcntl.h: open() mode bits, and mmap()'s protection and flag bits (Linux's values). */
#ifndef KERNEL_FCNTL_H
#define KERNEL_FCNTL_H

#define O_RDONLY  0x000
#define O_WRONLY  0x001
#define O_RDWR    0x002
#define O_CREATE  0x200
#define O_TRUNC   0x400

#define PROT_READ   0x1     /* the mapping may be read */
#define PROT_WRITE  0x2     /* ... written */
#define PROT_EXEC   0x4     /* ... executed */

#define MAP_SHARED     0x01 /* stores reach the file (written back) and other mappers */
#define MAP_PRIVATE    0x02 /* a copy-on-write copy of the file: stores stay ours */
#define MAP_ANONYMOUS  0x20 /* no file: zero-filled memory (fd -1) */

#endif
