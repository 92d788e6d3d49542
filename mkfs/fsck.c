/*
 * fsck.c: host tool that checks a file system image in the format of
 * kernel/fs.h. It only reads the image; it repairs nothing.
 *   fsck [-r] IMAGE
 *
 * Output: one line per problem, "note:" lines for oddities the kernel itself
 * creates and accepts, then one summary line. Exit status 0 when clean, 1
 * when a problem was found, 2 for a usage or I/O error (nothing checked).
 *
 * The checks, in order, and the kernel behaviour each one follows:
 *  1. Superblock: magic, the image holds sb.size blocks, and the regions
 *     boot | super | log | inodes | bitmap | data lie in that order without
 *     overlap. A failure here ends the check: nothing else can be located.
 *  2. Log: the header's count is 0. A non-zero count is a group committed to
 *     the log but not yet written home; the kernel installs it at boot. That
 *     is one problem, and the rest is checked on the blocks as they are at
 *     home. With -r the group is installed in memory first (the image file
 *     is not written), reported as a note, and the result is checked: the
 *     disk the kernel will see after its recovery.
 *  3. The tree from ROOTINO: every entry names an allocated inode; entry 0 of
 *     each directory is "." naming itself, entry 1 is ".." naming the
 *     directory it hangs from (the root's names the root); no directory has
 *     a second name (the kernel refuses to link one).
 *  4. Every allocated inode: a known type; each block pointer inside the
 *     data region and used only once across all inodes; a size that the
 *     blocks cover, with no hole below it (the kernel never makes holes:
 *     writes start at most at the end of the file). Blocks beyond the size
 *     are only a note: a write that fails part way (bad user address, disk
 *     full) leaves its block, or an empty indirect block, allocated and
 *     recorded; the kernel frees them with the file. Device inodes have no
 *     blocks and size 0. A directory's size is a whole number of entries.
 *  5. Link counts, as sysfile.c keeps them: a file's nlink is the number of
 *     entries naming it. A directory's is 1 for its entry in its parent (the
 *     root gets the 1 from mkfs) plus 1 for the ".." of each subdirectory;
 *     its own "." is never counted.
 *  6. Orphans: allocated inodes no directory reached from "/" names.
 *  7. Free bitmap: every block in use (metadata, or claimed by an allocated
 *     inode, orphans included) has its bit set; no other block has.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/stat.h"

#define SUPERBLOCK_NO   1   /* block 0 is the boot block */
#define BOOT_AND_SUPER  2   /* blocks before the log */
#define EXIT_CLEAN      0
#define EXIT_PROBLEMS   1
#define EXIT_TROUBLE    2   /* usage or I/O error */
#define DIRENT_SIZE     ((uint)sizeof(struct dirent))
#define PATH_TEXT       128 /* room for a path in a message; longer ones lose their start */
#define LABEL_TEXT      (PATH_TEXT + 32)   /* "inode N (path)" */

/* The log header block as kernel/fs/log.c writes it (its layout is in kernel/fs/log.h). */
struct log_header_disk {
  int n;                  /* committed blocks waiting to go home; 0 when none */
  int block[LOGSIZE];     /* home block number of the copy in log block i + 1 */
};
_Static_assert(sizeof(struct log_header_disk) <= BSIZE, "log header must fit one block");

enum problem {
  P_SUPERBLOCK, P_LOG_PENDING, P_LOG_HEADER, P_INODE, P_POINTER, P_TWICE, P_SIZE,
  P_DEVICE, P_DIRECTORY, P_ENTRY, P_DOTS, P_LINKS, P_ORPHAN, P_MISSING, P_LEAKED,
  NPROBLEM
};

/* How the summary line names a count of each problem: singular, plural. */
static const char *const problem_names[NPROBLEM][2] = {
  [P_SUPERBLOCK]  = { "bad superblock field", "bad superblock fields" },
  [P_LOG_PENDING] = { "uncommitted log", "uncommitted logs" },
  [P_LOG_HEADER]  = { "bad log header field", "bad log header fields" },
  [P_INODE]       = { "bad inode", "bad inodes" },
  [P_POINTER]     = { "bad block pointer", "bad block pointers" },
  [P_TWICE]       = { "block used twice", "blocks used twice" },
  [P_SIZE]        = { "size mismatch", "size mismatches" },
  [P_DEVICE]      = { "device with contents", "devices with contents" },
  [P_DIRECTORY]   = { "bad directory", "bad directories" },
  [P_ENTRY]       = { "bad entry", "bad entries" },
  [P_DOTS]        = { "bad \".\" or \"..\" entry", "bad \".\" or \"..\" entries" },
  [P_LINKS]       = { "link count", "link counts" },
  [P_ORPHAN]      = { "orphan", "orphans" },
  [P_MISSING]     = { "missing block", "missing blocks" },
  [P_LEAKED]      = { "leaked block", "leaked blocks" },
};

