/*
 * test_fdt.c: host tests for the device-tree reader (kernel/lib/fdt.c),
 * compiled unchanged from the kernel source, on blobs built here by hand.
 * Every blob is handed over in a heap buffer of exactly the size given as
 * readable, so AddressSanitizer fails a test that reads one byte beyond.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/types.h"
#include "kernel/lib/fdt.h"

#define FDT_MAGIC        0xd00dfeed
#define FDT_VERSION      17
#define FDT_LAST_COMP    16
#define FDT_BEGIN_NODE   1
#define FDT_END_NODE     2
#define FDT_PROP         3
#define FDT_NOP          4
#define FDT_END          9
#define RSVMAP_END_BYTES 16      /* the reservation map's terminating (0, 0) entry */
#define BLOCK_MAX        1024    /* room for either block of any blob built here */
#define WORD             4

#define HDR_TOTALSIZE    4       /* header field offsets the tests read or corrupt */
#define HDR_OFF_STRUCT   8
#define HDR_VERSION      20
#define HDR_SIZE_STRUCT  36

#define RAM_BASE         0x80000000UL
#define RAM_256M         0x10000000UL
#define RAM_6G           0x180000000UL   /* needs two size cells */

/* A blob under construction: the two blocks, joined by blob_finish(). */
struct builder {
  uint8 structure[BLOCK_MAX];
  size_t struct_len;
  uint8 strings[BLOCK_MAX];
  size_t strings_len;
};

