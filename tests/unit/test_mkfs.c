/*
 * test_mkfs.c: host unit tests for mkfs. Runs the (sanitized) mkfs program on
 * small input files, then reads the image back byte by byte and checks it
 * against the format in kernel/fs.h and the limits in kernel/param.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/stat.h"
#include "mkfs/mkfs.h"

#ifndef MKFS_PATH
#error "build with -DMKFS_PATH=\"/path/to/mkfs\""
#endif

#define BOOT_AND_SUPER   2      /* blocks before the log */
#define SUPER_BLOCK      1
#define LOG_HEADER       1      /* the log's header block */
#define PATH_SIZE        512
#define MAX_INPUTS       8
#define BITS_PER_BYTE    8
#define MAX_CREATED      48     /* files a test run leaves in its work directory */
#define MESSAGE_SIZE     1024   /* room for what mkfs prints when it refuses */

/* ---- inputs: name on the host, name expected on the image, size ---- */

struct input {
  const char *host_name;
  const char *image_name;
  size_t size;
};

/* The main image: a mix of sizes, including one that needs the indirect block. */
static const struct input main_inputs[] = {
  { "small.txt", "small.txt", 100 },
  { "_prog", "prog", 3000 },
  { "empty", "empty", 0 },
  { "oneblock", "oneblock", BSIZE },
  { "big", "big", (NDIRECT + 5) * BSIZE + 77 },
  { "fourteen_chars", "fourteen_chars", 10 },   /* exactly DIRSIZ: no NUL on disk */
};
#define NMAIN (sizeof(main_inputs) / sizeof(main_inputs[0]))

static char workdir[PATH_SIZE];
static char created[MAX_CREATED][PATH_SIZE];   /* to remove at the end */
static int ncreated;
static uchar *image;        /* the main image's bytes */
static size_t image_size;

/* ---- helpers: files and running mkfs ---- */

/* Content byte i of a file; differs per file (seed) and per block. */
static uchar
pattern_byte(size_t i, uint seed)
{
  return (uchar)((i * 131 + seed * 17 + i / BSIZE) ^ (i >> 9));
}

static uint
seed_of(const char *name)
{
  uint seed = 0;

  while (*name)
    seed = seed * 31 + (uchar)*name++;
  return seed;
}

static void
path_in_workdir(char *out, const char *name)
{
  int n = snprintf(out, PATH_SIZE, "%s/%s", workdir, name);

  assert_true(n > 0 && n < PATH_SIZE);
}

/* Remembers a file about to be made in workdir, so the group teardown removes it. */
static void
note_created(const char *name)
{
  assert_true(ncreated < MAX_CREATED);
  path_in_workdir(created[ncreated++], name);
}

static void
write_input(const char *name, size_t size)
{
  char path[PATH_SIZE];
  FILE *f;
  size_t i;

  path_in_workdir(path, name);
  note_created(name);
  f = fopen(path, "wb");
  assert_non_null(f);
  for (i = 0; i < size; i++)
    assert_int_not_equal(fputc(pattern_byte(i, seed_of(name)), f), EOF);
  assert_int_equal(fclose(f), 0);
}

/* The file in workdir where run_mkfs keeps what mkfs printed (stdout and stderr). */
static void
output_name(char *out, const char *image_name)
{
  int n = snprintf(out, PATH_SIZE, "%s.out", image_name);

  assert_true(n > 0 && n < PATH_SIZE);
}

/*
 * Runs mkfs IMAGE FILES... inside workdir (so FILES and NAME=FILE arguments
 * are given as they would be typed there), its output going to IMAGE.out;
 * returns its exit status (or -1 if it did not exit).
 */
