"""
test_boot.py: the kernel boots to a shell, and everyday shell commands and
console editing keys behave. Each test boots its own machine.
"""
import re
import subprocess

import pytest
from pathlib import Path

from conftest import BOOT_BANNER, MAX_HARTS, REPO, c_define

T_DIR, T_FILE, T_DEVICE = (c_define("kernel/stat.h", t) for t in ("T_DIR", "T_FILE", "T_DEVICE"))
README = REPO / "README.md"
README_ON_DISK = "README"               # the Makefile names it as xv6 does

CTRL_D = "\x04"
CTRL_P = "\x10"
CTRL_U = "\x15"
DELETE = "\x7f"
ERASE_ECHO = "\b \b"                    # how the console rubs out one character
HART_LINES_TIMEOUT = 10                 # seconds for every hart's start-up line to show


def library_sources():
    """The user/*.c files that are the user library, not programs (ULIB_SRCS in the Makefile)."""
    found = re.search(r"^ULIB_SRCS\s*:?=(.*)$", (REPO / "Makefile").read_text(), re.M)
    assert found, "no ULIB_SRCS line in the Makefile"
    return {Path(src).name for src in found.group(1).split()}


def user_program_files():
    """{name: built program} for what mkfs puts on the disk: every user/NAME.c
    but the library as user/_NAME, and every user/test/NAME.c as user/test/_NAME."""
    library = library_sources()
    found = {p.stem: p.parent / f"_{p.stem}" for p in (REPO / "user").glob("*.c") if p.name not in library}
    found.update({p.stem: p.parent / f"_{p.stem}" for p in (REPO / "user" / "test").glob("*.c")})
    return found


def user_programs():
    """Names of the programs mkfs puts on the disk."""
    return sorted(user_program_files())


def ls_entries(output):
    """ls output -> {name: (type, size)}; ls prints `name type inode size` per line."""
    entries = {}
    for line in output.splitlines():
        fields = line.split()
        assert len(fields) == 4, f"ls line should have 4 fields, saw {line!r}"
        entries[fields[0]] = (int(fields[1]), int(fields[3]))
    return entries


def host_wc(data):
    """The numbers wc should print for data, as strings: lines, words, bytes."""
    return [str(n) for n in (data.count(b"\n"), len(data.split()), len(data))]


def test_boot_reaches_prompt(machine):
    # boot() already waited for the banner and the prompt; make sure they came in order.
    banner = machine.text.find(BOOT_BANNER)
    assert banner >= 0, f"expected {BOOT_BANNER!r} on the console, saw:\n{machine.text}"
    assert "\n$ " in machine.text[banner:], f"expected a prompt after the banner, saw:\n{machine.text}"
    # Every hart QEMU was given starts; the others print concurrently with hart 0, so wait.
    wanted = [f"kernel: hart {n} running" for n in range(machine.harts)]
    machine.wait_for(lambda text: True if all(w in text for w in wanted) else None,
                     HART_LINES_TIMEOUT, what=f"the lines {wanted}")


def test_echo(machine):
    assert machine.run("echo hello world") == "hello world\n"
    assert machine.run("echo") == "\n"


def test_ls_lists_readme_and_programs(machine):
    entries = ls_entries(machine.run("ls"))
    expected = {".": T_DIR, "..": T_DIR, "console": T_DEVICE, README_ON_DISK: T_FILE}
    expected.update({name: T_FILE for name in user_programs()})
    seen = {name: kind for name, (kind, _) in entries.items()}
    assert seen == expected, f"expected ls entries {expected}, saw {seen}"
    readme_size = README.stat().st_size
    assert entries[README_ON_DISK][1] == readme_size, \
        f"expected {README_ON_DISK} size {readme_size}, ls says {entries[README_ON_DISK][1]}"
    for name, program in user_program_files().items():
        built = program.stat().st_size
        assert entries[name][1] == built, f"expected {name} size {built}, ls says {entries[name][1]}"


def test_pipe_cat_into_wc(machine):
    out = machine.run(f"cat {README_ON_DISK} | wc")
    expected = host_wc(README.read_bytes())
    assert out.split() == expected, f"expected wc {expected}, saw {out!r}"


def test_redirection(machine):
    assert machine.run("echo into a file > f1") == ""
    assert machine.run("cat f1") == "into a file\n"
    assert machine.run("wc < f1").split() == host_wc(b"into a file\n")
    assert machine.run("cat < f1 > f2") == ""
    assert machine.run("cat f2") == "into a file\n"


def test_command_list(machine):
    assert machine.run("echo one ; echo two;echo three") == "one\ntwo\nthree\n"


def test_background(machine):
    machine.type_line("echo from the background &")
    # The job's output and the next prompt may come in either order.
    machine.expect_all([r"from the background\n", re.escape("$ ")])
    assert machine.run("echo foreground") == "foreground\n"


def test_subshell(machine):
    assert machine.run("(echo a; echo b) > pair") == ""
    assert machine.run("cat pair") == "a\nb\n"
    assert machine.run("(echo x; echo y; echo z) | wc").split() == host_wc(b"x\ny\nz\n")


def test_mkdir_and_cd(machine):
    assert machine.run("mkdir dir1") == ""
    assert machine.run("cd dir1") == ""
    assert machine.run("echo inside > f") == ""
    entries = ls_entries(machine.run("ls"))
    assert sorted(entries) == [".", "..", "f"], f"expected entries . .. f, saw {sorted(entries)}"
    assert entries["f"] == (T_FILE, len("inside\n"))
    assert machine.run("cd ..") == ""
    assert machine.run("cat dir1/f") == "inside\n"
    assert ls_entries(machine.run("ls dir1/f")) == {"dir1/f": (T_FILE, len("inside\n"))}


