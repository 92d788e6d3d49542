/*
 * sysfile.c: the file-system system calls: argument checking, then the work
 * done by file.c, pipe.c, inode.c and dir.c. Every call that may change the
 * disk runs as one log transaction.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/vmstat.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/trap/syscall.h"
#include "kernel/lib/klib.h"
#include "kernel/lib/kprintf.h"
#include "kernel/fs/log.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/pipe.h"
#include "kernel/fs/file.h"
#include "kernel/fs/sysfile.h"

struct file *
arg_file(int n, int *fdp)
{
  int fd = arg_int(n);
  if (fd < 0 || fd >= NOFILE)
    return 0;
  struct file *f = myproc()->ofile[fd];
  if (f && fdp)
    *fdp = fd;
  return f;
}

int
fd_alloc(struct file *f)
{
  struct proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

uint64
sys_dup(void)
{
  struct file *f = arg_file(0, 0);
  if (f == 0)
    return -1;
  int fd = fd_alloc(f);
  if (fd < 0)
    return -1;
  file_dup(f);
  return fd;
}

uint64
sys_read(void)
{
  struct file *f = arg_file(0, 0);
  int n = arg_int(2);
  if (f == 0 || n < 0)
    return -1;
  return file_read(f, arg_addr(1), n);
}

uint64
sys_write(void)
{
  struct file *f = arg_file(0, 0);
  int n = arg_int(2);
  if (f == 0 || n < 0)
    return -1;
  return file_write(f, arg_addr(1), n);
}

uint64
sys_close(void)
{
  int fd;
  struct file *f = arg_file(0, &fd);
  if (f == 0)
    return -1;
  myproc()->ofile[fd] = 0;
  file_close(f);
  return 0;
}

uint64
sys_fstat(void)
{
  struct file *f = arg_file(0, 0);
  if (f == 0)
    return -1;
  return file_stat(f, arg_addr(1));
}

static int
is_dot_or_dotdot(const char *name)
{
  return strncmp(name, ".", DIRSIZ) == 0 || strncmp(name, "..", DIRSIZ) == 0;
}

/* Undo the nlink increment of a failed link(). Inside the transaction. */
static void
drop_link(struct inode *ip)
{
  inode_lock(ip);
  ip->nlink--;
  inode_update(ip);
  inode_unlock_put(ip);
}

/* link(target, newpath): a second name for a file (never for a directory). */
uint64
sys_link(void)
{
  char target[MAXPATH], newpath[MAXPATH], name[DIRSIZ + 1];

  if (arg_str(0, target, MAXPATH) < 0 || arg_str(1, newpath, MAXPATH) < 0)
    return -1;

  log_begin_op();
  struct inode *ip = namei(target);
  if (ip == 0) {
    log_end_op();
    return -1;
  }
  inode_lock(ip);
  if (ip->type == T_DIR) {
    inode_unlock_put(ip);
    log_end_op();
    return -1;
  }
  /* Count the new name first: a crash then leaves too high a count, never too low. */
  ip->nlink++;
  inode_update(ip);
  inode_unlock(ip);

  struct inode *dp = nameiparent(newpath, name);
  if (dp == 0) {
    drop_link(ip);
    log_end_op();
    return -1;
  }
  inode_lock(dp);
  if (dp->nlink == 0 || dp->dev != ip->dev || dir_link(dp, name, ip->inum) < 0) {
    inode_unlock_put(dp);
    drop_link(ip);
    log_end_op();
    return -1;
  }
  inode_unlock_put(dp);
  inode_put(ip);
  log_end_op();
  return 0;
}

/* Remove name's entry from the locked dp; -1 if it is absent, "." / "..", or a non-empty directory. */
static int
unlink_in(struct inode *dp, const char *name)
{
  uint off;

  if (is_dot_or_dotdot(name))
    return -1;
  struct inode *ip = dir_lookup(dp, name, &off);
  if (ip == 0)
    return -1;
  inode_lock(ip);
  if (ip->nlink < 1)
    panic("unlink: inode %d has a name but no links", ip->inum);
  if (ip->type == T_DIR && !dir_is_empty(ip)) {
    inode_unlock_put(ip);
    return -1;
  }

  dir_clear_entry(dp, off);
  if (ip->type == T_DIR) {   /* the child's ".." no longer names dp */
    dp->nlink--;
    inode_update(dp);
  }
  ip->nlink--;
  inode_update(ip);
  inode_unlock_put(ip);   /* frees the inode unless it is still open somewhere */
  return 0;
}

uint64
sys_unlink(void)
{
  char path[MAXPATH], name[DIRSIZ + 1];

  if (arg_str(0, path, MAXPATH) < 0)
    return -1;

  log_begin_op();
  struct inode *dp = nameiparent(path, name);
  if (dp == 0) {
    log_end_op();
    return -1;
  }
  inode_lock(dp);
  int r = unlink_in(dp, name);
  inode_unlock_put(dp);
  log_end_op();
  return r;
}

/* Give the new locked directory ip its "." and ".." entries: 0 or -1 (disk full). */
static int
add_dot_entries(struct inode *ip, struct inode *parent)
{
  if (dir_link(ip, ".", ip->inum) < 0 || dir_link(ip, "..", parent->inum) < 0)
    return -1;
  return 0;
}

/*
 * The inode path names, created with the given type if it does not exist:
 * returned locked, or 0. An existing name is acceptable only when a plain
 * file is wanted and it is a file or device (open with O_CREATE).
 * Inside a transaction.
 */