static int
run_mkfs(const char *image_name, const char **files, int nfiles)
{
  char out_name[PATH_SIZE];
  const char *argv[MAX_INPUTS + 3];
  int status;
  pid_t pid;
  int i;

  assert_true(nfiles <= MAX_INPUTS);
  output_name(out_name, image_name);
  note_created(image_name);
  note_created(out_name);
  argv[0] = MKFS_PATH;
  argv[1] = image_name;
  for (i = 0; i < nfiles; i++)
    argv[i + 2] = files[i];
  argv[nfiles + 2] = NULL;

  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    if (chdir(workdir) != 0 || freopen(out_name, "w", stdout) == NULL ||
        dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
      _exit(126);
    execv(MKFS_PATH, (char **)argv);
    _exit(127);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static uchar *
load_image(const char *image_name, size_t *size)
{
  char path[PATH_SIZE];
  uchar *bytes;
  long len;
  FILE *f;

  path_in_workdir(path, image_name);
  f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  len = ftell(f);
  assert_true(len > 0);
  rewind(f);
  bytes = malloc(len);
  assert_non_null(bytes);
  assert_int_equal(fread(bytes, 1, len, f), (size_t)len);
  fclose(f);
  *size = len;
  return bytes;
}

/*
 * Runs mkfs and checks that it refuses cleanly: exit status 1 (not a crash or
 * a sanitizer report), exactly one line "mkfs: ..." containing what, and no
 * image left behind.
 */
static void
assert_refused(const char *image_name, const char **files, int nfiles, const char *what)
{
  char name[PATH_SIZE];
  char path[PATH_SIZE];
  char said[MESSAGE_SIZE];
  size_t len;
  int status = run_mkfs(image_name, files, nfiles);
  FILE *f;

  output_name(name, image_name);
  path_in_workdir(path, name);
  f = fopen(path, "r");
  assert_non_null(f);
  len = fread(said, 1, sizeof(said) - 1, f);
  said[len] = '\0';
  fclose(f);
  if (status != 1)
    fail_msg("mkfs %s: exit status %d, expected 1; it printed:\n%s", files[0], status, said);
  if (strncmp(said, "mkfs: ", 6) != 0 || strstr(said, what) == NULL ||
      strchr(said, '\n') != said + len - 1)
    fail_msg("mkfs %s: expected one line \"mkfs: ...%s...\", saw:\n%s", files[0], what, said);
  path_in_workdir(path, image_name);
  if (access(path, F_OK) == 0)
    fail_msg("mkfs %s: refused but left the image %s behind", files[0], image_name);
}

/* ---- helpers: decoding the image (little-endian, whatever the host) ---- */

/* The nbytes-byte little-endian number at p. */
static uint
get_le(const uchar *p, size_t nbytes)
{
  uint v = 0;

  while (nbytes-- > 0)
    v = v << 8 | p[nbytes];
  return v;
}

/*
 * Decodes field f of struct value s from its on-disk copy at base. Offsets
 * and widths come from the structs in kernel/fs.h, which define the format.
 */
#define GET_FIELD(base, s, f) \
  ((s).f = get_le((base) + offsetof(__typeof__(s), f), sizeof((s).f)))

static const uchar *
block(const uchar *img, uint b)
{
  return img + (size_t)b * BSIZE;
}

static struct superblock
superblock_of(const uchar *img)
{
  const uchar *p = block(img, SUPER_BLOCK);
  struct superblock sb;

  GET_FIELD(p, sb, magic);
  GET_FIELD(p, sb, size);
  GET_FIELD(p, sb, nblocks);
  GET_FIELD(p, sb, ninodes);
  GET_FIELD(p, sb, nlog);
  GET_FIELD(p, sb, logstart);
  GET_FIELD(p, sb, inodestart);
  GET_FIELD(p, sb, bmapstart);
  return sb;
}

static struct dinode
inode_of(const uchar *img, const struct superblock *sb, uint inum)
{
  const uchar *p = block(img, IBLOCK(inum, *sb)) + (inum % IPB) * sizeof(struct dinode);
  struct dinode d;
  int i;

  GET_FIELD(p, d, type);
  GET_FIELD(p, d, major);
  GET_FIELD(p, d, minor);
  GET_FIELD(p, d, nlink);
  GET_FIELD(p, d, size);
  for (i = 0; i < NDIRECT + 1; i++)
    d.addrs[i] = get_le(p + offsetof(struct dinode, addrs) + i * sizeof(uint), sizeof(uint));
  return d;
}

/* Disk block holding block index n of a file (0 if none). */
static uint
file_block(const uchar *img, const struct dinode *d, uint n)
{
  if (n < NDIRECT)
    return d->addrs[n];
  if (d->addrs[NDIRECT] == 0)
    return 0;
  return get_le(block(img, d->addrs[NDIRECT]) + (n - NDIRECT) * sizeof(uint), sizeof(uint));
}

/* Copies the file's contents into out (d->size bytes), failing on a missing block. */
static void
read_contents(const uchar *img, const struct dinode *d, uchar *out)
{
  uint off;

  for (off = 0; off < d->size; off += BSIZE) {
    uint b = file_block(img, d, off / BSIZE);
    uint n = d->size - off < BSIZE ? d->size - off : BSIZE;

    if (b == 0)
      fail_msg("file block %u (of size %u) has no disk block", off / BSIZE, d->size);
    memcpy(out + off, block(img, b), n);
  }
}

/* Inode number of name in directory dir, or 0. Names of DIRSIZ characters have no NUL. */
static uint
lookup(const uchar *img, const struct superblock *sb, uint dir, const char *name)
{
  struct dinode d = inode_of(img, sb, dir);
  uint off;

  assert_int_equal(d.type, T_DIR);
  assert_int_equal(d.size % sizeof(struct dirent), 0);
  for (off = 0; off < d.size; off += sizeof(struct dirent)) {
    const uchar *entry = block(img, file_block(img, &d, off / BSIZE)) + off % BSIZE;
    struct dirent de;

    GET_FIELD(entry, de, inum);
    if (de.inum != 0 &&
        strncmp((const char *)entry + offsetof(struct dirent, name), name, DIRSIZ) == 0)
      return de.inum;
  }
  return 0;
}

static int
bitmap_bit(const uchar *img, const struct superblock *sb, uint b)
{
  const uchar *bits = block(img, BBLOCK(b, *sb));

  return (bits[(b % BPB) / BITS_PER_BYTE] >> (b % BITS_PER_BYTE)) & 1;
}

static uint
round_up_div(uint n, uint d)
{
  return (n + d - 1) / d;
}

/* Checks that the file called name holds exactly the pattern written for host_name. */
static void
check_file(const uchar *img, const char *host_name, const char *name, size_t size)
{
  static uchar contents[MAXFILE * BSIZE];   /* static: a failed check jumps out, nothing to free */
  struct superblock sb = superblock_of(img);
  uint inum = lookup(img, &sb, ROOTINO, name);
  struct dinode d;
  size_t i;

  if (inum == 0)
    fail_msg("no directory entry \"%s\" in /", name);
  d = inode_of(img, &sb, inum);
  assert_int_equal(d.type, T_FILE);
  assert_int_equal(d.nlink, 1);
  assert_int_equal(d.size, size);
  assert_true(size <= sizeof(contents));
  read_contents(img, &d, contents);
  for (i = 0; i < size; i++)
    if (contents[i] != pattern_byte(i, seed_of(host_name)))
      fail_msg("\"%s\": byte %zu is 0x%02x, expected 0x%02x", name, i, contents[i],
               pattern_byte(i, seed_of(host_name)));
}

/* ---- group setup: build the main image once ---- */

static int
make_main_image(void **state)
{
  const char *files[MAX_INPUTS];
  size_t i;

  (void)state;
  snprintf(workdir, sizeof(workdir), "%s/mkfs-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(workdir) == NULL) {
    perror("mkdtemp");
    return -1;
  }
  for (i = 0; i < NMAIN; i++) {
    write_input(main_inputs[i].host_name, main_inputs[i].size);
    files[i] = main_inputs[i].host_name;
  }
  if (run_mkfs("main.img", files, NMAIN) != 0) {
    fprintf(stderr, "mkfs failed on the main inputs\n");
    return -1;
  }
  image = load_image("main.img", &image_size);
  return 0;
}

static int
remove_workdir(void **state)
{
  int i;

  (void)state;
  free(image);
  for (i = 0; i < ncreated; i++)
    unlink(created[i]);   /* an image mkfs refused to write may not exist */
  return rmdir(workdir);
}

/* ---- the image as a whole ---- */

static void
test_image_size(void **state)
{
  (void)state;
  assert_int_equal(image_size, (size_t)FSSIZE * BSIZE);
}

static void
test_superblock(void **state)
{
  struct superblock sb = superblock_of(image);
  uint ninodeblocks = round_up_div(MKFS_NINODES, IPB);
  uint nbitmap = round_up_div(FSSIZE, BPB);

  (void)state;
  assert_int_equal(sb.magic, FSMAGIC);
  assert_int_equal(sb.size, FSSIZE);
  assert_int_equal(sb.ninodes, MKFS_NINODES);
  assert_int_equal(sb.nlog, LOG_HEADER + LOGSIZE);
  assert_int_equal(sb.logstart, BOOT_AND_SUPER);
  assert_int_equal(sb.inodestart, sb.logstart + sb.nlog);
  assert_int_equal(sb.bmapstart, sb.inodestart + ninodeblocks);
  assert_int_equal(sb.nblocks, sb.size - (sb.bmapstart + nbitmap));
}

static void
test_layout_function_matches_image(void **state)
{
  struct superblock read = superblock_of(image);
  struct superblock computed;
  struct fs_layout layout;

  (void)state;
  assert_int_equal(fs_layout_compute(FSSIZE, MKFS_NINODES, LOG_HEADER + LOGSIZE, &layout), 0);
  fs_layout_superblock(&layout, &computed);
  assert_memory_equal(&computed, &read, sizeof(read));
  assert_int_equal(layout.datastart, layout.nmeta);
  assert_int_equal(layout.ndata + layout.nmeta, layout.total);
}

static void
test_layout_function_rejects_impossible_sizes(void **state)
{
  struct fs_layout layout;

  (void)state;
  assert_int_equal(fs_layout_compute(0, MKFS_NINODES, LOGSIZE, &layout), -1);
  assert_int_equal(fs_layout_compute(FSSIZE, 0, LOGSIZE, &layout), -1);
  assert_int_equal(fs_layout_compute(FSSIZE, MKFS_NINODES, 0, &layout), -1);
  /* Metadata alone would fill (or overflow) the image. */
  assert_int_equal(fs_layout_compute(BOOT_AND_SUPER + LOGSIZE, MKFS_NINODES, LOGSIZE, &layout), -1);
  assert_int_equal(fs_layout_compute(FSSIZE, UINT32_MAX - IPB, LOGSIZE, &layout), -1);
}

/* ---- directory and files ---- */

static void
test_root_directory(void **state)
{
  struct superblock sb = superblock_of(image);
  struct dinode root = inode_of(image, &sb, ROOTINO);

  (void)state;
  assert_int_equal(root.type, T_DIR);
  assert_true(root.nlink >= 1);
  assert_int_equal(lookup(image, &sb, ROOTINO, "."), ROOTINO);
  assert_int_equal(lookup(image, &sb, ROOTINO, ".."), ROOTINO);
  /* ".", "..", and one entry per input file */
  assert_int_equal(root.size, (2 + NMAIN) * sizeof(struct dirent));
}

static void
test_files_have_their_contents(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < NMAIN; i++)
    check_file(image, main_inputs[i].host_name, main_inputs[i].image_name, main_inputs[i].size);
}

static void
test_leading_underscore_is_dropped(void **state)
{
  struct superblock sb = superblock_of(image);

  (void)state;
  assert_int_not_equal(lookup(image, &sb, ROOTINO, "prog"), 0);
  assert_int_equal(lookup(image, &sb, ROOTINO, "_prog"), 0);
}

static void
test_big_file_uses_indirect_block(void **state)
{
  struct superblock sb = superblock_of(image);
  struct dinode small = inode_of(image, &sb, lookup(image, &sb, ROOTINO, "small.txt"));
  struct dinode big = inode_of(image, &sb, lookup(image, &sb, ROOTINO, "big"));
  uint nblocks = round_up_div(big.size, BSIZE);
  uint n;

  (void)state;
  assert_int_equal(small.addrs[NDIRECT], 0);
  assert_int_not_equal(big.addrs[NDIRECT], 0);
  for (n = 0; n < nblocks; n++)
    assert_int_not_equal(file_block(image, &big, n), 0);
  /* The rest of the indirect block is unused. */
  for (n = nblocks; n < MAXFILE; n++)
    assert_int_equal(file_block(image, &big, n), 0);
}

static void
test_unused_inodes_are_free(void **state)
{
  struct superblock sb = superblock_of(image);
  uint inum;
  uint used = 0;

  (void)state;
  assert_int_equal(inode_of(image, &sb, 0).type, 0);
  for (inum = 1; inum < sb.ninodes; inum++)
    if (inode_of(image, &sb, inum).type != 0)
      used++;
  assert_int_equal(used, 1 + NMAIN);   /* the root and one per file */
}

/* Marks b as referenced, failing if it is outside the data area or referenced twice. */
static void
claim(uchar *claimed, const struct superblock *sb, uint b, uint inum)
{
  uint datastart = sb->size - sb->nblocks;

  if (b < datastart || b >= sb->size)
    fail_msg("inode %u refers to block %u, outside the data area [%u, %u)", inum, b, datastart, sb->size);
  if (claimed[b])
    fail_msg("block %u is used twice (again by inode %u)", b, inum);
  claimed[b] = 1;
}

static void
test_bitmap_marks_exactly_the_used_blocks(void **state)
{
  static uchar claimed[FSSIZE];   /* static: a failed check jumps out, nothing to free */
  struct superblock sb = superblock_of(image);
  uint datastart = sb.size - sb.nblocks;
  uint inum, b, n;

  (void)state;
  assert_int_equal(sb.size, FSSIZE);
  memset(claimed, 0, sizeof(claimed));
  for (b = 0; b < datastart; b++)
    claimed[b] = 1;
  for (inum = 1; inum < sb.ninodes; inum++) {
    struct dinode d = inode_of(image, &sb, inum);

    if (d.type == 0)
      continue;
    if (d.addrs[NDIRECT] != 0)
      claim(claimed, &sb, d.addrs[NDIRECT], inum);
    for (n = 0; n < round_up_div(d.size, BSIZE); n++)
      claim(claimed, &sb, file_block(image, &d, n), inum);
  }
  for (b = 0; b < sb.size; b++)
    if (bitmap_bit(image, &sb, b) != claimed[b])
      fail_msg("bitmap says block %u is %s, but it is %s", b,
               bitmap_bit(image, &sb, b) ? "used" : "free", claimed[b] ? "used" : "free");
}

/* ---- limits ---- */

static void
test_largest_file_fits(void **state)
{
  const char *files[] = { "largest" };
  size_t size;
  uchar *img;

  (void)state;
  write_input("largest", (size_t)MAXFILE * BSIZE);
  assert_int_equal(run_mkfs("largest.img", files, 1), 0);
  img = load_image("largest.img", &size);
  check_file(img, "largest", "largest", (size_t)MAXFILE * BSIZE);
  free(img);
}

static void
test_name_before_equals_renames(void **state)
{
  const char *files[] = { "README=notes.md" };
  size_t size;
  uchar *img;

  (void)state;
  write_input("notes.md", 500);
  assert_int_equal(run_mkfs("renamed.img", files, 1), 0);
  img = load_image("renamed.img", &size);
  check_file(img, "notes.md", "README", 500);
  free(img);
}

static void
test_bad_name_before_equals_fails(void **state)
{
  const char *empty[] = { "=notes2.md" };
  const char *slash[] = { "a/b=notes2.md" };
  const char *no_file[] = { "name=" };

  (void)state;
  write_input("notes2.md", 10);
  assert_refused("noname.img", empty, 1, "the name before '='");
  assert_refused("slash.img", slash, 1, "the name before '='");
  assert_refused("nofile.img", no_file, 1, "no file named after '='");
}

static void
test_missing_input_fails(void **state)
{
  const char *files[] = { "never_written" };

  (void)state;
  assert_refused("missing.img", files, 1, strerror(ENOENT));
}

static void
test_too_big_file_fails(void **state)
{
  const char *files[] = { "toobig" };

  (void)state;
  write_input("toobig", (size_t)MAXFILE * BSIZE + 1);
  assert_refused("toobig.img", files, 1, "file too large");
}

static void
test_too_long_name_fails(void **state)
{
  const char *files[] = { "fifteen_chars__" };

  (void)state;
  assert_int_equal(strlen(files[0]), DIRSIZ + 1);
  write_input(files[0], 1);
  assert_refused("longname.img", files, 1, "longer than");
}

static void
test_duplicate_names_fail(void **state)
{
  const char *files[] = { "same", "_same" };   /* both would be called "same" */

  (void)state;
  write_input("same", 1);
  write_input("_same", 2);
  assert_refused("dup.img", files, 2, "both be called \"same\"");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_image_size),
    cmocka_unit_test(test_superblock),
    cmocka_unit_test(test_layout_function_matches_image),
    cmocka_unit_test(test_layout_function_rejects_impossible_sizes),
    cmocka_unit_test(test_root_directory),
    cmocka_unit_test(test_files_have_their_contents),
    cmocka_unit_test(test_leading_underscore_is_dropped),
    cmocka_unit_test(test_big_file_uses_indirect_block),
    cmocka_unit_test(test_unused_inodes_are_free),
    cmocka_unit_test(test_bitmap_marks_exactly_the_used_blocks),
    cmocka_unit_test(test_largest_file_fits),
    cmocka_unit_test(test_name_before_equals_renames),
    cmocka_unit_test(test_bad_name_before_equals_fails),
    cmocka_unit_test(test_missing_input_fails),
    cmocka_unit_test(test_too_big_file_fails),
    cmocka_unit_test(test_too_long_name_fails),
    cmocka_unit_test(test_duplicate_names_fail),
  };

  return cmocka_run_group_tests_name("mkfs", tests, make_main_image, remove_workdir);
}