/* What the check learns about one inode. */
struct inode_state {
  struct dinode d;        /* the on-disk inode, decoded to host byte order */
  int reached;            /* named by an entry of a directory reachable from "/" */
  uint names;             /* such entries, "." and ".." aside */
  uint subdirs;           /* directories reached through an entry of this one */
  uint parent;            /* directory holding the first entry that named it */
  char name[DIRSIZ + 1];  /* that entry's name, printable */
};

struct fsck {
  const char *path;               /* the image file, for messages */
  uchar *bytes;                   /* the whole image */
  size_t nbytes;
  struct superblock sb;           /* host byte order */
  uint datastart;                 /* first data block: sb.size - sb.nblocks */
  struct inode_state *inodes;     /* sb.ninodes of them */
  uint *owner;                    /* per block: inode using it, 0 for none */
  int counts[NPROBLEM];
  int nproblems;
};

/* ---- reporting ---- */

static const char *
plural(uint n, const char *one, const char *many)
{
  return n == 1 ? one : many;
}

static void
problem(struct fsck *fs, enum problem kind, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fs->counts[kind]++;
  fs->nproblems++;
}

static void
note(const char *fmt, ...)
{
  va_list ap;

  printf("note: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

static void *
alloc_or_exit(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size);

  if (p == NULL) {
    fprintf(stderr, "fsck: out of memory\n");
    exit(EXIT_TROUBLE);
  }
  return p;
}

/* ---- decoding: little-endian on disk, whatever the host ---- */

static uint
get_le(const uchar *p, size_t nbytes)
{
  uint v = 0;

  while (nbytes-- > 0)
    v = v << 8 | p[nbytes];
  return v;
}

/* Decodes field f of s from the on-disk copy of s that starts at base. */
#define GET_FIELD(base, s, f) \
  ((s).f = (__typeof__((s).f))get_le((base) + offsetof(__typeof__(s), f), sizeof((s).f)))

static uchar *
block_at(struct fsck *fs, uint b)
{
  return fs->bytes + (size_t)b * BSIZE;
}

static void
decode_superblock(const uchar *p, struct superblock *sb)
{
  GET_FIELD(p, *sb, magic);
  GET_FIELD(p, *sb, size);
  GET_FIELD(p, *sb, nblocks);
  GET_FIELD(p, *sb, ninodes);
  GET_FIELD(p, *sb, nlog);
  GET_FIELD(p, *sb, logstart);
  GET_FIELD(p, *sb, inodestart);
  GET_FIELD(p, *sb, bmapstart);
}

static void
decode_inode(struct fsck *fs, uint inum, struct dinode *d)
{
  const uchar *p = block_at(fs, IBLOCK(inum, fs->sb)) + (inum % IPB) * sizeof(struct dinode);
  int i;

  GET_FIELD(p, *d, type);
  GET_FIELD(p, *d, major);
  GET_FIELD(p, *d, minor);
  GET_FIELD(p, *d, nlink);
  GET_FIELD(p, *d, size);
  for (i = 0; i < NDIRECT + 1; i++)
    d->addrs[i] = get_le(p + offsetof(struct dinode, addrs) + i * sizeof(uint), sizeof(uint));
}

static void
decode_inodes(struct fsck *fs)
{
  uint inum;

  for (inum = 0; inum < fs->sb.ninodes; inum++)
    decode_inode(fs, inum, &fs->inodes[inum].d);
}

/* Entry k of the directory block at p, with a printable copy of its name. */
static uint
decode_entry(const uchar *p, uint k, char name[DIRSIZ + 1])
{
  const uchar *e = p + (size_t)k * DIRENT_SIZE;
  int i;

  for (i = 0; i < DIRSIZ && e[offsetof(struct dirent, name) + i] != 0; i++) {
    uchar c = e[offsetof(struct dirent, name) + i];
    name[i] = (c >= ' ' && c < 0x7f) ? c : '?';
  }
  name[i] = '\0';
  return get_le(e + offsetof(struct dirent, inum), sizeof(ushort));
}

/* ---- loading ---- */

/* Reads the whole file at path into fs->bytes, growing the buffer as it goes. */
static int
load_image(struct fsck *fs, const char *path)
{
  size_t capacity = 64 * BSIZE;
  FILE *f = fopen(path, "rb");

  fs->path = path;
  if (f == NULL) {
    fprintf(stderr, "fsck: %s: %s\n", path, strerror(errno));
    return -1;
  }
  fs->bytes = alloc_or_exit(capacity, 1);
  for (;;) {
    size_t n = fread(fs->bytes + fs->nbytes, 1, capacity - fs->nbytes, f);

    fs->nbytes += n;
    if (fs->nbytes < capacity)
      break;
    capacity *= 2;
    fs->bytes = realloc(fs->bytes, capacity);
    if (fs->bytes == NULL) {
      fprintf(stderr, "fsck: %s: out of memory for a %zu-byte image\n", path, capacity);
      exit(EXIT_TROUBLE);
    }
  }
  if (ferror(f)) {
    fprintf(stderr, "fsck: %s: read error: %s\n", path, strerror(errno));
    fclose(f);
    free(fs->bytes);
    fs->bytes = NULL;
    return -1;
  }
  fclose(f);
  return 0;
}

/* ---- 1. superblock ---- */

static uint64
blocks_for(uint64 n, uint64 per_block)
{
  return (n + per_block - 1) / per_block;
}

/* Reports a superblock problem that stops the check; returns -1. */
static int
superblock_unusable(struct fsck *fs, const char *fmt, ...)
{
  va_list ap;

  printf("superblock: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf(": nothing else checked\n");
  fs->counts[P_SUPERBLOCK]++;
  fs->nproblems++;
  return -1;
}

/* 0 when every region can be located inside the image, else -1. */
static int
check_superblock(struct fsck *fs)
{
  struct superblock *sb = &fs->sb;
  uint64 image_blocks = fs->nbytes / BSIZE;
  uint64 log_end, inode_end, bitmap_end;

  if (image_blocks < BOOT_AND_SUPER)
    return superblock_unusable(fs, "the image is %zu bytes, too short to hold one", fs->nbytes);
  decode_superblock(block_at(fs, SUPERBLOCK_NO), sb);
  if (sb->magic != FSMAGIC)
    return superblock_unusable(fs, "magic %#x, want %#x: not a file system image",
                               sb->magic, FSMAGIC);
  if (sb->size <= BOOT_AND_SUPER)
    return superblock_unusable(fs, "size %u blocks leaves nothing after the superblock",
                               sb->size);
  if (sb->size > image_blocks)
    return superblock_unusable(fs, "size %u blocks, but the image holds %lu", sb->size,
                               image_blocks);
  if (sb->nblocks == 0 || sb->nblocks >= sb->size - BOOT_AND_SUPER)
    return superblock_unusable(fs, "%u data blocks do not fit in %u blocks with the metadata",
                               sb->nblocks, sb->size);
  fs->datastart = sb->size - sb->nblocks;
  log_end = (uint64)sb->logstart + sb->nlog;
  inode_end = (uint64)sb->inodestart + blocks_for(sb->ninodes, IPB);
  bitmap_end = (uint64)sb->bmapstart + blocks_for(sb->size, BPB);
  if (sb->logstart < BOOT_AND_SUPER || sb->nlog == 0 || log_end > sb->inodestart)
    return superblock_unusable(fs, "the log (%u blocks from block %u) is not between the"
                               " superblock and the inodes (block %u)",
                               sb->nlog, sb->logstart, sb->inodestart);
  if (sb->ninodes <= ROOTINO)
    return superblock_unusable(fs, "%u inodes leave no room for the root (inode %d)",
                               sb->ninodes, ROOTINO);
  if (inode_end > sb->bmapstart)
    return superblock_unusable(fs, "the inodes (blocks %u to %lu) run into the bitmap (block %u)",
                               sb->inodestart, inode_end - 1, sb->bmapstart);
  if (bitmap_end > fs->datastart)
    return superblock_unusable(fs, "the bitmap (blocks %u to %lu, one bit per block) runs into"
                               " the data region (block %u)",
                               sb->bmapstart, bitmap_end - 1, fs->datastart);
  if (sb->nlog - 1 < MAXOPBLOCKS)
    problem(fs, P_SUPERBLOCK, "superblock: the log has %u slots; the kernel refuses fewer than %d",
            sb->nlog - 1, MAXOPBLOCKS);
  if (fs->nbytes != (size_t)sb->size * BSIZE)
    note("the image is %zu bytes; the file system uses the first %u blocks of %d bytes",
         fs->nbytes, sb->size, BSIZE);
  return 0;
}

/* ---- 2. log ---- */

/* The home block of the copy in log slot i, from the header block at header. */
static uint
log_home(const uchar *header, int i)
{
  return get_le(header + offsetof(struct log_header_disk, block) + i * sizeof(int), sizeof(int));
}

static void
check_log(struct fsck *fs, int replay)
{
  const struct superblock *sb = &fs->sb;
  const uchar *header = block_at(fs, sb->logstart);
  int capacity = sb->nlog - 1 < LOGSIZE ? (int)sb->nlog - 1 : LOGSIZE;
  int n = (int)get_le(header + offsetof(struct log_header_disk, n), sizeof(int));
  int bad = 0;
  int i;

  if (n == 0)
    return;
  if (n < 0 || n > capacity) {
    problem(fs, P_LOG_HEADER, "log: the header counts %d blocks, but the log has %d slots"
            " (the kernel panics at boot)", n, capacity);
    return;
  }
  for (i = 0; i < n; i++) {
    uint home = log_home(header, i);

    if (home < sb->inodestart || home >= sb->size) {
      problem(fs, P_LOG_HEADER, "log: slot %d goes home to block %u, outside the inodes,"
              " bitmap and data (blocks %u to %u)", i, home, sb->inodestart, sb->size - 1);
      bad = 1;
    }
  }
  if (bad)
    return;
  if (!replay) {
    problem(fs, P_LOG_PENDING, "log holds %d uncommitted-to-home %s: the kernel writes them"
            " home at boot (fsck -r checks the image as it will be then)", n,
            plural(n, "block", "blocks"));
    return;
  }
  for (i = 0; i < n; i++)   /* in slot order, as the kernel's recovery writes them */
    memmove(block_at(fs, log_home(header, i)), block_at(fs, sb->logstart + 1 + i), BSIZE);
  note("the log held %d %s not yet written home: checking the image with %s installed,"
       " as the kernel's boot will (the file is unchanged)", n, plural(n, "block", "blocks"),
       plural(n, "it", "them"));
}

/* ---- block maps ---- */

static int
is_data_block(const struct fsck *fs, uint b)
{
  return b >= fs->datastart && b < fs->sb.size;
}

/* Block pointer number fbn of d (past the direct ones: inside the indirect block), or 0. */
static uint
block_pointer(struct fsck *fs, const struct dinode *d, uint fbn)
{
  uint indirect = d->addrs[NDIRECT];

  if (fbn < NDIRECT)
    return d->addrs[fbn];
  if (!is_data_block(fs, indirect))
    return 0;
  return get_le(block_at(fs, indirect) + (fbn - NDIRECT) * sizeof(uint), sizeof(uint));
}

/* The readable block holding file block fbn of d, or 0 (none, or outside the data region). */
static uint
file_block(struct fsck *fs, const struct dinode *d, uint fbn)
{
  uint b = block_pointer(fs, d, fbn);

  return is_data_block(fs, b) ? b : 0;
}

/* ---- names for messages ---- */

static int
is_allocated(const struct fsck *fs, uint inum)
{
  return inum != 0 && inum < fs->sb.ninodes && fs->inodes[inum].d.type != 0;
}

/* The path by which the walk reached inum; a long one loses its start to "...". */
static const char *
path_of(struct fsck *fs, uint inum, char buf[PATH_TEXT])
{
  size_t at = PATH_TEXT - 1;

  if (inum == ROOTINO)
    return "/";
  buf[at] = '\0';
  while (inum != ROOTINO) {
    const struct inode_state *st = &fs->inodes[inum];
    size_t len = strlen(st->name);

    if (len + 1 + 3 > at) {
      at -= 3;
      memcpy(buf + at, "...", 3);
      break;
    }
    at -= len;
    memcpy(buf + at, st->name, len);
    buf[--at] = '/';
    inum = st->parent;
  }
  return buf + at;
}

/* "inode N (/its/path)", or just "inode N" for one the walk did not reach. */
static const char *
inode_label(struct fsck *fs, uint inum, char buf[LABEL_TEXT])
{
  char path[PATH_TEXT];

  if (inum < fs->sb.ninodes && fs->inodes[inum].reached)
    snprintf(buf, LABEL_TEXT, "inode %u (%s)", inum, path_of(fs, inum, path));
  else
    snprintf(buf, LABEL_TEXT, "inode %u", inum);
  return buf;
}

static const char *
type_name(short type)
{
  switch (type) {
  case T_DIR: return "directory";
  case T_FILE: return "file";
  case T_DEVICE: return "device";
  default: return "inode of unknown type";
  }
}

/* ---- 3. the directory tree ---- */

/*
 * Checks entry k (0 or 1) of dir: "." naming dir, then ".." naming its
 * parent. Like dir_is_empty() in the kernel, these two slots are taken by
 * position: whatever they hold, the walk does not follow them.
 */
static void
check_dot_entry(struct fsck *fs, uint dir, uint k, uint inum, const char *name)
{
  const char *want = k == 0 ? "." : "..";
  uint parent = fs->inodes[dir].parent;
  char label[LABEL_TEXT];

  inode_label(fs, dir, label);
  if (inum == 0)
    problem(fs, P_DOTS, "%s: entry %u should be \"%s\", but it is free", label, k, want);
  else if (strcmp(name, want) != 0)
    problem(fs, P_DOTS, "%s: entry %u should be \"%s\", but it is \"%s\" (naming inode %u)",
            label, k, want, name, inum);
  else if (k == 0 && inum != dir)
    problem(fs, P_DOTS, "%s: \".\" names inode %u instead of the directory itself", label, inum);
  else if (k == 1 && inum != parent)
    problem(fs, P_DOTS, "%s: \"..\" names inode %u, but %s inode %u", label, inum,
            dir == ROOTINO ? "the root is its own parent," : "the parent is", parent);
}

/* Follows one ordinary entry of dir; a directory it reaches for the first time joins queue. */
static void
follow_entry(struct fsck *fs, uint dir, uint inum, const char *name, uint *queue, uint *nqueued)
{
  struct inode_state *st;
  char label[LABEL_TEXT], other[LABEL_TEXT];

  if (inum == 0)
    return;
  inode_label(fs, dir, label);
  if (name[0] == '\0' || strchr(name, '/') != NULL)
    problem(fs, P_ENTRY, "%s: an entry naming inode %u has the impossible name \"%s\"", label,
            inum, name);
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    problem(fs, P_DOTS, "%s: a second \"%s\" entry (naming inode %u)", label, name, inum);
    return;
  }
  if (!is_allocated(fs, inum)) {
    problem(fs, P_ENTRY, "%s: entry \"%s\" names inode %u, which is %s", label, name, inum,
            inum < fs->sb.ninodes ? "free" : "past the end of the inode table");
    return;
  }
  st = &fs->inodes[inum];
  if (st->d.type == T_DIR && st->reached) {
    problem(fs, P_DIRECTORY, "%s: entry \"%s\" is a second name for directory %s;"
            " the kernel never links a directory", label, name, inode_label(fs, inum, other));
    return;
  }
  st->names++;
  if (st->reached)
    return;
  st->reached = 1;
  st->parent = dir;
  memcpy(st->name, name, sizeof(st->name));
  if (st->d.type == T_DIR) {
    fs->inodes[dir].subdirs++;
    queue[(*nqueued)++] = inum;
  }
}

static void
walk_directory(struct fsck *fs, uint dir, uint *queue, uint *nqueued)
{
  const struct dinode *d = &fs->inodes[dir].d;
  uint nentries = d->size / DIRENT_SIZE;
  char label[LABEL_TEXT];
  uint k;

  if (nentries < 2)
    problem(fs, P_DOTS, "%s: directory of %u bytes lacks %s", inode_label(fs, dir, label),
            d->size, nentries == 0 ? "\".\" and \"..\"" : "\"..\"");
  for (k = 0; k < nentries && k < MAXFILE * (BSIZE / DIRENT_SIZE); k++) {
    uint b = file_block(fs, d, k * DIRENT_SIZE / BSIZE);
    char name[DIRSIZ + 1];
    uint inum;

    if (b == 0)
      continue;   /* a hole or a bad pointer, reported with the inode */
    inum = decode_entry(block_at(fs, b), k % (BSIZE / DIRENT_SIZE), name);
    if (k < 2)
      check_dot_entry(fs, dir, k, inum, name);
    else
      follow_entry(fs, dir, inum, name, queue, nqueued);
  }
}

/* Breadth first from the root; each directory is entered once, by its first name. */
static void
walk_tree(struct fsck *fs)
{
  struct inode_state *root = &fs->inodes[ROOTINO];
  uint *queue = alloc_or_exit(fs->sb.ninodes, sizeof(uint));
  uint nqueued = 0, next = 0;

  if (root->d.type != T_DIR) {
    problem(fs, P_DIRECTORY, "inode %d: the root is a %s, not a directory", ROOTINO,
            root->d.type == 0 ? "free inode" : type_name(root->d.type));
    free(queue);
    return;
  }
  root->reached = 1;
  root->parent = ROOTINO;
  queue[nqueued++] = ROOTINO;
  while (next < nqueued)
    walk_directory(fs, queue[next++], queue, &nqueued);
  free(queue);
}

/* ---- 4. inodes and their blocks ---- */

/*
 * Records that inode inum uses block b, its file block fbn (-1: its indirect
 * block). Returns 1 if b is a data block (even one already claimed), else 0.
 */
static int
claim_block(struct fsck *fs, uint inum, uint b, int fbn)
{
  char label[LABEL_TEXT], other[LABEL_TEXT];
  uint owner;

  if (b == 0)
    return 0;
  inode_label(fs, inum, label);
  if (!is_data_block(fs, b)) {
    if (fbn < 0)
      problem(fs, P_POINTER, "%s: its indirect block is block %u, outside the data region"
              " (blocks %u to %u)", label, b, fs->datastart, fs->sb.size - 1);
    else
      problem(fs, P_POINTER, "%s: file block %d is block %u, outside the data region"
              " (blocks %u to %u)", label, fbn, b, fs->datastart, fs->sb.size - 1);
    return 0;
  }
  owner = fs->owner[b];
  if (owner == inum)
    problem(fs, P_TWICE, "block %u: used twice by %s", b, label);
  else if (owner != 0)
    problem(fs, P_TWICE, "block %u: used by %s and by %s", b, inode_label(fs, owner, other), label);
  else
    fs->owner[b] = inum;
  return 1;
}

static void
claim_blocks(struct fsck *fs, uint inum)
{
  const struct dinode *d = &fs->inodes[inum].d;
  uint i;

  for (i = 0; i < NDIRECT; i++)
    claim_block(fs, inum, d->addrs[i], i);
  if (claim_block(fs, inum, d->addrs[NDIRECT], -1))
    for (i = NDIRECT; i < MAXFILE; i++)
      claim_block(fs, inum, block_pointer(fs, d, i), i);
}

/* Blocks up to the size, none missing below it; blocks beyond it are only noted. */
static void
check_size(struct fsck *fs, uint inum)
{
  const struct dinode *d = &fs->inodes[inum].d;
  uint needed = blocks_for(d->size, BSIZE);
  char label[LABEL_TEXT];
  uint beyond = 0;
  uint fbn;

  inode_label(fs, inum, label);
  if (d->size > MAXFILE * BSIZE) {
    problem(fs, P_SIZE, "%s: size %u bytes, more than the largest file (%u bytes)", label,
            d->size, (uint)(MAXFILE * BSIZE));
    return;
  }
  if (d->type == T_DIR && d->size % DIRENT_SIZE != 0)
    problem(fs, P_DIRECTORY, "%s: directory size %u is not a whole number of %u-byte entries",
            label, d->size, DIRENT_SIZE);
  for (fbn = 0; fbn < needed; fbn++) {
    /* A pointer outside the data region was reported already; it is no hole. */
    int unreadable_indirect = fbn >= NDIRECT && d->addrs[NDIRECT] != 0 &&
                              !is_data_block(fs, d->addrs[NDIRECT]);

    if (block_pointer(fs, d, fbn) == 0 && !unreadable_indirect) {
      problem(fs, P_SIZE, "%s: size %u bytes needs %u %s, but file block %u has none", label,
              d->size, needed, plural(needed, "block", "blocks"), fbn);
      break;
    }
  }
  /* Pointers outside the data region were reported already; only good ones are noted. */
  for (fbn = needed; fbn < MAXFILE; fbn++)
    if (is_data_block(fs, block_pointer(fs, d, fbn)))
      beyond++;
  if (needed <= NDIRECT && is_data_block(fs, d->addrs[NDIRECT]))
    beyond++;   /* the indirect block itself */
  if (beyond > 0)
    note("%s: %u %s beyond its size of %u bytes (a write that failed part way leaves them;"
         " they are freed with the file)", label, beyond, plural(beyond, "block", "blocks"),
         d->size);
}

static void
check_device(struct fsck *fs, uint inum)
{
  const struct dinode *d = &fs->inodes[inum].d;
  char label[LABEL_TEXT];
  uint nblocks = 0;
  int i;

  for (i = 0; i < NDIRECT + 1; i++)
    if (d->addrs[i] != 0)
      nblocks++;
  if (nblocks > 0 || d->size != 0)
    problem(fs, P_DEVICE, "%s: device (major %d) has size %u and %u block %s; a device has"
            " no contents", inode_label(fs, inum, label), d->major, d->size, nblocks,
            plural(nblocks, "pointer", "pointers"));
}

static void
check_inodes(struct fsck *fs)
{
  char label[LABEL_TEXT];
  uint inum;

  for (inum = 0; inum < fs->sb.ninodes; inum++) {
    const struct dinode *d = &fs->inodes[inum].d;

    if (d->type == 0)
      continue;
    if (inum == 0) {
      problem(fs, P_INODE, "inode 0: allocated (type %d), but an entry naming inode 0 is a free"
              " entry, so inode 0 is never used", d->type);
      continue;
    }
    claim_blocks(fs, inum);
    if (d->type == T_DEVICE)
      check_device(fs, inum);
    else if (d->type == T_FILE || d->type == T_DIR)
      check_size(fs, inum);
    else
      problem(fs, P_INODE, "%s: unknown type %d", inode_label(fs, inum, label), d->type);
  }
}

/* ---- 5, 6. link counts and orphans ---- */

static void
check_orphan(struct fsck *fs, uint inum)
{
  const struct dinode *d = &fs->inodes[inum].d;

  if (d->nlink == 0)
    problem(fs, P_ORPHAN, "inode %u: orphan: %s of %u bytes with nlink 0 that no directory"
            " names (unlinked while open; the kernel frees it at boot)", inum,
            type_name(d->type), d->size);
  else
    problem(fs, P_ORPHAN, "inode %u: orphan: %s of %u bytes with nlink %d that no directory"
            " reachable from / names", inum, type_name(d->type), d->size, d->nlink);
}

static void
check_links(struct fsck *fs)
{
  char label[LABEL_TEXT];
  uint inum;

  for (inum = ROOTINO; inum < fs->sb.ninodes; inum++) {
    const struct inode_state *st = &fs->inodes[inum];
    const struct dinode *d = &st->d;

    if (d->type == 0)
      continue;
    if (!st->reached) {
      check_orphan(fs, inum);
    } else if (d->type == T_DIR) {
      /* 1 for its name in the parent (the root starts with 1 from mkfs), 1 per child's "..". */
      uint want = (inum == ROOTINO ? 1 : st->names) + st->subdirs;

      if ((uint)d->nlink != want)
        problem(fs, P_LINKS, "%s: nlink %d, want %u (%s + %u %s \"..\")",
                inode_label(fs, inum, label), d->nlink, want,
                inum == ROOTINO ? "1 for the root" : "1 name", st->subdirs,
                plural(st->subdirs, "subdirectory's", "subdirectories'"));
    } else if ((uint)d->nlink != st->names) {
      problem(fs, P_LINKS, "%s: nlink %d, but %u %s it", inode_label(fs, inum, label), d->nlink,
              st->names, plural(st->names, "entry names", "entries name"));
    }
  }
}

/* ---- 7. the free bitmap ---- */

static int
bitmap_says_used(struct fsck *fs, uint b)
{
  const uchar *map = block_at(fs, BBLOCK(b, fs->sb));

  return (map[(b % BPB) / 8] >> (b % 8)) & 1;
}

static const char *
metadata_region(const struct fsck *fs, uint b)
{
  if (b < SUPERBLOCK_NO)
    return "the boot block";
  if (b < BOOT_AND_SUPER)
    return "the superblock";
  if (b < fs->sb.logstart + fs->sb.nlog)
    return "the log";
  if (b >= fs->sb.inodestart && b < fs->sb.bmapstart)
    return "the inodes";
  if (b >= fs->sb.bmapstart)
    return "the bitmap";
  return "the metadata";
}

/* Also counts the data blocks in use and the free ones, for the summary. */
static void
check_bitmap(struct fsck *fs, uint *in_use, uint *nfree)
{
  char label[LABEL_TEXT];
  uint b;

  *in_use = *nfree = 0;
  for (b = 0; b < fs->sb.size; b++) {
    int marked = bitmap_says_used(fs, b);

    if (b >= fs->datastart) {
      *in_use += fs->owner[b] != 0;
      *nfree += !marked;
    }
    if (marked && b >= fs->datastart && fs->owner[b] == 0)
      problem(fs, P_LEAKED, "block %u: leaked: marked in use, but nothing uses it", b);
    else if (!marked && b < fs->datastart)
      problem(fs, P_MISSING, "block %u: part of %s, but marked free", b, metadata_region(fs, b));
    else if (!marked && fs->owner[b] != 0)
      problem(fs, P_MISSING, "block %u: used by %s, but marked free", b,
              inode_label(fs, fs->owner[b], label));
  }
}

/* ---- summary and main ---- */

static uint
count_allocated_inodes(const struct fsck *fs)
{
  uint inum, n = 0;

  for (inum = ROOTINO; inum < fs->sb.ninodes; inum++)
    n += fs->inodes[inum].d.type != 0;
  return n;
}

static void
print_problem_summary(const struct fsck *fs)
{
  const char *sep = " (";
  int k;

  printf("fsck: %s: %d %s", fs->path, fs->nproblems, plural(fs->nproblems, "problem", "problems"));
  for (k = 0; k < NPROBLEM; k++) {
    if (fs->counts[k] == 0)
      continue;
    printf("%s%d %s", sep, fs->counts[k], problem_names[k][fs->counts[k] != 1]);
    sep = ", ";
  }
  printf(")\n");
}

/* Runs every check in order; the summary line is printed by the caller. */
static void
check_image(struct fsck *fs, int replay, uint *in_use, uint *nfree)
{
  if (check_superblock(fs) < 0)
    return;
  check_log(fs, replay);
  fs->inodes = alloc_or_exit(fs->sb.ninodes, sizeof(struct inode_state));
  fs->owner = alloc_or_exit(fs->sb.size, sizeof(uint));
  decode_inodes(fs);
  walk_tree(fs);
  check_inodes(fs);
  check_links(fs);
  check_bitmap(fs, in_use, nfree);
}

static void
usage(void)
{
  fprintf(stderr, "usage: fsck [-r] IMAGE\n"
                  "  -r  install a committed log in memory first, as the kernel does at boot\n");
  exit(EXIT_TROUBLE);
}

int
main(int argc, char *argv[])
{
  static struct fsck fs;
  uint in_use = 0, nfree = 0;
  int replay = 0;
  int opt;

  while ((opt = getopt(argc, argv, "r")) != -1) {
    if (opt != 'r')
      usage();
    replay = 1;
  }
  if (optind != argc - 1)
    usage();
  if (load_image(&fs, argv[optind]) < 0)
    return EXIT_TROUBLE;
  check_image(&fs, replay, &in_use, &nfree);
  if (fs.nproblems > 0)
    print_problem_summary(&fs);
  else
    printf("fsck: %s: clean: %u inodes, %u data blocks in use, %u free\n", fs.path,
           count_allocated_inodes(&fs), in_use, nfree);
  free(fs.inodes);
  free(fs.owner);
  free(fs.bytes);
  return fs.nproblems > 0 ? EXIT_PROBLEMS : EXIT_CLEAN;
}
