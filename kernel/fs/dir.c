/*
 * dir.c: directories (files of struct dirent; an entry with inum 0 is free)
 * and the translation of path names into inodes.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/bio.h"

#define DIRENT_SIZE ((uint)sizeof(struct dirent))
_Static_assert(BSIZE % sizeof(struct dirent) == 0, "a directory entry never straddles a block");
#define DOT_ENTRIES 2   /* "." and "..", at the start of every directory */

static void
require_locked_dir(struct inode *dp, const char *who)
{
  if (!sleeplock_held(&dp->lock) || dp->type != T_DIR)
    panic("%s: inode %d is not a locked directory", who, dp->inum);
}

/*
 * A scan looks at a directory's entries where they lie, in the cached block,
 * taking the block once for all the entries in it. (Reading entries one at a
 * time through inode_read made a lookup in the root, which holds every
 * program, cost one buffer-cache lookup and copy per entry.)
 */
struct dir_cursor {
  struct inode *dp;
  uint next;        /* offset of the entry dir_next() returns next */
  struct buf *b;    /* the block holding the last entry returned, or 0 */
};

static void
dir_start(struct dir_cursor *c, struct inode *dp, uint off)
{
  c->dp = dp;
  c->next = off;
  c->b = 0;
}

/* Ends a scan early; dir_next() ends it itself when it runs out of entries. */
static void
dir_stop(struct dir_cursor *c)
{
  if (c->b) {
    brelse(c->b);
    c->b = 0;
  }
}

/*
 * The entry at c->next (its offset in *offp), or 0 at the end of the
 * directory. The entry lives in a cache buffer: valid until the next call or
 * dir_stop(). Entries never straddle a block (BSIZE % DIRENT_SIZE == 0).
 */
static const struct dirent *
dir_next(struct dir_cursor *c, uint *offp)
{
  if (c->next >= c->dp->size) {
    dir_stop(c);
    return 0;
  }
  if (c->b == 0 || c->next % BSIZE == 0) {
    dir_stop(c);
    c->b = inode_block(c->dp, c->next);
  }
  *offp = c->next;
  c->next += DIRENT_SIZE;
  return (const struct dirent *)(c->b->data + *offp % BSIZE);
}

/* Names in entries are NUL-terminated only when shorter than DIRSIZ. */
static int
entry_has_name(const struct dirent *de, const char *name)
{
  return de->inum != 0 && strncmp(de->name, name, DIRSIZ) == 0;
}

uint
dir_find(struct inode *dp, const char *name, uint *offp)
{
  struct dir_cursor c;
  const struct dirent *de;
  uint off;

  require_locked_dir(dp, "dir_find");
  for (dir_start(&c, dp, 0); (de = dir_next(&c, &off)) != 0;) {
    if (entry_has_name(de, name)) {
      dir_stop(&c);
      if (offp)
        *offp = off;
      return de->inum;
    }
  }
  return 0;
}

struct inode *
dir_lookup(struct inode *dp, const char *name, uint *offp)
{
  uint inum = dir_find(dp, name, offp);
  return inum ? inode_get(dp->dev, inum) : 0;
}

/* Offset of the first free entry, or the end of the directory (which then grows). */
static uint
free_entry_offset(struct inode *dp)
{
  struct dir_cursor c;
  const struct dirent *de;
  uint off;

  for (dir_start(&c, dp, 0); (de = dir_next(&c, &off)) != 0;)
    if (de->inum == 0) {
      dir_stop(&c);
      return off;
    }
  return dp->size;
}

int
dir_link(struct inode *dp, const char *name, uint inum)
{
  struct dirent de;

  if (dir_find(dp, name, 0) != 0)
    return -1;
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  /* An entry never straddles a block, so this writes all of it or none (disk full). */
  if (inode_write(dp, 0, (uint64)&de, free_entry_offset(dp), DIRENT_SIZE) != DIRENT_SIZE)
    return -1;
  return 0;
}

void
dir_clear_entry(struct inode *dp, uint off)
{
  struct dirent empty;

  require_locked_dir(dp, "dir_clear_entry");
  memset(&empty, 0, sizeof(empty));
  if (inode_write(dp, 0, (uint64)&empty, off, DIRENT_SIZE) != DIRENT_SIZE)
    panic("dir_clear_entry: cannot overwrite entry at %d", off);
}

int
dir_is_empty(struct inode *dp)
{
  struct dir_cursor c;
  const struct dirent *de;
  uint off;

  require_locked_dir(dp, "dir_is_empty");
  for (dir_start(&c, dp, DOT_ENTRIES * DIRENT_SIZE); (de = dir_next(&c, &off)) != 0;)
    if (de->inum != 0) {
      dir_stop(&c);
      return 0;
    }
  return 1;
}

/* ---- path names ---- */

/*
 * Copy path's first element into name (at most DIRSIZ bytes, NUL-terminated
 * when shorter) and return what follows it, without leading slashes, so an
 * empty result means the element was the last. Returns 0 if there is no
 * element. Longer elements are cut to DIRSIZ, like the names in entries.
 */
static const char *
next_element(const char *path, char *name)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    return 0;

  const char *start = path;
  while (*path != '/' && *path != '\0')
    path++;
  uint len = path - start;
  memmove(name, start, MIN(len, DIRSIZ));
  if (len < DIRSIZ)
    name[len] = '\0';

  while (*path == '/')
    path++;
  return path;
}

/*
 * Walk path from "/" or the current directory. With want_parent, stop one
 * element early, returning that directory and leaving the last element in name.
 * Each step locks only one directory at a time: a ".." step therefore never
 * waits for a lock while holding the child's, which could deadlock.
 */
static struct inode *
path_walk(const char *path, int want_parent, char *name)
{
  struct inode *ip;

  if (*path == '/')
    ip = inode_get(ROOTDEV, ROOTINO);
  else
    ip = inode_dup(myproc()->cwd);
  if (ip == 0)
    return 0;

  while ((path = next_element(path, name)) != 0) {
    inode_lock(ip);
    if (ip->type != T_DIR) {
      inode_unlock_put(ip);
      return 0;
    }
    if (want_parent && *path == '\0') {
      inode_unlock(ip);
      return ip;
    }
    struct inode *next = dir_lookup(ip, name, 0);
    inode_unlock_put(ip);
    if (next == 0)
      return 0;
    ip = next;
  }

  if (want_parent) {   /* the path had no element: "/" or "" has no parent entry */
    inode_put(ip);
    return 0;
  }
  return ip;
}

const char *
path_last(const char *path)
{
  const char *name = path;
  for (const char *s = path; *s; s++)
    if (*s == '/')
      name = s + 1;
  return name;
}

struct inode *
namei(const char *path)
{
  char name[DIRSIZ];
  return path_walk(path, 0, name);
}

struct inode *
nameiparent(const char *path, char *name)
{
  return path_walk(path, 1, name);
}