def test_ln_and_rm(machine):
    assert machine.run("echo linked > orig") == ""
    assert machine.run("ln orig alias") == ""
    assert machine.run("cat alias") == "linked\n"
    assert machine.run("rm orig") == ""
    assert machine.run("cat alias") == "linked\n"
    names = set(ls_entries(machine.run("ls")))
    assert "alias" in names and "orig" not in names, f"expected alias without orig, saw {sorted(names)}"


def test_grep_patterns(machine):
    assert machine.run("(echo apple; echo banana; echo cherry; echo grape) > fruit") == ""
    cases = {
        "^b": "banana\n",
        "e$": "apple\ngrape\n",
        "^a.*e$": "apple\n",
        "ch.*y": "cherry\n",
        "an*a": "banana\n",
        "pp*l": "apple\n",
        "^g.a": "grape\n",
        "^.$": "",
        "r": "cherry\ngrape\n",
    }
    for pattern, expected in cases.items():
        seen = machine.run(f"grep {pattern} fruit")
        assert seen == expected, f"grep {pattern}: expected {expected!r}, saw {seen!r}"


def test_ctrl_p_lists_processes(machine):
    machine.send(CTRL_P)
    # One line per process: pid, state, name, then its resident and shared user pages. The shell
    # prints its prompt before it blocks in read(), so ^P can find it (or init) not yet asleep.
    live = r"(?:sleep|runble|run)"
    init_line, sh_line = machine.expect_all(
        [rf"^1 {live} init resident (\d+) shared (\d+)$",
         rf"^\d+ {live} sh resident (\d+) shared (\d+)$"],
        what="^P lines for init and sh with resident and shared page counts")
    for line in (init_line, sh_line):
        resident, shared = int(line.group(1)), int(line.group(2))
        assert resident > 0 and 0 <= shared <= resident, (
            f"expected 0 <= shared <= resident and resident > 0, saw {line.group(0)!r}")
    assert machine.run("echo after") == "after\n"


def test_ctrl_u_kills_line(machine):
    machine.send("echo wrong" + CTRL_U + "echo right\n")
    machine.expect(re.escape("echo wrong" + ERASE_ECHO * len("echo wrong") + "echo right\n"),
                   what="the erased line and its replacement echoed")
    assert machine.wait_prompt() == "right\n"


def test_backspace_edits(machine):
    machine.send("echo helo" + DELETE + "lo\n")
    machine.expect(re.escape("echo helo" + ERASE_ECHO + "lo\n"), what="the edited line echoed")
    assert machine.wait_prompt() == "hello\n"


def test_ctrl_d_restarts_shell(machine):
    machine.send(CTRL_D)
    machine.expect(re.escape(BOOT_BANNER), what="init starting a new shell after ^D")
    machine.wait_prompt()
    assert machine.text.count(BOOT_BANNER) == 2, \
        f"expected the banner twice, saw it {machine.text.count(BOOT_BANNER)} times"
    assert machine.run("echo still here") == "still here\n"


def test_console_read_into_bad_buffer_fails_and_keeps_input(machine):
    # conread reads into a kernel address first (-1 expected), then the same line for real.
    machine.type_line("conread")
    machine.type_line("hello there")
    machine.expect(r"conread: OK hello there\n", what="conread's OK line with the whole typed line")
    output = machine.wait_prompt()
    assert "FAILED" not in output, f"conread reported a failure:\n{output}"


def test_unknown_system_call_is_named_in_full(machine):
    # usertests makes system call 0x1_0000000b: its low 32 bits are getpid's.
    output = machine.run("usertests syscall_number_all_bits")
    assert "test syscall_number_all_bits: OK" in output, f"expected the test to pass, saw:\n{output}"
    number = (1 << 32) | 11
    assert re.search(rf"^pid \d+ \(usertests\): unknown system call {number}$", output, re.M), (
        f"expected the console to name system call {number} in full, saw:\n{output}")


EXTRA_HARTS = 2


def test_harts_beyond_ncpu_are_parked(boot):
    # QEMU started directly with more harts than NCPU: they used to index the
    # per-hart arrays past their end and crash the kernel (in the buffer cache).
    machine = boot(MAX_HARTS + EXTRA_HARTS)
    assert machine.run("echo still here") == "still here\n"
    boot_text = machine.text
    assert re.search(rf"^kernel: {EXTRA_HARTS} harts beyond NCPU={MAX_HARTS} ignored$", boot_text, re.M), (
        f"expected the boot line naming the {EXTRA_HARTS} harts left out, saw:\n{boot_text}")
    running = sorted(int(n) for n in re.findall(r"^kernel: hart (\d+) running$", boot_text, re.M))
    assert running == list(range(MAX_HARTS)), f"expected harts 0 to {MAX_HARTS - 1} to run, saw {running}"


@pytest.mark.parametrize("cpus", [MAX_HARTS + 1, 0, "x"])
def test_make_refuses_a_hart_count_the_kernel_cannot_drive(cpus):
    result = subprocess.run(["make", "qemu", f"CPUS={cpus}"], cwd=REPO, capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode != 0, f"expected `make qemu CPUS={cpus}` to refuse, saw:\n{result.stdout}"
    assert f"CPUS={cpus}" in result.stderr and f"1 to {MAX_HARTS}" in result.stderr, (
        f"expected a message naming CPUS={cpus} and the limit {MAX_HARTS}, saw:\n{result.stderr}")
