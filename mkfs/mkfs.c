/*
 * mkfs.c: host tool that builds a file system image in the format of kernel/fs.h.
 *   mkfs fs.img FILE...   every FILE goes into "/" under its base name, minus one leading '_';
 *                         NAME=FILE puts FILE there as NAME instead.
 * The image is assembled in memory, then written out in one go.
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
#include "mkfs/mkfs.h"

#define BOOT_BLOCKS   1
#define SUPER_BLOCKS  1

/*
 * The structs in kernel/fs.h are the on-disk format: every offset and field
 * width below comes from them, so the format is written down only there.
 */
_Static_assert(BSIZE % sizeof(struct dinode) == 0, "inodes must tile a block");

/* ---- layout ---- */

static uint
div_round_up(uint n, uint d)
{
  return (n + d - 1) / d;
}

int
fs_layout_compute(uint total, uint ninodes, uint nlog, struct fs_layout *out)
{
  struct fs_layout l;

  if (total == 0 || ninodes == 0 || nlog == 0)
    return -1;
  l.total = total;
  l.ninodes = ninodes;
  l.nlog = nlog;
  l.ninodeblocks = div_round_up(ninodes, IPB);
  l.nbitmap = div_round_up(total, BPB);
  l.logstart = BOOT_BLOCKS + SUPER_BLOCKS;
  l.inodestart = l.logstart + l.nlog;
  l.bmapstart = l.inodestart + l.ninodeblocks;
  l.datastart = l.bmapstart + l.nbitmap;
  l.nmeta = l.datastart;
  /* Compare before subtracting: uint arithmetic would wrap. */
  if (l.nmeta >= total || l.nmeta < l.logstart)
    return -1;
  l.ndata = total - l.nmeta;
  *out = l;
  return 0;
}

void
fs_layout_superblock(const struct fs_layout *layout, struct superblock *sb)
{
  sb->magic = FSMAGIC;
  sb->size = layout->total;
  sb->nblocks = layout->ndata;
  sb->ninodes = layout->ninodes;
  sb->nlog = layout->nlog;
  sb->logstart = layout->logstart;
  sb->inodestart = layout->inodestart;
  sb->bmapstart = layout->bmapstart;
}

/* ---- little-endian encoding, independent of the host's byte order ---- */

