/*
 * ls.c: describe files. One line per file: name, type, inode number, size.
 * A directory argument lists its entries instead; no argument means ".".
 */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

static void
show(const char *name, const struct stat *st)
{
  printf("%-14s %d %d %lu\n", name, st->type, st->ino, st->size);
}

/* Lists the entries of the open directory fd, whose path is dir. Returns 0 or -1. */
static int
list_dir(int fd, const char *dir)
{
  char path[MAXPATH];
  char name[DIRSIZ + 1];
  struct dirent de;
  struct stat st;
  int dirlen = strlen(dir);
  int status = 0;

  if (dirlen + 1 + DIRSIZ + 1 > sizeof(path)) {
    fprintf(2, "ls: path too long: %s\n", dir);
    return -1;
  }
  strcpy(path, dir);
  path[dirlen] = '/';
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';   /* a full-length name has no terminator on disk */
    strcpy(path + dirlen + 1, name);
    if (stat(path, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", path);
      status = -1;
      continue;
    }
    show(name, &st);
  }
  return status;
}

static int
ls(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY);
  int status = 0;

  if (fd < 0) {
    fprintf(2, "ls: cannot open %s\n", path);
    return -1;
  }
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s\n", path);
    status = -1;
  } else if (st.type == T_DIR) {
    status = list_dir(fd, path);
  } else {
    show(path, &st);
  }
  close(fd);
  return status;
}

int
main(int argc, char *argv[])
{
  int i;
  int status = 0;

  if (argc < 2)
    exit(ls(".") < 0 ? 1 : 0);
  for (i = 1; i < argc; i++)
    if (ls(argv[i]) < 0)
      status = 1;
  exit(status);
}
