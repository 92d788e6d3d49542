"""
test_debug.py: the README's debugging steps work on a fresh machine. gdb,
started the way `make gdb` starts it, attaches to `make qemu-gdb`, stops in
the copy-on-write fault path, shows its locals (not "<optimized out>") and a
backtrace, runs the project's macros from that frame, and stops in a user
program by its source-level name. The disk holds stripped programs and gdb's
copies keep their line tables.
"""
import os
import re
import select
import shlex
import subprocess
import time

from conftest import READ_SIZE, REPO, QemuGdb

GDB_TIMEOUT = 120           # seconds for the whole gdb session
POLL_SECONDS = 0.2         # how often to look at the console while gdb runs
USER_PROGRAM = "usertests"  # the one program we stop in
USER_FUNCTION = "sbrklazy_rw"     # ... in this function (a quick usertests test whose code lies above every other program's text)
GDBINIT_PAIRS = 20          # pairs of makes rewriting .gdbinit at once
GDBINIT_FIRST_PORT = 41000  # the ports they ask for: any numbers, never connected to
USER_DIRS = [REPO / "user", REPO / "user" / "test"]   # where the Makefile puts programs


def make_value(name, *args):
    out = subprocess.run(["make", "-s", f"print-{name}", *args], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, f"make print-{name}: {out.stderr}"
    return out.stdout.strip()


def symbol_address(path, name):
    nm = subprocess.run([make_value("TOOLPREFIX") + "nm", str(path)], capture_output=True,
                        text=True, check=True).stdout
    found = re.search(rf"^([0-9a-f]+) [tT] {re.escape(name)}$", nm, re.M)
    assert found, f"no function {name} in {path}"
    return int(found.group(1), 16)


def text_end(path):
    """The end address of the program's executable segments: nothing it runs lies above."""
    out = subprocess.run([make_value("TOOLPREFIX") + "readelf", "-lW", str(path)],
                         capture_output=True, text=True, check=True).stdout
    ends = [int(vaddr, 16) + int(memsz, 16) for vaddr, memsz, flags in
            re.findall(r"^\s*LOAD\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+([RWE ]+?)\s+0x", out, re.M)
            if "E" in flags]
    assert ends, f"no executable segment in {path}:\n{out}"
    return max(ends)


def test_gdb_session_shows_fault_path_and_user_code():
    # Every program is linked at 0: a breakpoint fires in whichever program
    # runs that address. Stop where only USER_PROGRAM has code.
    target = symbol_address(REPO / "user" / f"{USER_PROGRAM}.debug", USER_FUNCTION)
    others = [p for d in USER_DIRS for p in d.glob("*.debug") if p.stem != USER_PROGRAM]
    assert all(text_end(p) <= target for p in others), \
        f"{USER_FUNCTION} at {target:#x} lies inside another program's text; pick another function"

    with QemuGdb() as target:
        script = [
            "break fault_copy", "continue",
            "bt", "up 2", "echo <locals>\\n", "info locals", "echo </locals>\\n",
            "pageref f.old_pa f.pte", "freepages", "ps", "set $pa = f.old_pa", "set $pte = f.pte",
            "delete", f"uprog {USER_PROGRAM}", f"break {USER_FUNCTION}", "continue", "bt",
            # From the user frame, where satp does not map the kernel.
            "echo <user frame>\\n", "pageref $pa $pte", "freepages", "ps",
        ]
        command = shlex.split(make_value("GDBCMD", f"GDBPORT={target.port}"))
        command += ["-batch"] + [arg for line in script for arg in ("-ex", line)]
        gdb = target.spawn(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        # Give the shell commands while gdb waits: the first makes a process
        # copy a shared page (if booting has not already), the second runs
        # the user function.
        qemu = target.qemu
        commands = [b"cowtest cow_copy\n", f"{USER_PROGRAM} {USER_FUNCTION}\n".encode()]
        console = b""
        prompts = 0
        deadline = time.monotonic() + GDB_TIMEOUT
        while gdb.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([qemu.stdout], [], [], POLL_SECONDS)
            if ready:
                console += os.read(qemu.stdout.fileno(), READ_SIZE)
            if console.count(b"\n$ ") > prompts and commands:
                prompts = console.count(b"\n$ ")
                qemu.stdin.write(commands.pop(0))
                qemu.stdin.flush()
        assert gdb.poll() is not None, f"gdb did not finish its script in {GDB_TIMEOUT} s"
        out = gdb.stdout.read()

    assert "auto-loading has been declined" not in out, out
    assert re.search(r"Breakpoint 1, fault_copy \(f=(?:f@entry=)?0x[0-9a-f]+\) at kernel/mm/fault\.c", out), \
        f"expected gdb to stop in fault_copy:\n{out}"
    assert re.search(r"#1 .*fault_act \(", out) and re.search(r"#2 .*fault_resolve \(", out), \
        f"expected fault_act, then fault_resolve, in the backtrace:\n{out}"
    # `info locals` in fault_resolve: the fault context, with the decision's inputs and result.
    refs = re.search(r"^f = \{va = \d+, pte = 0x[0-9a-f]+, .*\brefs = (\d+), .*\bstep = FAULT_COPY\b",
                     out, re.M)
    assert refs, f"expected fault_resolve's locals to show the fault context:\n{out}"
    locals_shown = re.search(r"<locals>\n(.*)</locals>", out, re.S)
    assert locals_shown and "<optimized out>" not in locals_shown.group(1), \
        f"expected every local of fault_resolve to be readable:\n{out}"
    kernel_part, _, user_part = out.partition("<user frame>")
    assert user_part, f"expected gdb to reach the user frame's commands:\n{out}"
    resolve = re.search(r"#2 .*fault_resolve \((.*)\) at", kernel_part)
    assert resolve and re.search(r"\bva=(?:va@entry=)?\d+", resolve.group(1)) and \
        "<optimized out>" not in resolve.group(1), \
        f"expected fault_resolve's arguments, the faulting va among them, readable in the backtrace:\n{out}"
    page_re = re.compile(r"^page 0x[0-9a-f]+: (\d+) references?, (\d+) owners? "
                         r"\(its leaf table has (\d+) references?\)$", re.M)
    page = page_re.search(kernel_part)
    assert page and int(page.group(1)) == int(refs.group(1)) >= 2, \
        f"expected `pageref` from fault_resolve's frame to show the page's {refs.group(1)} references:\n{out}"
    references, owners, table = map(int, page.groups())
    assert owners == references - 1 + table, \
        f"expected owners = references - 1 + the leaf table's references:\n{out}"
    for part, where in ((kernel_part, "fault_resolve's frame"), (user_part, "a user frame")):
        assert "Cannot access memory" not in part, f"expected every command to read memory from {where}:\n{out}"
        assert re.search(r"^page 0x[0-9a-f]+: \d+ reference", part, re.M), \
            f"expected `pageref`'s line from {where}:\n{out}"
        assert re.search(r"^\d+ free pages$", part, re.M), f"expected `freepages`' line from {where}:\n{out}"
        assert re.search(r"^pid 1 +state (SLEEPING|RUNNABLE|RUNNING) +name init", part, re.M), \
            f"expected `ps` to list init with its state's name from {where}:\n{out}"
    assert re.search(rf"Breakpoint \d+, {USER_FUNCTION} \(\) at user/{USER_PROGRAM}\.c:\d+", out), \
        f"expected gdb to stop in {USER_PROGRAM}'s {USER_FUNCTION} at a source line:\n{out}"
    assert re.search(rf"#\d+ .*main \(argc=.*\) at user/{USER_PROGRAM}\.c:\d+", out), \
        f"expected the user backtrace to reach main in its source:\n{out}"


def test_disk_programs_are_stripped_and_debug_copies_are_not():
    objdump = make_value("TOOLPREFIX") + "objdump"
    programs = sorted(p for d in USER_DIRS for p in d.glob("_*"))
    assert programs, "no user/_NAME programs: run make first"
    assert any(p.parent.name == "test" for p in programs), "no user/test/_NAME programs: run make first"
    for disk_copy in programs:
        debug_copy = disk_copy.parent / f"{disk_copy.name[1:]}.debug"
        assert debug_copy.exists(), f"no {debug_copy.name} kept for gdb beside {disk_copy.name}"
        sections = {p: subprocess.run([objdump, "-h", str(p)], capture_output=True, text=True,
                                      check=True).stdout for p in (disk_copy, debug_copy)}
        assert ".debug_line" not in sections[disk_copy], f"{disk_copy.name} on the disk has line tables"
        assert ".debug_line" in sections[debug_copy], f"{debug_copy.name} lost its line tables"


def test_uprog_finds_programs_in_user_and_in_user_test(tmp_path):
    # Only the macro, from the template: the rest of .gdbinit connects to QEMU.
    template = (REPO / "tools" / "gdbinit.tmpl").read_text()
    macro = re.search(r"^define uprog\n.*?^end\n", template, re.M | re.S)
    assert macro, "expected a `define uprog ... end` block in tools/gdbinit.tmpl"
    script = tmp_path / "uprog.gdb"
    script.write_text(macro.group(0))
    for name, source in (("cat", "user/cat.c"), ("stress", "user/test/stress.c")):
        out = subprocess.run(["gdb-multiarch", "-batch", "-nx", "-x", str(script),
                              "-ex", f"uprog {name}", "-ex", "info line main"],
                             cwd=REPO, capture_output=True, text=True, timeout=GDB_TIMEOUT)
        assert f'of "{source}" starts at address' in out.stdout, \
            f"expected `uprog {name}` to load {source}'s line table, saw:\n{out.stdout}{out.stderr}"


def test_makes_writing_gdbinit_at_once_do_not_collide():
    # `make qemu-gdb` and `make gdb` started together both rewrite .gdbinit; each pair
    # asks for different ports, so both really write, every time.
    for pair in range(GDBINIT_PAIRS):
        ports = (GDBINIT_FIRST_PORT + 2 * pair, GDBINIT_FIRST_PORT + 2 * pair + 1)
        makes = [subprocess.Popen(["make", "-s", ".gdbinit", f"GDBPORT={port}"], cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for port in ports]
        for make, port in zip(makes, ports):
            out, _ = make.communicate(timeout=GDB_TIMEOUT)
            assert make.returncode == 0, f"make .gdbinit GDBPORT={port} failed beside another:\n{out}"
        written = (REPO / ".gdbinit").read_text()
        assert any(f"127.0.0.1:{port}\n" in written for port in ports), \
            f"expected .gdbinit to name one of the ports {ports}:\n{written[:300]}"
    leftovers = sorted(p.name for p in REPO.glob(".gdbinit.*"))
    assert not leftovers, f"expected no temporary .gdbinit files left, saw {leftovers}"
    subprocess.run(["make", "-s", ".gdbinit"], cwd=REPO, check=True)   # back to this user's port
