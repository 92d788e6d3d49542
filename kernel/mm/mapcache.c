/*
 * mapcache.c: the pages of shared mappings, indexed by (object, page
 * number) in a hash table (see mapcache.h).
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/mm/vmcheck.h"
#include "kernel/fs/inode.h"
#include "kernel/mm/mapcache.h"

#define NMAPOBJ        NPROC    /* objects mapped at once */
#define MAPCACHE_PAGES 8192     /* pages of shared mappings at once: 32 MiB */
#define BUCKETS        512      /* hash chains of the page index */

struct mapobj {
  int refs;                     /* mappings referring to it; 0: a free slot */
  struct inode *ip;             /* the file, kept alive by the mappings' files; 0: anonymous */
};

/* One page of an object. */
struct mapent {
  struct mapobj *obj;           /* 0: on the free list */
  uint64 pgoff;                 /* page number within the object */
  void *page;                   /* the cache's reference */
  struct mapent *next;          /* hash chain, or free list */
};

static struct {
  struct spinlock lock;         /* guards everything here but the pages' contents */
  struct mapobj objs[NMAPOBJ];
  struct mapent ents[MAPCACHE_PAGES];
  struct mapent *chain[BUCKETS];
  struct mapent *free;
} cache;

void
mapcache_init(void)
{
  spin_init(&cache.lock, "mapcache");
  for (int i = 0; i < MAPCACHE_PAGES; i++) {
    cache.ents[i].next = cache.free;
    cache.free = &cache.ents[i];
  }
}

static struct mapent **
bucket(struct mapobj *o, uint64 pgoff)
{
  uint64 h = ((uint64)o / sizeof(*o)) * 31 + pgoff;
  return &cache.chain[h % BUCKETS];
}

/* The entry for (o, pgoff), or 0. Needs cache.lock. */
static struct mapent *
lookup(struct mapobj *o, uint64 pgoff)
{
  for (struct mapent *e = *bucket(o, pgoff); e; e = e->next)
    if (e->obj == o && e->pgoff == pgoff)
      return e;
  return 0;
}

static struct mapobj *
new_obj(struct inode *ip)
{
  for (struct mapobj *o = cache.objs; o < &cache.objs[NMAPOBJ]; o++) {
    if (o->refs == 0) {
      *o = (struct mapobj){ .refs = 1, .ip = ip };
      return o;
    }
  }
  return 0;
}

struct mapobj *
mapobj_of_file(struct inode *ip)
{
  spin_lock(&cache.lock);
  struct mapobj *found = 0;
  for (struct mapobj *o = cache.objs; o < &cache.objs[NMAPOBJ] && !found; o++)
    if (o->refs > 0 && o->ip == ip)
      found = o;
  if (found)
    found->refs++;
  else
    found = new_obj(ip);
  spin_unlock(&cache.lock);
  return found;
}

struct mapobj *
mapobj_new_anon(void)
{
  spin_lock(&cache.lock);
  struct mapobj *o = new_obj(0);
  spin_unlock(&cache.lock);
  return o;
}

void
mapobj_dup(struct mapobj *o)
{
  spin_lock(&cache.lock);
  KASSERT(o->refs > 0);
  o->refs++;
  spin_unlock(&cache.lock);
}

void
mapobj_put(struct mapobj *o)
{
  spin_lock(&cache.lock);
  KASSERT(o->refs > 0);
  if (--o->refs == 0) {
    for (int b = 0; b < BUCKETS; b++) {
      for (struct mapent **link = &cache.chain[b]; *link;) {
        struct mapent *e = *link;
        if (e->obj != o) {
          link = &e->next;
          continue;
        }
        *link = e->next;
        page_free(e->page);             /* the allocator's own lock: no sleep */
        *e = (struct mapent){ .next = cache.free };
        cache.free = e;
      }
    }
    o->ip = 0;
  }
  spin_unlock(&cache.lock);
}

/* A fresh page holding what page pgoff of o holds on disk (zeros for anonymous memory), or 0. */
static void *
read_page(struct mapobj *o, uint64 pgoff)
{
  void *page = page_alloc();
  if (page == 0 || o->ip == 0)
    return page;
  uint64 off = pgoff * PGSIZE;
  inode_lock(o->ip);
  if (off < o->ip->size)                /* past the end of the file: zeros */
    inode_read(o->ip, 0, (uint64)page, (uint)off, MIN((uint64)PGSIZE, o->ip->size - off));
  inode_unlock(o->ip);
  return page;
}

