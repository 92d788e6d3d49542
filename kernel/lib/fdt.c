/*
 * fdt.c: finds the RAM range in a flattened device tree (see fdt.h). The
 * format is the Devicetree Specification's, chapter 5: a header, then a
 * structure block of big-endian 32-bit tokens, and a strings block holding
 * property names. Every read is checked against the blob's bounds first:
 * the blob comes from outside the kernel and may be anything.
 */
#include "kernel/types.h"
#include "kernel/lib/fdt.h"

#define FDT_MAGIC            0xd00dfeed
/* The oldest version whose header gives the structure block's size. */
#define FDT_VERSION_NEEDED   17

/* Byte offsets of the header fields we read. */
#define HDR_MAGIC            0
#define HDR_TOTALSIZE        4
#define HDR_OFF_DT_STRUCT    8
#define HDR_OFF_DT_STRINGS   12
#define HDR_VERSION          20
#define HDR_SIZE_DT_STRINGS  32
#define HDR_SIZE_DT_STRUCT   36

/* Structure block tokens. */
#define FDT_BEGIN_NODE       1
#define FDT_END_NODE         2
#define FDT_PROP             3
#define FDT_NOP              4
#define FDT_END              9

#define CELL_BYTES           4
#define TOKEN_ALIGN          4    /* names and values are padded so tokens stay aligned */
/* What the root's reg ranges use when it does not say (the spec's defaults). */
#define DEFAULT_ADDRESS_CELLS 2
#define DEFAULT_SIZE_CELLS    1
#define MAX_CELLS             2   /* a 64-bit number holds two cells */

/* Depth, counting the root as 1, of the root's children, where the memory node is. */
#define ROOT_DEPTH            1
#define CHILD_DEPTH           2

/* A cursor in the structure block, and the bounds every read is checked against. */
struct fdt_reader {
  const uint8 *blob;
  uint64 pos;            /* next token, as an offset in the blob */
  uint64 struct_end;     /* end of the structure block */
  uint64 strings;        /* start of the strings block */
  uint64 strings_end;
};

static uint32
be32(const uint8 *p)
{
  return (uint32)p[0] << 24 | (uint32)p[1] << 16 | (uint32)p[2] << 8 | p[3];
}

/* Reads the next word of the structure block; 0 if the block ends first. */
static int
next_word(struct fdt_reader *r, uint32 *word)
{
  if (r->struct_end - r->pos < CELL_BYTES)
    return 0;
  *word = be32(r->blob + r->pos);
  r->pos += CELL_BYTES;
  return 1;
}

/* Moves past n bytes and their padding; 0 if that leaves the structure block. */
static int
skip_padded(struct fdt_reader *r, uint64 n)
{
  uint64 padded = (n + TOKEN_ALIGN - 1) / TOKEN_ALIGN * TOKEN_ALIGN;
  if (r->struct_end - r->pos < padded)
    return 0;
  r->pos += padded;
  return 1;
}

/* Length of the NUL-terminated string at [at, limit); -1 if no NUL comes first. */
static long
bounded_strlen(const uint8 *blob, uint64 at, uint64 limit)
{
  for (uint64 i = at; i < limit; i++)
    if (blob[i] == 0)
      return i - at;
  return -1;
}

static int
str_equal(const uint8 *a, const char *b)
{
  while (*a && *a == (uint8)*b) {
    a++;
    b++;
  }
  return *a == (uint8)*b;
}

/* "memory", or "memory@<unit address>": the names the spec gives RAM nodes. */
static int
is_memory_node(const uint8 *name)
{
  const char *want = "memory";
  while (*want && *name == (uint8)*want) {
    name++;
    want++;
  }
  return *want == 0 && (*name == 0 || *name == '@');
}

/* A number of `cells` big-endian cells (at most MAX_CELLS) at p. */
static uint64
read_cells(const uint8 *p, uint32 cells)
{
  uint64 value = 0;
  for (uint32 i = 0; i < cells; i++)
    value = value << 32 | be32(p + i * CELL_BYTES);
  return value;
}

/*
 * The header's checks: the magic, a version we read, and blocks that lie
 * inside both the blob and what the caller can read. Fills in r.
 */
static int
read_header(const uint8 *blob, uint64 readable, struct fdt_reader *r)
{
  if (readable < FDT_HEADER_BYTES)
    return FDT_ERR_TRUNCATED;
  if (be32(blob + HDR_MAGIC) != FDT_MAGIC)
    return FDT_ERR_MAGIC;
  uint64 total = be32(blob + HDR_TOTALSIZE);
  if (total < FDT_HEADER_BYTES || total > readable)
    return FDT_ERR_TRUNCATED;
  if (be32(blob + HDR_VERSION) < FDT_VERSION_NEEDED)
    return FDT_ERR_VERSION;
  uint64 off_struct = be32(blob + HDR_OFF_DT_STRUCT);
  uint64 size_struct = be32(blob + HDR_SIZE_DT_STRUCT);
  uint64 off_strings = be32(blob + HDR_OFF_DT_STRINGS);
  uint64 size_strings = be32(blob + HDR_SIZE_DT_STRINGS);
  /* Sums of two 32-bit values: no overflow in 64 bits. */
  if (off_struct + size_struct > total || off_strings + size_strings > total)
    return FDT_ERR_TRUNCATED;
  if (off_struct % CELL_BYTES != 0)
    return FDT_ERR_MALFORMED;
  r->blob = blob;
  r->pos = off_struct;
  r->struct_end = off_struct + size_struct;
  r->strings = off_strings;
  r->strings_end = off_strings + size_strings;
  return FDT_OK;
}