static struct inode *
create(const char *path, short type, short major, short minor)
{
  char name[DIRSIZ + 1];
  struct inode *dp = nameiparent(path, name);
  if (dp == 0)
    return 0;
  inode_lock(dp);
  if (dp->nlink == 0) {
    /*
     * The directory was removed (it is still someone's working directory,
     * or was removed while we looked the path up): nothing may be created
     * in it, or it would be lost with it when its last reference goes.
     */
    inode_unlock_put(dp);
    return 0;
  }

  uint inum = dir_find(dp, name, 0);
  if (inum != 0) {
    struct inode *ip = inode_get(dp->dev, inum);
    inode_unlock_put(dp);
    if (ip == 0)
      return 0;
    inode_lock(ip);
    if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    inode_unlock_put(ip);
    return 0;
  }

  struct inode *ip = inode_alloc(dp->dev, type);
  if (ip == 0) {
    inode_unlock_put(dp);
    return 0;
  }
  inode_lock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  inode_update(ip);

  if ((type == T_DIR && add_dot_entries(ip, dp) < 0) || dir_link(dp, name, ip->inum) < 0) {
    /* Out of disk blocks: with no links, the last put frees the inode and its blocks. */
    ip->nlink = 0;
    inode_update(ip);
    inode_unlock_put(ip);
    inode_unlock_put(dp);
    return 0;
  }
  if (type == T_DIR) {   /* the new ".." is another name for dp */
    dp->nlink++;
    inode_update(dp);
  }
  inode_unlock_put(dp);
  return ip;
}

/* The locked inode open(path, mode) should use, or 0. Inside a transaction. */
static struct inode *
open_target(const char *path, int mode)
{
  if (mode & O_CREATE)
    return create(path, T_FILE, 0, 0);

  struct inode *ip = namei(path);
  if (ip == 0)
    return 0;
  inode_lock(ip);
  if (ip->type == T_DIR && (mode & (O_WRONLY | O_RDWR | O_TRUNC))) {
    inode_unlock_put(ip);
    return 0;
  }
  return ip;
}

uint64
sys_open(void)
{
  char path[MAXPATH];
  int mode = arg_int(1);

  if (arg_str(0, path, MAXPATH) < 0)
    return -1;

  log_begin_op();
  struct inode *ip = open_target(path, mode);
  if (ip == 0) {
    log_end_op();
    return -1;
  }
  if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)) {
    inode_unlock_put(ip);
    log_end_op();
    return -1;
  }

  struct file *f = file_alloc();
  int fd = f ? fd_alloc(f) : -1;
  if (fd < 0) {
    if (f)
      file_close(f);   /* still FD_NONE: only frees the slot */
    inode_unlock_put(ip);
    log_end_op();
    return -1;
  }

  f->type = ip->type == T_DEVICE ? FD_DEVICE : FD_INODE;
  f->major = ip->major;
  f->ip = ip;
  f->off = 0;
  strncpy(f->name, path_last(path), DIRSIZ);
  f->readable = !(mode & O_WRONLY);
  f->writable = (mode & O_WRONLY) || (mode & O_RDWR);
  if ((mode & O_TRUNC) && ip->type == T_FILE)
    inode_truncate(ip);

  inode_unlock(ip);
  log_end_op();
  return fd;
}

/* mkdir and mknod: create path as a new inode of type; -1 if it exists. */
static uint64
make_node(short type, short major, short minor)
{
  char path[MAXPATH];

  if (arg_str(0, path, MAXPATH) < 0)
    return -1;
  log_begin_op();
  struct inode *ip = create(path, type, major, minor);
  if (ip == 0) {
    log_end_op();
    return -1;
  }
  inode_unlock_put(ip);
  log_end_op();
  return 0;
}

uint64
sys_mkdir(void)
{
  return make_node(T_DIR, 0, 0);
}

uint64
sys_mknod(void)
{
  return make_node(T_DEVICE, arg_int(1), arg_int(2));
}

uint64
sys_chdir(void)
{
  char path[MAXPATH];
  struct proc *p = myproc();

  if (arg_str(0, path, MAXPATH) < 0)
    return -1;
  log_begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    log_end_op();
    return -1;
  }
  inode_lock(ip);
  if (ip->type != T_DIR) {
    inode_unlock_put(ip);
    log_end_op();
    return -1;
  }
  inode_unlock(ip);
  inode_put(p->cwd);
  p->cwd = ip;
  log_end_op();
  return 0;
}

/* pipe(fds): fds[0] the read end, fds[1] the write end. */
uint64
sys_pipe(void)
{
  struct proc *p = myproc();
  uint64 fds_addr = arg_addr(0);
  struct file *rf, *wf;

  if (pipe_alloc(&rf, &wf) < 0)
    return -1;
  int fds[2] = { fd_alloc(rf), -1 };
  if (fds[0] >= 0)
    fds[1] = fd_alloc(wf);
  if (fds[1] < 0 || copyout(p->pagetable, fds_addr, fds, sizeof(fds)) < 0) {
    if (fds[0] >= 0)
      p->ofile[fds[0]] = 0;
    if (fds[1] >= 0)
      p->ofile[fds[1]] = 0;
    file_close(rf);
    file_close(wf);
    return -1;
  }
  return 0;
}

uint64
sys_fsstat(void)
{
  struct fsstat st;
  uint64 addr = arg_addr(0);

  fs_stat(&st);
  log_stats(&st);
  return copyout(myproc()->pagetable, addr, &st, sizeof(st));
}
