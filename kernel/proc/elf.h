/* elf.h: the parts of the ELF-64 format (System V gABI) that exec reads. */
#ifndef KERNEL_PROC_ELF_H
#define KERNEL_PROC_ELF_H

#include "kernel/types.h"

#define ELF_MAGIC 0x464C457FU   /* "\x7fELF", read as a little-endian word */

struct elf_header {
  uint magic;
  uchar ident[12];
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

#endif