/* Stores the low nbytes bytes of v at p, least significant first. */
static void
put_le(uchar *p, uint v, size_t nbytes)
{
  size_t i;

  for (i = 0; i < nbytes; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static uint
get_le32(const uchar *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint)p[3] << 24;
}

/* Encodes field f of struct value s into the on-disk copy of s that starts at base. */
#define PUT_FIELD(base, s, f) \
  put_le((base) + offsetof(__typeof__(s), f), (uint)(s).f, sizeof((s).f))

/* ---- the image under construction ---- */

struct image {
  struct fs_layout layout;
  uchar *bytes;                       /* layout.total * BSIZE, zeroed */
  struct dinode inodes[MKFS_NINODES]; /* host byte order until written out */
  uint next_inum;                     /* next unused inode number */
  uint next_block;                    /* next unused data block */
  const char *adding;                 /* input file being copied, for messages */
};

static void
die(const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "mkfs: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  exit(1);
}

static uchar *
block_at(struct image *img, uint b)
{
  return img->bytes + (size_t)b * BSIZE;
}

static uint
alloc_block(struct image *img)
{
  if (img->next_block >= img->layout.total)
    die("%s: image full: all %u data blocks used", img->adding, img->layout.ndata);
  return img->next_block++;
}

static uint
alloc_inode(struct image *img, short type)
{
  uint inum = img->next_inum;

  if (inum >= img->layout.ninodes)
    die("%s: out of inodes: only %u fit", img->adding, img->layout.ninodes);
  img->next_inum++;
  memset(&img->inodes[inum], 0, sizeof(struct dinode));
  img->inodes[inum].type = type;
  img->inodes[inum].nlink = 1;
  return inum;
}

/* The disk block holding byte offset off of inode inum, allocated on first use. */
static uint
file_block(struct image *img, uint inum, uint off)
{
  struct dinode *ip = &img->inodes[inum];
  uint index = off / BSIZE;
  uchar *slot;
  uint b;

  if (index < NDIRECT) {
    if (ip->addrs[index] == 0)
      ip->addrs[index] = alloc_block(img);
    return ip->addrs[index];
  }
  index -= NDIRECT;
  if (index >= NINDIRECT)
    die("%s: file too large: more than %u blocks", img->adding, (uint)MAXFILE);
  if (ip->addrs[NDIRECT] == 0)
    ip->addrs[NDIRECT] = alloc_block(img);
  slot = block_at(img, ip->addrs[NDIRECT]) + index * sizeof(uint);
  b = get_le32(slot);
  if (b == 0) {
    b = alloc_block(img);
    put_le(slot, b, sizeof(uint));
  }
  return b;
}

/* Appends n bytes to the end of inode inum's contents. */
static void
inode_append(struct image *img, uint inum, const void *data, uint n)
{
  struct dinode *ip = &img->inodes[inum];
  const uchar *src = data;

  while (n > 0) {
    uint within = ip->size % BSIZE;
    uint chunk = BSIZE - within;
    uint b;

    if (chunk > n)
      chunk = n;
    b = file_block(img, inum, ip->size);
    memcpy(block_at(img, b) + within, src, chunk);
    ip->size += chunk;
    src += chunk;
    n -= chunk;
  }
}

static void
dir_add(struct image *img, uint dir, const char *name, uint inum)
{
  struct dirent de = { .inum = inum };
  uchar entry[sizeof(struct dirent)];

  memset(entry, 0, sizeof(entry));
  PUT_FIELD(entry, de, inum);
  memcpy(entry + offsetof(struct dirent, name), name, strnlen(name, DIRSIZ));
  inode_append(img, dir, entry, sizeof(entry));
}

static void
image_init(struct image *img)
{
  uint root;

  memset(img, 0, sizeof(*img));
  img->adding = "root directory";
  if (fs_layout_compute(FSSIZE, MKFS_NINODES, LOGSIZE + 1, &img->layout) < 0)
    die("FSSIZE %u is too small for the metadata", (uint)FSSIZE);
  img->bytes = calloc(img->layout.total, BSIZE);
  if (img->bytes == NULL)
    die("out of memory for a %u-block image", img->layout.total);
  img->next_inum = ROOTINO;
  img->next_block = img->layout.datastart;

  root = alloc_inode(img, T_DIR);
  if (root != ROOTINO)
    die("internal error: root got inode %u", root);
  dir_add(img, root, ".", root);
  dir_add(img, root, "..", root);
}

/* ---- adding input files ---- */

/* The name a file gets on the image: its base name minus one leading '_'. */
static const char *
image_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;

  if (name[0] == '_')
    name++;
  if (name[0] == '\0')
    die("%s: empty file name", path);
  if (strlen(name) > DIRSIZ)
    die("%s: name \"%s\" longer than %d characters", path, name, DIRSIZ);
  return name;
}

/* Dies if the root directory already has an entry called name. */
static void
check_unique(struct image *img, const char *name)
{
  struct dinode *root = &img->inodes[ROOTINO];
  uint off;

  for (off = 0; off < root->size; off += sizeof(struct dirent)) {
    uint b = file_block(img, ROOTINO, off);
    const char *existing =
        (const char *)block_at(img, b) + off % BSIZE + offsetof(struct dirent, name);

    if (strncmp(existing, name, DIRSIZ) == 0)
      die("two input files would both be called \"%s\"", name);
  }
}

