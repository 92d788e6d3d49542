"""
test_compat.py: programs written for xv6-riscv build from user/ with our
headers and behave as on xv6, and the console's bytes are the ones programs
write (docs/compat.md).

Build checks run the cross compiler on the host; the rest boot QEMU. The
last test drives the kernel the way MIT's gradelib does: `make qemu-gdb`,
gdb-multiarch's `continue`, commands typed after each prompt, and `^...$`
patterns matched against the raw console bytes.
"""
import os
import re
import select
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import READ_SIZE, REPO, QemuGdb

BUILD_TIMEOUT = 120


def make_variable(name):
    """The value of a Makefile variable, through `make -s print-NAME`."""
    out = subprocess.run(["make", "-s", f"print-{name}"], cwd=REPO, capture_output=True, text=True,
                         timeout=BUILD_TIMEOUT)
    assert out.returncode == 0, f"make print-{name} failed:\n{out.stderr}"
    return out.stdout.strip()


def compile_user_c(source, strict=True):
    """Compiles C source as a user program would be (our strict flags, or the Makefile's own)."""
    cc = make_variable("CC")
    flags = make_variable("UCFLAGS_STRICT" if strict else "UCFLAGS").split()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.c"
        path.write_text(source)
        return subprocess.run([cc, *flags, "-MF", "/dev/null", "-c", "-o", str(Path(tmp) / "probe.o"),
                               str(path)], cwd=REPO, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT)


# ---- item 1: riscv.h gives every xv6 name ----

RISCV_FUNCTIONS = """
r_sp r_tp w_tp r_ra r_time
r_sstatus w_sstatus r_sip w_sip r_sie w_sie r_sepc w_sepc r_stvec w_stvec
r_stimecmp w_stimecmp r_satp w_satp r_scause r_stval intr_on intr_off intr_get sfence_vma
r_mhartid r_mstatus w_mstatus w_mepc r_mie w_mie r_medeleg w_medeleg r_mideleg w_mideleg
w_mtvec w_mscratch r_menvcfg w_menvcfg r_mcounteren w_mcounteren w_pmpcfg0 w_pmpaddr0
""".split()

RISCV_VALUES = """
PGSIZE PGSHIFT PTE_V PTE_R PTE_W PTE_X PTE_U MAXVA PXMASK SATP_SV39
MSTATUS_MPP_MASK MSTATUS_MPP_M MSTATUS_MPP_S MSTATUS_MPP_U MSTATUS_MIE
SSTATUS_SPP SSTATUS_SPIE SSTATUS_UPIE SSTATUS_SIE SSTATUS_UIE
SIE_SEIE SIE_STIE SIE_SSIE MIE_MEIE MIE_MTIE MIE_MSIE MIE_STIE
""".split()

RISCV_EXPRESSIONS = [
    "PGROUNDUP(1)", "PGROUNDDOWN(4097)", "PA2PTE(0x80000000UL)", "PTE2PA(0x20000001UL)",
    "PTE_FLAGS(0x20000001UL)", "PXSHIFT(2)", "PX(1, 0x12345678UL)", "MAKE_SATP(0x80000000UL)",
    "sizeof(pte_t)", "sizeof(pagetable_t)",
]


def test_riscv_h_has_every_xv6_helper_and_macro():
    uses = [f"  (void)&{name};" for name in RISCV_FUNCTIONS]
    uses += [f"  (void)({expr});" for expr in RISCV_VALUES + RISCV_EXPRESSIONS]
    source = ('#include "kernel/types.h"\n#include "kernel/riscv.h"\n'
              "void probe(void)\n{\n" + "\n".join(uses) + "\n}\n")
    out = compile_user_c(source)
    assert out.returncode == 0, f"a user program using xv6's riscv.h names does not build:\n{out.stderr}"


# ---- item 2: every header path an xv6 user program may include ----

