/* vm.h: user-visible memory constants: how sbrk() should provide new memory. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

/*
 * SBRK_LAZY only moves the break: a page of the new heap is mapped when it is
 * first touched (a read maps the shared zero page, a write a fresh zeroed
 * page; docs/vm.md). As on xv6, any value but SBRK_EAGER means lazy.
 */
#define SBRK_EAGER  1   /* allocate and zero the pages now */
#define SBRK_LAZY   2   /* move the break; pages come on first touch */

#endif
