/* vm.h: user-visible memory constants: how sbrk() should provide new memory. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

/*
 * SBRK_LAZY asks to move the break only, with pages coming on first touch.
 * This kernel does not do that yet: it serves lazy requests eagerly, which
 * programs cannot tell apart except by the memory it takes (demand paging
 * is an open issue). As on xv6, any value but SBRK_EAGER means lazy.
 */
#define SBRK_EAGER  1   /* allocate and zero the pages now */
#define SBRK_LAZY   2   /* move the break; today served like SBRK_EAGER */

#endif
