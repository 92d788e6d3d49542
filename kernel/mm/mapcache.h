/*
 * mapcache.h: the pages of shared mappings. A MAP_SHARED mapping maps the
 * pages of an object, one page per page of the object: the file's (one
 * object per inode, whoever maps it) or an anonymous one (made by mmap,
 * shared with children by fork). So every process that maps a file shared
 * maps the same physical pages and sees the others' stores at once, and
 * read() and write() of the file go through those pages while they exist.
 *
 * An object lives while some mapping refers to it; its pages stay with it
 * (the cache holds one reference to each, every PTE mapping it another)
 * and go when its last mapping does: by then each mapping has written its
 * dirty pages back to the file. Private mappings do not use it.
 *
 * Locking: one spinlock guards the objects and the page index. Pages are
 * added and objects freed only by a process holding its address-space lock
 * (a fault, munmap, exit, exec, fork), so vmcheck, holding them all, sees
 * the cache's references still.
 */
#ifndef KERNEL_MM_MAPCACHE_H
#define KERNEL_MM_MAPCACHE_H

#include "kernel/types.h"

struct inode;
struct mapobj;

void mapcache_init(void);
/* The object of file ip (found, or made with one reference), or 0 when the table is full. */
struct mapobj *mapobj_of_file(struct inode *ip);
/* A new anonymous object with one reference, or 0 when the table is full. */
struct mapobj *mapobj_new_anon(void);
void mapobj_dup(struct mapobj *o);
/* Drop a reference; the last one frees the object's pages (their contents are already home). */
void mapobj_put(struct mapobj *o);
/*
 * Page pgoff of o with one more reference for the caller: made now if the
 * object has none there yet (the file's bytes, zeros past its end, or zeros
 * for an anonymous object). 0 when memory or the index is full. May sleep
 * (reads the file); no spinlock may be held.
 */
void *mapobj_page(struct mapobj *o, uint64 pgoff);
/*
 * If some shared mapping has page pgoff of file ip in the cache, copy it to
 * page (a private mapping's new page: the cache may hold stores not yet
 * written back) and return 1; else 0.
 */
int mapcache_copy_file_page(struct inode *ip, uint64 pgoff, void *page);
/* write() changed [off, off+n) of ip (locked): bring the object's pages there up to date. */
void mapcache_file_written(struct inode *ip, uint off, uint n);
/*
 * read() copied [off, off+n) of ip (locked) to user address dst: copy the
 * object's pages there over it, as they may hold stores not yet written
 * back. 0, or -1 if the copy to user memory failed.
 */
int mapcache_file_read(struct inode *ip, uint64 dst, uint off, uint n);
/* vmcheck: count the references the cache holds (vmcheck_add_ref for each page). */
void mapcache_vmcheck(void);

#endif