void *
mapobj_page(struct mapobj *o, uint64 pgoff)
{
  spin_lock(&cache.lock);
  struct mapent *e = lookup(o, pgoff);
  if (e)
    page_ref_inc(e->page);
  spin_unlock(&cache.lock);
  if (e)
    return e->page;

  void *page = read_page(o, pgoff);     /* sleeps on the disk: no spinlock held */
  if (page == 0)
    return 0;
  spin_lock(&cache.lock);
  e = lookup(o, pgoff);                 /* another sharer may have made it meanwhile */
  if (e == 0 && cache.free) {
    e = cache.free;
    cache.free = e->next;
    *e = (struct mapent){ .obj = o, .pgoff = pgoff, .page = page, .next = *bucket(o, pgoff) };
    *bucket(o, pgoff) = e;
    page = 0;                           /* the cache's reference now */
  }
  if (e)
    page_ref_inc(e->page);
  spin_unlock(&cache.lock);
  if (page)
    page_free(page);                    /* lost the race, or the index is full */
  return e ? e->page : 0;
}

/* ip's object, or 0 if nothing maps ip. Needs cache.lock. */
static struct mapobj *
file_obj(struct inode *ip)
{
  for (struct mapobj *o = cache.objs; o < &cache.objs[NMAPOBJ]; o++)
    if (o->refs > 0 && o->ip == ip)
      return o;
  return 0;
}

/* Page pgoff of ip's object with a reference for the caller, or 0 if there is none. */
static void *
cached_page(struct inode *ip, uint64 pgoff)
{
  spin_lock(&cache.lock);
  struct mapobj *o = file_obj(ip);
  struct mapent *e = o ? lookup(o, pgoff) : 0;
  if (e)
    page_ref_inc(e->page);
  spin_unlock(&cache.lock);
  return e ? e->page : 0;
}

int
mapcache_copy_file_page(struct inode *ip, uint64 pgoff, void *page)
{
  char *cached = cached_page(ip, pgoff);
  if (cached == 0)
    return 0;
  memmove(page, cached, PGSIZE);
  page_free(cached);
  return 1;
}

/* What a walk over the cached pages of part of a file does at each one. */
struct piece_walk {
  struct inode *ip;             /* locked by the caller */
  uint off;                     /* the part's first byte */
  uint64 dst;                   /* read: the user address the part went to */
  /* Act on len bytes at file offset pos, which the page holds at at: 0, or -1 to stop. */
  int (*act)(struct piece_walk *w, char *at, uint pos, uint len);
};

/* Call w->act for each cached page of w->ip over [w->off, w->off + n). */
static int
walk_pieces(struct piece_walk *w, uint n)
{
  for (uint pos = w->off; pos < w->off + n;) {
    uint in_page = pos % PGSIZE;
    uint len = MIN(PGSIZE - in_page, w->off + n - pos);
    char *page = cached_page(w->ip, pos / PGSIZE);
    if (page) {
      int r = w->act(w, page + in_page, pos, len);
      page_free(page);
      if (r < 0)
        return -1;
    }
    pos += len;
  }
  return 0;
}

static int
refresh_from_file(struct piece_walk *w, char *at, uint pos, uint len)
{
  inode_read(w->ip, 0, (uint64)at, pos, len);
  return 0;
}

void
mapcache_file_written(struct inode *ip, uint off, uint n)
{
  struct piece_walk w = { .ip = ip, .off = off, .act = refresh_from_file };
  walk_pieces(&w, n);
}

static int
copy_to_reader(struct piece_walk *w, char *at, uint pos, uint len)
{
  return copyout(myproc()->pagetable, w->dst + (pos - w->off), at, len);
}

int
mapcache_file_read(struct inode *ip, uint64 dst, uint off, uint n)
{
  struct piece_walk w = { .ip = ip, .off = off, .dst = dst, .act = copy_to_reader };
  return walk_pieces(&w, n);
}

void
mapcache_vmcheck(void)
{
  spin_lock(&cache.lock);
  for (int b = 0; b < BUCKETS; b++)
    for (struct mapent *e = cache.chain[b]; e; e = e->next)
      vmcheck_add_ref((uint64)e->page);
  spin_unlock(&cache.lock);
}
