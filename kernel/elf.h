/*
 * elf.h: the parts of the ELF-64 format (System V gABI) that exec reads.
 * A format fact like fs.h, so it sits where xv6 programs look for it; xv6's
 * names for the same things follow our own at the end.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include "kernel/types.h"

#define ELF_MAGIC 0x464C457FU   /* "\x7fELF", read as a little-endian word */

struct elf_header {
  uint magic;
  uchar elf[12];      /* the rest of e_ident (xv6's field name) */
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;       /* program header table's file offset */
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

struct elf_phdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

#define ELF_PT_LOAD 1
#define ELF_PF_X    1
#define ELF_PF_W    2
#define ELF_PF_R    4

/* xv6's names. */
#define elfhdr              elf_header
#define proghdr             elf_phdr
#define ELF_PROG_LOAD       ELF_PT_LOAD
#define ELF_PROG_FLAG_EXEC  ELF_PF_X
#define ELF_PROG_FLAG_WRITE ELF_PF_W
#define ELF_PROG_FLAG_READ  ELF_PF_R

#endif
