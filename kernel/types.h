/* types.h: fixed-width integer names shared by the kernel, mkfs and user programs. */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

typedef unsigned char      uchar;
typedef unsigned short     ushort;
typedef unsigned int       uint;
typedef unsigned long long ulonglong;

typedef unsigned char      uint8;
typedef unsigned short     uint16;
typedef unsigned int       uint32;
typedef unsigned long      uint64;

typedef uint64 pde_t;

/* mmap()'s length and offset (user/user.h); the same types GCC gives them on RISC-V. */
typedef unsigned long      size_t;
typedef long               off_t;

#endif