/* What the walk has learnt so far. */
struct fdt_walk {
  int depth;             /* nodes open; the root is depth ROOT_DEPTH */
  int in_memory;         /* the open node at CHILD_DEPTH is a memory node */
  uint32 address_cells;  /* the root's, which its children's reg use */
  uint32 size_cells;
};

/* A BEGIN_NODE token's name; r is just past the token. */
static int
begin_node(struct fdt_reader *r, struct fdt_walk *w)
{
  long len = bounded_strlen(r->blob, r->pos, r->struct_end);
  if (len < 0)
    return FDT_ERR_TRUNCATED;
  w->depth++;
  if (w->depth == CHILD_DEPTH)
    w->in_memory = is_memory_node(r->blob + r->pos);
  return skip_padded(r, len + 1) ? FDT_OK : FDT_ERR_TRUNCATED;
}

/*
 * A PROP token: the root's cell counts are remembered, a memory node's reg
 * gives the answer (FDT_OK, with *found set). r is just past the token.
 */
static int
property(struct fdt_reader *r, struct fdt_walk *w, uint64 *base, uint64 *size, int *found)
{
  uint32 len, name_off;
  if (!next_word(r, &len) || !next_word(r, &name_off))
    return FDT_ERR_TRUNCATED;
  if (r->struct_end - r->pos < len || r->strings + name_off >= r->strings_end)
    return FDT_ERR_TRUNCATED;
  uint64 name_at = r->strings + name_off;
  if (bounded_strlen(r->blob, name_at, r->strings_end) < 0)
    return FDT_ERR_TRUNCATED;
  const uint8 *name = r->blob + name_at;
  const uint8 *value = r->blob + r->pos;

  if (w->depth == ROOT_DEPTH && len == CELL_BYTES) {
    if (str_equal(name, "#address-cells"))
      w->address_cells = be32(value);
    else if (str_equal(name, "#size-cells"))
      w->size_cells = be32(value);
  } else if (w->depth == CHILD_DEPTH && w->in_memory && str_equal(name, "reg")) {
    if (w->address_cells > MAX_CELLS || w->size_cells > MAX_CELLS ||
        w->address_cells == 0 || w->size_cells == 0)
      return FDT_ERR_CELLS;
    uint64 range_bytes = (uint64)(w->address_cells + w->size_cells) * CELL_BYTES;
    if (len >= range_bytes) {       /* a shorter reg holds no range: keep looking */
      *base = read_cells(value, w->address_cells);
      *size = read_cells(value + w->address_cells * CELL_BYTES, w->size_cells);
      *found = 1;
      return FDT_OK;
    }
  }
  return skip_padded(r, len) ? FDT_OK : FDT_ERR_TRUNCATED;
}

int
fdt_memory_range(const void *fdt, uint64 readable, uint64 *base, uint64 *size)
{
  struct fdt_reader r;
  int err = read_header(fdt, readable, &r);
  if (err != FDT_OK)
    return err;
  struct fdt_walk w = { 0, 0, DEFAULT_ADDRESS_CELLS, DEFAULT_SIZE_CELLS };
  for (;;) {
    uint32 token;
    if (!next_word(&r, &token))
      return FDT_ERR_TRUNCATED;     /* the block must close with FDT_END */
    int found = 0;
    switch (token) {
    case FDT_BEGIN_NODE:
      err = begin_node(&r, &w);
      break;
    case FDT_END_NODE:
      if (w.depth == 0)
        return FDT_ERR_MALFORMED;
      if (--w.depth == 0)
        return FDT_ERR_NO_MEMORY;   /* the root closed: everything was seen */
      w.in_memory = w.in_memory && w.depth >= CHILD_DEPTH;
      break;
    case FDT_PROP:
      if (w.depth == 0)
        return FDT_ERR_MALFORMED;   /* a property outside every node */
      err = property(&r, &w, base, size, &found);
      break;
    case FDT_NOP:
      break;
    case FDT_END:
      return w.depth == 0 ? FDT_ERR_NO_MEMORY : FDT_ERR_MALFORMED;
    default:
      return FDT_ERR_MALFORMED;
    }
    if (err != FDT_OK || found)
      return err;
  }
}

const char *
fdt_strerror(int err)
{
  switch (err) {
  case FDT_OK:            return "no error";
  case FDT_ERR_MAGIC:     return "bad magic";
  case FDT_ERR_TRUNCATED: return "truncated";
  case FDT_ERR_VERSION:   return "format version too old";
  case FDT_ERR_MALFORMED: return "malformed structure block";
  case FDT_ERR_CELLS:     return "unsupported #address-cells or #size-cells";
  case FDT_ERR_NO_MEMORY: return "no memory node";
  default:                return "unknown error";
  }
}