XV6_HEADERS = {
    # header: names it defines on xv6 that a program may use
    "kernel/types.h": ["sizeof(uint)", "sizeof(uint64)", "sizeof(uchar)", "sizeof(pde_t)"],
    "kernel/param.h": ["NPROC", "NCPU", "NOFILE", "NFILE", "NINODE", "NDEV", "ROOTDEV", "MAXARG",
                       "MAXOPBLOCKS", "LOGSIZE", "LOGBLOCKS", "NBUF", "FSSIZE", "MAXPATH", "USERSTACK"],
    "kernel/memlayout.h": ["UART0", "UART0_IRQ", "VIRTIO0", "VIRTIO0_IRQ", "PLIC", "PLIC_PRIORITY",
                           "PLIC_PENDING", "PLIC_SENABLE(0)", "PLIC_SPRIORITY(0)", "PLIC_SCLAIM(0)",
                           "CLINT", "CLINT_MTIMECMP(0)", "CLINT_MTIME", "KERNBASE", "PHYSTOP",
                           "TRAMPOLINE", "KSTACK(0)", "TRAPFRAME"],
    "kernel/riscv.h": ["PGSIZE", "MAXVA", "sizeof(pte_t)"],
    "kernel/stat.h": ["T_DIR", "T_FILE", "T_DEVICE", "sizeof(struct stat)"],
    "kernel/fcntl.h": ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREATE", "O_TRUNC"],
    "kernel/fs.h": ["ROOTINO", "BSIZE", "FSMAGIC", "NDIRECT", "NINDIRECT", "MAXFILE", "IPB", "BPB",
                    "DIRSIZ", "sizeof(struct superblock)", "sizeof(struct dinode)",
                    "sizeof(struct dirent)"],
    "kernel/syscall.h": ["SYS_fork", "SYS_exit", "SYS_wait", "SYS_pipe", "SYS_read", "SYS_kill",
                         "SYS_exec", "SYS_fstat", "SYS_chdir", "SYS_dup", "SYS_getpid", "SYS_sbrk",
                         "SYS_sleep", "SYS_pause", "SYS_uptime", "SYS_open", "SYS_write", "SYS_mknod",
                         "SYS_unlink", "SYS_link", "SYS_mkdir", "SYS_close"],
    "kernel/vm.h": ["SBRK_EAGER", "SBRK_LAZY"],
    "kernel/spinlock.h": ["sizeof(struct spinlock)"],
    "kernel/sleeplock.h": ["sizeof(struct sleeplock)"],
    "kernel/file.h": ["CONSOLE", "major(0x10002)", "minor(0x10002)", "mkdev(1, 2)",
                      "sizeof(struct file)", "sizeof(struct inode)", "sizeof(struct devsw)"],
    "kernel/elf.h": ["ELF_MAGIC", "ELF_PROG_LOAD", "ELF_PROG_FLAG_EXEC", "ELF_PROG_FLAG_WRITE",
                     "ELF_PROG_FLAG_READ", "sizeof(struct elfhdr)", "sizeof(struct proghdr)"],
    "kernel/proc.h": ["sizeof(struct proc)", "sizeof(struct cpu)", "sizeof(struct context)",
                      "sizeof(struct trapframe)", "RUNNABLE", "ZOMBIE"],
    "kernel/buf.h": ["sizeof(struct buf)"],
    "kernel/virtio.h": ["VIRTIO_MMIO_MAGIC_VALUE", "VIRTIO_MMIO_VERSION", "VIRTIO_MMIO_DEVICE_ID"],
    "kernel/defs.h": [],
    "user/user.h": ["SBRK_ERROR"],
}


