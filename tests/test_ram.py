"""
test_ram.py: the kernel takes its RAM size from the device tree QEMU passes
(-m), not from a constant. Boots machines of several sizes and checks the
boot line, the page allocator's counts, and a heap bigger than the old
128 MiB machine. With -dtb, QEMU passes a tree built here instead, so the
kernel's reading of it (cell counts, a missing memory node) is seen end to end.
"""
import re
import struct

import pytest

from conftest import BOOT_TIMEOUT, MEMORY

MIB = 1024 * 1024
PAGE = 4096
RAM_BASE = 0x80000000          # KERNBASE: QEMU virt's RAM starts here
DEFAULT_RAM_MIB = 128          # what the kernel assumes without a usable tree
RAM_LINE = r"kernel: (\d+) MiB of RAM\n"
# Every extra page of RAM costs the kernel its per-page tables (8.5 bytes)
# and a direct-map PTE (8 bytes): about 0.4%. Allow 1% before calling it a leak.
OVERHEAD_SHARE = 0.01
# A large machine boots slower: every page goes on the free list, and the
# harts waiting for hart 0 spin on the host's cores meanwhile.
BIG_BOOT_TIMEOUT = 4 * BOOT_TIMEOUT
BIGMEM_TIMEOUT = 300
BIGMEM_MIB = 1024


@pytest.fixture
def start(boot):
    """start(memory, dtb=None) -> a booted Machine with that much RAM (QEMU -m syntax)."""
    return lambda memory, dtb=None: boot(memory=memory, dtb=dtb, timeout=BIG_BOOT_TIMEOUT)


def qemu_mib(memory):
    """QEMU's -m text (128M, 2G) in MiB."""
    number, unit = re.fullmatch(r"(\d+)([MG])", memory).groups()
    return int(number) * (1024 if unit == "G" else 1)


def ram_mib(machine):
    """The RAM the kernel said it has, from its boot line."""
    found = re.search(RAM_LINE, machine.text)
    assert found, f"expected a line matching {RAM_LINE!r} at boot, saw:\n{machine.text}"
    return int(found.group(1))


def vmstat(machine):
    """vmstat's counters, as {name: int}."""
    return {name: int(value) for name, value in
            (line.split() for line in machine.run("vmstat").splitlines())}


def test_default_machine_has_128_mib(start):
    machine = start(MEMORY)
    assert ram_mib(machine) == qemu_mib(MEMORY)
    assert machine.text.find("kernel: booting, fork") < machine.text.find("MiB of RAM"), \
        "the first boot line must stay first"


@pytest.mark.parametrize("memory", ["256M", "200M", "2G"])
def test_more_ram_gives_more_free_pages(start, memory):
    small = start(MEMORY)
    small_counts = vmstat(small)
    small.stop()
    big = start(memory)
    assert ram_mib(big) == qemu_mib(memory)
    big_counts = vmstat(big)
    added = (qemu_mib(memory) - qemu_mib(MEMORY)) * MIB // PAGE
    for counter in ("total_pages", "free_pages"):
        grew = big_counts[counter] - small_counts[counter]
        assert added * (1 - OVERHEAD_SHARE) <= grew <= added, \
            f"{counter}: {MEMORY} -> {memory} adds {added} pages; expected {counter} to grow " \
            f"by nearly as many, saw {small_counts[counter]} -> {big_counts[counter]} (+{grew})"


def test_gigabyte_heap_forks_on_2g(start):
    machine = start("2G")
    out = machine.run(f"bigmem {BIGMEM_MIB}", timeout=BIGMEM_TIMEOUT)
    assert "bigmem: ok" in out, f"expected 'bigmem: ok' from a {BIGMEM_MIB} MiB heap, saw:\n{out}"
    out = machine.run("vmcheck")
    assert out == "vmcheck: ok\n", \
        f"expected page counts to match the page tables after bigmem, saw:\n{out}"


def test_gigabyte_heap_is_refused_on_128m(start):
    machine = start(MEMORY)
    out = machine.run(f"bigmem {BIGMEM_MIB}", timeout=BIGMEM_TIMEOUT)
    assert "bigmem: FAILED sbrk" in out, \
        f"expected an eager {BIGMEM_MIB} MiB heap to be refused on {MEMORY}, saw:\n{out}"


# ---- device trees built here, handed to QEMU with -dtb ----

FDT_MAGIC = 0xD00DFEED
FDT_VERSION, FDT_LAST_COMP_VERSION = 17, 16
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_END = 1, 2, 3, 9
HEADER_WORDS = 10
RESERVE_MAP_END = bytes(16)    # the memory reservation map's (0, 0) terminator


def pad4(data):
    return data + bytes(-len(data) % 4)


def build_fdt(root_props, children):
    """
    A flattened device tree: root_props is [(name, bytes)], children is
    [(node name, [(name, bytes)])], all under the root.
    """
    strings = bytearray()
    structure = bytearray()

    def prop(name, value):
        structure.extend(struct.pack(">III", FDT_PROP, len(value), len(strings)))
        structure.extend(pad4(value))
        strings.extend(name.encode() + b"\0")

    def node(name, props):
        structure.extend(struct.pack(">I", FDT_BEGIN_NODE) + pad4(name.encode() + b"\0"))
        for p in props:
            prop(*p)

    node("", root_props)
    for name, props in children:
        node(name, props)
        structure.extend(struct.pack(">I", FDT_END_NODE))
    structure.extend(struct.pack(">II", FDT_END_NODE, FDT_END))
    off_rsvmap = HEADER_WORDS * 4
    off_struct = off_rsvmap + len(RESERVE_MAP_END)
    off_strings = off_struct + len(structure)
    total = off_strings + len(strings)
    header = struct.pack(">" + "I" * HEADER_WORDS, FDT_MAGIC, total, off_struct, off_strings,
                         off_rsvmap, FDT_VERSION, FDT_LAST_COMP_VERSION, 0, len(strings),
                         len(structure))
    return header + RESERVE_MAP_END + bytes(structure) + bytes(strings)


def cells(*values):
    return b"".join(struct.pack(">I", v) for v in values)


def chosen():
    return ("chosen", [("stdout-path", b"/soc/serial@10000000\0")])


def test_one_cell_tree_is_read(start, tmp_path):
    # 96 MiB in 32-bit cells, on a machine QEMU gives 256M: the tree wins.
    tree_mib = 96
    dtb = tmp_path / "one-cell.dtb"
    dtb.write_bytes(build_fdt(
        [("#address-cells", cells(1)), ("#size-cells", cells(1))],
        [chosen(), ("memory@80000000", [("device_type", b"memory\0"),
                                        ("reg", cells(RAM_BASE, tree_mib * MIB))])]))
    machine = start("256M", dtb)
    assert ram_mib(machine) == tree_mib
    assert vmstat(machine)["total_pages"] < tree_mib * MIB // PAGE


def test_tree_without_memory_falls_back_to_128_mib(start, tmp_path):
    dtb = tmp_path / "no-memory.dtb"
    dtb.write_bytes(build_fdt([("#address-cells", cells(2)), ("#size-cells", cells(2))],
                              [chosen()]))
    machine = start("256M", dtb)
    assert re.search(r"device tree at 0x[0-9a-f]+ unusable \(no memory node\)", machine.text), \
        f"expected the boot to say why the tree is unusable, saw:\n{machine.text}"
    assert ram_mib(machine) == DEFAULT_RAM_MIB
