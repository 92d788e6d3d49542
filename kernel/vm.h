/* vm.h: user-visible memory constants: how sbrk() should provide new memory. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#define SBRK_EAGER  1   /* allocate and zero the pages now */
#define SBRK_LAZY   2   /* only move the break; pages come on first touch */

#endif