static void
put_be32(uint8 *p, uint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static uint32
get_be32(const uint8 *p)
{
  return (uint32)p[0] << 24 | (uint32)p[1] << 16 | (uint32)p[2] << 8 | p[3];
}

static void
word(struct builder *b, uint32 v)
{
  assert_true(b->struct_len + WORD <= BLOCK_MAX);
  put_be32(b->structure + b->struct_len, v);
  b->struct_len += WORD;
}

/* Bytes, zero-padded to a whole word, as names and values are stored. */
static void
padded_bytes(struct builder *b, const void *data, size_t n)
{
  size_t padded = (n + WORD - 1) / WORD * WORD;
  assert_true(b->struct_len + padded <= BLOCK_MAX);
  memset(b->structure + b->struct_len, 0, padded);
  memcpy(b->structure + b->struct_len, data, n);
  b->struct_len += padded;
}

static void
begin_node(struct builder *b, const char *name)
{
  word(b, FDT_BEGIN_NODE);
  padded_bytes(b, name, strlen(name) + 1);
}

static void
end_node(struct builder *b)
{
  word(b, FDT_END_NODE);
}

/* A property's token, length and name; its value follows. */
static void
prop_head(struct builder *b, const char *name, size_t value_len)
{
  size_t name_len = strlen(name) + 1;
  assert_true(b->strings_len + name_len <= BLOCK_MAX);
  word(b, FDT_PROP);
  word(b, value_len);
  word(b, b->strings_len);
  memcpy(b->strings + b->strings_len, name, name_len);
  b->strings_len += name_len;
}

/* A property whose value is n cells. */
static void
prop_cells(struct builder *b, const char *name, const uint32 *cells, int n)
{
  prop_head(b, name, n * WORD);
  for (int i = 0; i < n; i++)
    word(b, cells[i]);
}

static void
prop_string(struct builder *b, const char *name, const char *value)
{
  prop_head(b, name, strlen(value) + 1);
  padded_bytes(b, value, strlen(value) + 1);
}

static void
prop_u32(struct builder *b, const char *name, uint32 v)
{
  prop_cells(b, name, &v, 1);
}

/*
 * The whole blob in a heap buffer of exactly its size: header, empty
 * reservation map, strings, then the structure block last, so that cutting
 * the blob short cuts the structure block.
 */
static uint8 *
blob_finish(struct builder *b, size_t *size)
{
  size_t off_rsvmap = FDT_HEADER_BYTES;
  size_t off_strings = off_rsvmap + RSVMAP_END_BYTES;
  size_t off_struct = off_strings + (b->strings_len + WORD - 1) / WORD * WORD;
  size_t total = off_struct + b->struct_len;
  uint8 *blob = calloc(1, total);
  assert_non_null(blob);
  uint32 header[] = { FDT_MAGIC, total, off_struct, off_strings, off_rsvmap, FDT_VERSION,
                      FDT_LAST_COMP, 0, b->strings_len, b->struct_len };
  for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
    put_be32(blob + i * WORD, header[i]);
  memcpy(blob + off_strings, b->strings, b->strings_len);
  memcpy(blob + off_struct, b->structure, b->struct_len);
  *size = total;
  return blob;
}

/* Root cell counts, and whether the machine gets a memory node. */
struct machine_shape {
  int address_cells;       /* 0: leave the property out */
  int size_cells;
  const char *memory_name; /* 0: no memory node */
  uint64 ram_size;
};

static void
cells_of(uint64 v, int n, uint32 *out)
{
  for (int i = n - 1; i >= 0; i--, v >>= 32)
    out[i] = (uint32)v;
}

/* A tree shaped like QEMU virt's: cpus, a soc with a decoy memory node, then memory. */
static uint8 *
build_machine(const struct machine_shape *shape, size_t *size)
{
  static struct builder b;
  memset(&b, 0, sizeof(b));
  int ac = shape->address_cells ? shape->address_cells : 2;   /* the spec's defaults */
  int sc = shape->size_cells ? shape->size_cells : 1;
  word(&b, FDT_NOP);
  begin_node(&b, "");
  if (shape->address_cells)
    prop_u32(&b, "#address-cells", shape->address_cells);
  if (shape->size_cells)
    prop_u32(&b, "#size-cells", shape->size_cells);
  prop_u32(&b, "phandle", 1);
  begin_node(&b, "cpus");
  prop_u32(&b, "#address-cells", 1);
  prop_u32(&b, "#size-cells", 0);
  begin_node(&b, "cpu@0");
  prop_u32(&b, "reg", 0);
  end_node(&b);
  end_node(&b);
  begin_node(&b, "soc");
  begin_node(&b, "memory@10000000");   /* not the root's child: not RAM */
  uint32 decoy[] = { 0x10000000, 0x1000 };
  prop_cells(&b, "reg", decoy, 2);
  end_node(&b);
  end_node(&b);
  begin_node(&b, "memoryless");        /* a name that starts like it, no more */
  prop_cells(&b, "reg", decoy, 2);
  end_node(&b);
  word(&b, FDT_NOP);
  if (shape->memory_name) {
    begin_node(&b, shape->memory_name);
    uint32 reg[4];
    cells_of(RAM_BASE, ac, reg);
    cells_of(shape->ram_size, sc, reg + ac);
    prop_string(&b, "device_type", "memory");
    prop_cells(&b, "reg", reg, ac + sc);
    end_node(&b);
  }
  end_node(&b);
  word(&b, FDT_END);
  return blob_finish(&b, size);
}

static const struct machine_shape qemu_virt = { 2, 2, "memory@80000000", RAM_6G };

static int
read_range(const uint8 *blob, size_t readable, uint64 *base, uint64 *size)
{
  *base = *size = 0;
  return fdt_memory_range(blob, readable, base, size);
}

/* Build the tree of shape and read it: the result must be want, and on success RAM_BASE and ram_size. */
static void
expect_shape_reads(const struct machine_shape *shape, int want)
{
  size_t n;
  uint8 *blob = build_machine(shape, &n);
  uint64 base, size;
  assert_int_equal(read_range(blob, n, &base, &size), want);
  if (want == FDT_OK) {
    assert_int_equal(base, RAM_BASE);
    assert_int_equal(size, shape->ram_size);
  }
  free(blob);
}

static void
two_cell_memory_node_is_found(void **state)
{
  (void)state;
  expect_shape_reads(&qemu_virt, FDT_OK);
}

static void
one_cell_sizes_are_honoured(void **state)
{
  (void)state;
  struct machine_shape shape = { 1, 1, "memory@80000000", RAM_256M };
  expect_shape_reads(&shape, FDT_OK);
}

static void
missing_cell_counts_take_the_spec_defaults(void **state)
{
  (void)state;
  struct machine_shape shape = { 0, 0, "memory", RAM_256M };   /* 2 address cells, 1 size cell */
  expect_shape_reads(&shape, FDT_OK);
}

static void
missing_memory_node_is_reported(void **state)
{
  (void)state;
  struct machine_shape shape = { 2, 2, 0, 0 };
  expect_shape_reads(&shape, FDT_ERR_NO_MEMORY);
}

static void
cells_wider_than_64_bits_are_refused(void **state)
{
  (void)state;
  struct machine_shape shape = { 3, 1, "memory@80000000", RAM_256M };
  expect_shape_reads(&shape, FDT_ERR_CELLS);
}

static void
bad_magic_is_refused(void **state)
{
  (void)state;
  size_t n;
  uint8 *blob = build_machine(&qemu_virt, &n);
  blob[0] ^= 0xff;
  uint64 base, size;
  assert_int_equal(read_range(blob, n, &base, &size), FDT_ERR_MAGIC);
  free(blob);
}

static void
old_version_is_refused(void **state)
{
  (void)state;
  size_t n;
  uint8 *blob = build_machine(&qemu_virt, &n);
  put_be32(blob + HDR_VERSION, FDT_VERSION - 1);
  uint64 base, size;
  assert_int_equal(read_range(blob, n, &base, &size), FDT_ERR_VERSION);
  free(blob);
}

static void
unknown_token_is_malformed(void **state)
{
  (void)state;
  size_t n;
  uint8 *blob = build_machine(&qemu_virt, &n);
  size_t off_struct = get_be32(blob + HDR_OFF_STRUCT);
  put_be32(blob + off_struct, 0x7);   /* the leading NOP becomes a token the format lacks */
  uint64 base, size;
  assert_int_equal(read_range(blob, n, &base, &size), FDT_ERR_MALFORMED);
  free(blob);
}

/* Fewer readable bytes than the header claims: refused before the walk. */
static void
blob_longer_than_readable_is_truncated(void **state)
{
  (void)state;
  size_t n;
  uint8 *full = build_machine(&qemu_virt, &n);
  for (size_t cut = 0; cut < n; cut++) {
    uint8 *part = malloc(cut ? cut : 1);
    memcpy(part, full, cut);
    uint64 base, size;
    int err = read_range(part, cut, &base, &size);
    if (err != FDT_ERR_TRUNCATED)
      fail_msg("%zu of %zu bytes: expected FDT_ERR_TRUNCATED, got %d", cut, n, err);
    free(part);
  }
  free(full);
}

/*
 * A blob whose header is consistent but whose structure block stops early,
 * at every word: the walk either finds the range (the cut came after reg) or
 * says truncated, and ASan sees no read past the shortened blob.
 */
static void
structure_block_cut_anywhere_is_truncated(void **state)
{
  (void)state;
  size_t n;
  uint8 *full = build_machine(&qemu_virt, &n);
  size_t struct_len = get_be32(full + HDR_SIZE_STRUCT);
  size_t header_part = n - struct_len;
  for (size_t keep = 0; keep < struct_len; keep += WORD) {
    size_t total = header_part + keep;
    uint8 *part = malloc(total);
    memcpy(part, full, total);
    put_be32(part + HDR_TOTALSIZE, total);
    put_be32(part + HDR_SIZE_STRUCT, keep);
    uint64 base, size;
    int err = read_range(part, total, &base, &size);
    if (err == FDT_OK)
      assert_true(base == RAM_BASE && size == RAM_6G);
    else if (err != FDT_ERR_TRUNCATED)
      fail_msg("structure cut at %zu of %zu: expected FDT_ERR_TRUNCATED, got %d", keep,
               struct_len, err);
    free(part);
  }
  free(full);
}

static void
every_error_has_words(void **state)
{
  (void)state;
  for (int err = FDT_OK; err <= FDT_ERR_NO_MEMORY; err++)
    assert_true(strlen(fdt_strerror(err)) > 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(two_cell_memory_node_is_found),
    cmocka_unit_test(one_cell_sizes_are_honoured),
    cmocka_unit_test(missing_cell_counts_take_the_spec_defaults),
    cmocka_unit_test(missing_memory_node_is_reported),
    cmocka_unit_test(cells_wider_than_64_bits_are_refused),
    cmocka_unit_test(bad_magic_is_refused),
    cmocka_unit_test(old_version_is_refused),
    cmocka_unit_test(unknown_token_is_malformed),
    cmocka_unit_test(blob_longer_than_readable_is_truncated),
    cmocka_unit_test(structure_block_cut_anywhere_is_truncated),
    cmocka_unit_test(every_error_has_words),
  };
  return cmocka_run_group_tests_name("fdt", tests, 0, 0);
}