def probe_source(includes, names):
    lines = [f'#include "{h}"' for h in includes]
    lines += ["void probe(void)", "{"] + [f"  (void)({n});" for n in names] + ["}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("header", sorted(XV6_HEADERS))
def test_xv6_header_path_compiles_in_user_code(header):
    # xv6's headers expect types.h first; defs.h, like xv6's, is kernel-only and skips user.h.
    includes = ["kernel/types.h", header] + ([] if header == "kernel/defs.h" else ["user/user.h"])
    out = compile_user_c(probe_source(includes, XV6_HEADERS[header]))
    assert out.returncode == 0, f"{header} with xv6's names does not build in user code:\n{out.stderr}"


def test_init_c_include_order_builds():
    # xv6's init.c includes these, in this order, and uses CONSOLE.
    order = ["kernel/types.h", "kernel/stat.h", "kernel/spinlock.h", "kernel/sleeplock.h",
             "kernel/fs.h", "kernel/file.h", "user/user.h", "kernel/fcntl.h"]
    out = compile_user_c(probe_source(order, ["mknod(\"console\", CONSOLE, 0)"]))
    assert out.returncode == 0, f"init.c's includes do not build:\n{out.stderr}"


def test_mmap_lab_include_order_builds():
    # The mmap lab's test program includes these, in this order, defines MAP_FAILED itself, and
    # calls mmap and munmap with size_t and off_t arguments (issue 18).
    order = ["kernel/param.h", "kernel/fcntl.h", "kernel/types.h", "kernel/stat.h", "kernel/riscv.h",
             "kernel/fs.h", "user/user.h"]
    source = probe_source(order, [
        "PROT_READ | PROT_WRITE | PROT_EXEC", "MAP_SHARED | MAP_PRIVATE",
        "mmap(0, (size_t)PGSIZE, PROT_READ, MAP_PRIVATE, 3, (off_t)0) == MAP_FAILED",
        "munmap((void *)0, (size_t)PGSIZE)"])
    source = source.replace('#include "user/user.h"\n',
                            '#include "user/user.h"\n#define MAP_FAILED ((char *) -1)\n')
    out = compile_user_c(source)
    assert out.returncode == 0, f"the mmap lab's includes and calls do not build:\n{out.stderr}"


# ---- item 3: unchecked printf formats build; our own code has no warnings ----

def test_own_user_code_builds_without_warnings():
    out = subprocess.run(["make", "-s", "check-user-warnings"], cwd=REPO, capture_output=True,
                         text=True, timeout=BUILD_TIMEOUT * 3)
    assert out.returncode == 0, f"a warning in our own user code:\n{out.stdout}{out.stderr}"
    assert re.search(r"check-user-warnings: [1-9]\d* files, no warnings", out.stdout), \
        f"expected the check to report the files it built, saw:\n{out.stdout}"


def test_mismatched_printf_formats_build_with_warnings_only():
    source = (REPO / "user" / "test" / "xv6compat22.c").read_text()
    out = compile_user_c(source, strict=False)
    assert out.returncode == 0, f"a 2022-style program with unchecked formats must build:\n{out.stderr}"
    assert "-Wformat" in out.stderr, f"expected format warnings (not silence), saw:\n{out.stderr}"
    strict = compile_user_c(source, strict=True)
    assert strict.returncode != 0, "the strict flags should refuse mismatched formats"


# ---- the 2022 spellings, run ----

@pytest.mark.harts(1, 3)
def test_2022_spellings_behave_as_on_xv6(machine, harts):
    output = machine.run("xv6compat22")
    for line in ["sleep: ok", "sbrk: ok", "sbrk-fail: ok",
                 "%p of a uint64: 0x0000000000001234", "%x of a pointer: abc",
                 "%s of 0: (null)", "%d with an extra argument: 7", "xv6compat22: OK"]:
        assert re.search("^" + re.escape(line) + "$", output, re.M), \
            f"expected the line {line!r} from xv6compat22, saw:\n{output!r}"


# ---- item 1 in user mode: privileged helpers kill, user helpers work ----

KILL_RE = r"usertrap: pid {pid} \(xv6compat\) killed: {why} at pc 0x[0-9a-f]{{16}} \(stval 0x[0-9a-f]{{16}}\)"


@pytest.mark.usertraps
def test_supervisor_helpers_kill_the_program(machine):
    names = machine.run("xv6compat priv").split()
    assert len(names) >= 20, f"expected the list of privileged helpers, saw {names}"
    for name in names:
        output = machine.run(f"xv6compat priv {name}")
        called = re.search(r"calling \S+ \(pid (\d+)\)", output)
        assert called, f"expected xv6compat to announce {name}, saw:\n{output}"
        kill = KILL_RE.format(pid=called.group(1), why="illegal instruction")
        assert re.search(kill, output), f"expected {name} to be killed by /{kill}/, saw:\n{output}"
        assert "FAILED" not in output, f"{name} ran in user mode:\n{output}"
    assert machine.run("echo still here") == "still here\n"


@pytest.mark.usertraps
def test_read_below_the_stack_kills_the_program(machine):
    output = machine.run("xv6compat below-stack")
    reading = re.search(r"reading (0x[0-9a-f]+) below the stack \(pid (\d+)\)", output)
    assert reading, f"expected xv6compat to announce its read, saw:\n{output}"
    va, pid = reading.groups()
    kill = rf"usertrap: pid {pid} \(xv6compat\) killed: load page fault at va {va} pc 0x[0-9a-f]+"
    assert re.search(kill, output), f"expected /{kill}/, saw:\n{output}"
    assert "FAILED" not in output, output


# ---- item 4: the console sends exactly the bytes written ----

def test_console_adds_no_carriage_return(machine):
    assert machine.run("echo one two") == "one two\n"
    output = machine.run("xv6compat22")
    assert "raw cr:\r|\n" in output, f"expected the program's own \\r kept, saw {output!r}"
    without_programs_cr = machine.text.replace("raw cr:\r|", "")
    assert "\r" not in without_programs_cr, \
        f"the console added a \\r somewhere:\n{without_programs_cr!r}"


def test_enter_from_a_terminal_ends_the_line(machine):
    machine.send("echo typed with cr\r")
    machine.expect(re.escape("echo typed with cr\n"), what="the \\r echoed as a newline")
    assert machine.wait_prompt() == "typed with cr\n"


# ---- the whole thing as MIT's gradelib drives it ----

GRADE_TIMEOUT = 120
GRADED_COMMANDS = [
    ("xv6compat22", [r"^sleep: ok$", r"^sbrk: ok$", r"^%s of 0: \(null\)$", r"^xv6compat22: OK$"]),
    ("xv6compat", [r"^xv6compat: OK$"]),
    ("usertests copy_to_page_end copy_from_page_end",
     [r"\ntest copy_to_page_end: [\s\S]*OK\ntest copy_from_page_end", r"^ALL TESTS PASSED$"]),
    ("cowtest cow_copy cow_reuse", [r"^cow_copy: ok$", r"^cow_reuse: ok$", r"^ALL COW TESTS PASSED$"]),
]


class RawOutput:
    """Bytes from a process's stdout, read as gradelib reads QEMU: no decoding, no cleaning."""

    def __init__(self, proc):
        self.proc = proc
        self.data = b""

    def wait_for(self, needle, start, timeout):
        """Reads until needle (bytes) appears at or after start; its offset, or None."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while needle not in self.data[start:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, READ_SIZE)
                if not chunk:
                    return None
                self.data += chunk
        return self.data.index(needle, start)


def test_gradelib_style_run_matches_raw_console():
    with QemuGdb() as target:
        # QEMU waits for the debugger; gdb attaches and continues, as gradelib's does.
        target.spawn(["gdb-multiarch", "-nx", "-batch", "-ex", "set confirm off",
                      "-ex", f"target remote 127.0.0.1:{target.port}", "-ex", "continue"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        qemu = target.qemu
        out = RawOutput(qemu)
        at = 0
        for command, patterns in GRADED_COMMANDS:
            prompt = out.wait_for(b"$ ", at, GRADE_TIMEOUT)
            assert prompt is not None, f"no prompt before {command!r}; console so far:\n{out.data!r}"
            at = prompt + 2
            qemu.stdin.write(command.encode() + b"\n")
            qemu.stdin.flush()
            assert out.wait_for(b"\n$ ", at, GRADE_TIMEOUT) is not None, \
                f"{command!r} did not finish; console:\n{out.data[at:]!r}"
            text = out.data[at:].decode("utf-8", errors="replace")
            for pattern in patterns:
                assert re.search(pattern, text, re.M), \
                    f"grader pattern /{pattern}/ does not match {command!r}'s raw output:\n{text!r}"
        added = out.data.replace(b"raw cr:\r|", b"")   # the one \r a program wrote
        assert b"\r" not in added, f"the raw console holds a \\r:\n{out.data!r}"