/* An argument is PATH, or NAME=PATH to give the file another name on the image. */
static void
add_file(struct image *img, const char *arg)
{
  char chosen[DIRSIZ + 1];
  const char *path = arg;
  const char *name;
  const char *eq = strchr(arg, '=');
  uchar buf[BSIZE];
  size_t n;
  uint inum;
  FILE *f;

  if (eq != NULL) {
    size_t len = (size_t)(eq - arg);

    if (len == 0 || len > DIRSIZ || memchr(arg, '/', len) != NULL)
      die("%s: the name before '=' must be 1 to %d characters without '/'", arg, DIRSIZ);
    if (eq[1] == '\0')
      die("%s: no file named after '='", arg);
    memcpy(chosen, arg, len);
    chosen[len] = '\0';
    name = chosen;
    path = eq + 1;
  } else {
    name = image_name(path);
  }
  img->adding = path;
  check_unique(img, name);
  f = fopen(path, "rb");
  if (f == NULL)
    die("%s: %s", path, strerror(errno));
  inum = alloc_inode(img, T_FILE);
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
    inode_append(img, inum, buf, n);
  if (ferror(f))
    die("%s: read error: %s", path, strerror(errno));
  if (fclose(f) != 0)
    die("%s: %s", path, strerror(errno));
  dir_add(img, ROOTINO, name, inum);
}

/* ---- finishing and writing out ---- */

static void
encode_superblock(struct image *img)
{
  struct superblock sb;
  uchar *p = block_at(img, BOOT_BLOCKS);

  fs_layout_superblock(&img->layout, &sb);
  PUT_FIELD(p, sb, magic);
  PUT_FIELD(p, sb, size);
  PUT_FIELD(p, sb, nblocks);
  PUT_FIELD(p, sb, ninodes);
  PUT_FIELD(p, sb, nlog);
  PUT_FIELD(p, sb, logstart);
  PUT_FIELD(p, sb, inodestart);
  PUT_FIELD(p, sb, bmapstart);
}

static void
encode_inodes(struct image *img)
{
  uint inum;
  int i;

  for (inum = 0; inum < img->layout.ninodes; inum++) {
    const struct dinode *ip = &img->inodes[inum];
    uchar *p = block_at(img, img->layout.inodestart + inum / IPB) +
               (inum % IPB) * sizeof(struct dinode);

    PUT_FIELD(p, *ip, type);
    PUT_FIELD(p, *ip, major);
    PUT_FIELD(p, *ip, minor);
    PUT_FIELD(p, *ip, nlink);
    PUT_FIELD(p, *ip, size);
    for (i = 0; i < NDIRECT + 1; i++)
      put_le(p + offsetof(struct dinode, addrs) + i * sizeof(uint), ip->addrs[i], sizeof(uint));
  }
}

/* Every block below next_block is in use: metadata first, then data handed out in order. */
static void
encode_bitmap(struct image *img)
{
  uint b;

  for (b = 0; b < img->next_block; b++) {
    uchar *byte = block_at(img, img->layout.bmapstart + b / BPB) + (b % BPB) / 8;

    *byte |= 1 << (b % 8);
  }
}

static void
write_image(struct image *img, const char *path)
{
  size_t size = (size_t)img->layout.total * BSIZE;
  FILE *f = fopen(path, "wb");

  if (f == NULL)
    die("%s: %s", path, strerror(errno));
  if (fwrite(img->bytes, 1, size, f) != size || fclose(f) != 0) {
    int err = errno;

    unlink(path);
    die("%s: write failed: %s", path, strerror(err));
  }
}

static void
print_summary(const struct image *img, int nfiles)
{
  const struct fs_layout *l = &img->layout;

  printf("mkfs: %u blocks: %d boot, %d super, %u log, %u inode, %u bitmap, %u data"
         " (%d files, %u data blocks used)\n",
         l->total, BOOT_BLOCKS, SUPER_BLOCKS, l->nlog, l->ninodeblocks, l->nbitmap,
         l->ndata, nfiles, img->next_block - l->datastart);
}

int
mkfs_build(const char *image_path, int nfiles, char **files)
{
  static struct image img;
  int i;

  image_init(&img);
  for (i = 0; i < nfiles; i++)
    add_file(&img, files[i]);
  encode_superblock(&img);
  encode_inodes(&img);
  encode_bitmap(&img);
  write_image(&img, image_path);
  print_summary(&img, nfiles);
  free(img.bytes);
  return 0;
}

#ifndef MKFS_NO_MAIN
int
main(int argc, char *argv[])
{
  if (argc < 2) {
    fprintf(stderr, "usage: mkfs IMAGE [FILE | NAME=FILE]...\n");
    return 1;
  }
  return mkfs_build(argv[1], argc - 2, argv + 2);
}
#endif
