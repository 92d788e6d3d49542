"""
test_extending.py: adding a system call cannot fail silently (issue 11).

tools/gen-usys.sh gives a user stub to every `#define SYS_name value` in
kernel/syscall.h, whatever letters, digits and underscores the name holds, and
stops the build, naming the file, line and text, on a SYS_ define it cannot
read; make then keeps no usys.S. The last test does what a student does: it adds
a system call to a copy of the tree, builds that copy and calls it under QEMU.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO, Machine, default_harts, save_transcripts

GEN_USYS = REPO / "tools" / "gen-usys.sh"
BUILD_TIMEOUT = 600          # seconds to build a copy of the tree from scratch
SCRIPT_TIMEOUT = 60
STUB_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):$", re.M)
SYS_DEFINE_RE = re.compile(r"^#define\s+SYS_(\w+)\s+(\w+)", re.M)

# What a student adds: a call whose name has an underscore and a digit.
NEW_CALL = "trace_2"
NEW_PROGRAM = "calltrace2"
# Its handler returns 3n + 7, so the output proves the kernel saw the argument.
HANDLER = f"""
/* {NEW_CALL}(n): 3n + 7; added by tests/test_extending.py. */
uint64
sys_{NEW_CALL}(void)
{{
  return 3 * (uint64)arg_int(0) + 7;
}}
"""
PROGRAM = f"""/* {NEW_PROGRAM}.c: call {NEW_CALL}(n) for each argument n and print the result. */
#include "kernel/types.h"
#include "user/user.h"

int
main(int argc, char *argv[])
{{
  for (int i = 1; i < argc; i++) {{
    int n = atoi(argv[i]);
    printf("{NEW_CALL}(%d) = %d\\n", n, {NEW_CALL}(n));
  }}
  exit(0);
}}
"""


def clean_env():
    """The environment for a nested make: none of an outer make's flags or jobserver."""
    env = dict(os.environ)
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(name, None)
    return env


def run_gen_usys(header):
    return subprocess.run(["/bin/sh", str(GEN_USYS), str(header)], capture_output=True,
                          text=True, timeout=SCRIPT_TIMEOUT)


def stubs_of(assembly):
    return set(STUB_RE.findall(assembly))


def working_files():
    """The tree's files as the lead sees them: tracked ones that exist, plus new unignored ones."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, timeout=SCRIPT_TIMEOUT)
    if listed.returncode != 0:
        pytest.skip(f"git ls-files failed in {REPO}: {listed.stderr.decode()}")
    names = [name for name in listed.stdout.decode().split("\0") if name]
    return [name for name in names if (REPO / name).is_file()]


def copy_tree(dest, files):
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target, follow_symlinks=False)


def insert_before_last(text, marker, addition, where):
    at = text.rfind(marker)
    assert at >= 0, f"expected {marker!r} in {where} to add {NEW_CALL} before it; the test needs updating"
    return text[:at] + addition + text[at:]


def add_system_call(tree):
    """Adds NEW_CALL to the copy at tree, as a student would; returns its number."""
    header = tree / "kernel" / "syscall.h"
    text = header.read_text()
    number = max(int(value) for _, value in SYS_DEFINE_RE.findall(text) if value.isdigit()) + 1
    header.write_text(insert_before_last(text, "#endif", f"#define SYS_{NEW_CALL} {number}\n\n",
                                         "kernel/syscall.h"))

    with open(tree / "kernel" / "proc" / "sysproc.c", "a") as source:
        source.write(HANDLER)
    decls = tree / "kernel" / "proc" / "sysproc.h"
    decls.write_text(insert_before_last(decls.read_text(), "#endif",
                                        f"uint64 sys_{NEW_CALL}(void);\n\n", "kernel/proc/sysproc.h"))

    dispatch = tree / "kernel" / "trap" / "syscall.c"
    text = dispatch.read_text()
    table = text.find("syscall_table[]")
    end = text.find("\n};", table)
    assert table >= 0 and end >= 0, \
        "expected a `syscall_table[] = { ... };` initializer in kernel/trap/syscall.c; the test needs updating"
    dispatch.write_text(text[:end] + f"\n  [SYS_{NEW_CALL}] = sys_{NEW_CALL}," + text[end:])

    user_h = tree / "user" / "user.h"
    user_h.write_text(insert_before_last(user_h.read_text(), "#endif",
                                         f"int {NEW_CALL}(int n);\n\n", "user/user.h"))
    (tree / "user" / f"{NEW_PROGRAM}.c").write_text(PROGRAM)
    return number


def repo_toolprefix():
    out = subprocess.run(["make", "-s", "print-TOOLPREFIX"], cwd=REPO, capture_output=True,
                         text=True, env=clean_env(), timeout=SCRIPT_TIMEOUT)
    assert out.returncode == 0, f"make print-TOOLPREFIX failed:\n{out.stderr}"
    return out.stdout.strip()


# ---- gen-usys.sh on its own ----

def test_gen_usys_gives_every_defined_name_a_stub(tmp_path):
    header = tmp_path / "syscall.h"
    header.write_text(
        "#ifndef SYSCALL_H\n#define SYSCALL_H\n"
        "#define SYS_fork 1\n"
        "#define SYS_sbrk 12\n"
        "#define SYS_sleep   13   /* also pause() */\n"
        "#define SYS_pause   SYS_sleep\n"
        "#define SYS_set_priority 30  // underscore\n"
        "#define SYS_trace2 31\n"
        "# define SYS_trace_2\t0x20\n"
        "#endif\n")
    out = run_gen_usys(header)
    assert out.returncode == 0, f"gen-usys.sh refused a valid header:\n{out.stderr}"
    expected = {"fork", "sys_sbrk", "sleep", "pause", "set_priority", "trace2", "trace_2"}
    assert stubs_of(out.stdout) == expected, \
        f"expected stubs {sorted(expected)}, saw {sorted(stubs_of(out.stdout))}:\n{out.stdout}"
    for name in ("set_priority", "trace2", "trace_2", "pause"):
        assert f"li a7, SYS_{name}\n" in out.stdout, f"the {name} stub does not load SYS_{name}:\n{out.stdout}"


def test_every_call_in_the_kernel_header_has_a_stub():
    names = [name for name, _ in SYS_DEFINE_RE.findall((REPO / "kernel" / "syscall.h").read_text())]
    out = run_gen_usys(REPO / "kernel" / "syscall.h")
    assert out.returncode == 0, f"gen-usys.sh refused kernel/syscall.h:\n{out.stderr}"
    expected = {"sys_sbrk" if name == "sbrk" else name for name in names}
    assert stubs_of(out.stdout) == expected, \
        f"expected a stub for each of {sorted(expected)}, saw {sorted(stubs_of(out.stdout))}"


UNREADABLE = [
    "#define SYS_nothing",
    "#define SYS_macro(x) 24",
    "#define SYS_sum 24 + 1",
    "#define SYS_word twenty",
    "#define SYS_orphan SYS_undefined_before",
    "#define SYS_9lives 24",
    "#define SYS_fork 24",          # a second stub named fork
    "#define SYS_dash-name 24",
]


@pytest.mark.parametrize("line", UNREADABLE)
def test_gen_usys_refuses_a_define_it_cannot_read(tmp_path, line):
    header = tmp_path / "syscall.h"
    header.write_text(f"/* header */\n#define SYS_fork 1\n{line}\n#define SYS_exit 2\n")
    out = run_gen_usys(header)
    assert out.returncode != 0, f"expected gen-usys.sh to fail on {line!r}; it exited 0 with:\n{out.stdout}"
    for part in (f"{header}:3:", line):
        assert part in out.stderr, f"expected {part!r} in gen-usys.sh's message, saw:\n{out.stderr}"


def test_failed_generation_leaves_no_usys_for_make_to_accept(tmp_path):
    for name in ("Makefile", "tools/gen-usys.sh", "tools/deps.sh", "kernel/syscall.h"):
        copy_tree(tmp_path, [name])
    (tmp_path / "user").mkdir()
    usys = tmp_path / "user" / "usys.S"
    make = ["make", "-s", "user/usys.S", f"TOOLPREFIX={repo_toolprefix()}"]
    built = subprocess.run(make, cwd=tmp_path, capture_output=True, text=True, env=clean_env(),
                           timeout=SCRIPT_TIMEOUT)
    assert built.returncode == 0 and usys.exists(), f"make user/usys.S failed:\n{built.stderr}"

    header = tmp_path / "kernel" / "syscall.h"
    header.write_text(header.read_text().replace("#define SYS_close", "#define SYS_close_ oops"))
    for attempt in ("first", "second"):
        out = subprocess.run(make, cwd=tmp_path, capture_output=True, text=True, env=clean_env(),
                             timeout=SCRIPT_TIMEOUT)
        assert out.returncode != 0, f"the {attempt} make after breaking syscall.h succeeded"
        assert "SYS_close_ oops" in out.stderr, f"expected the bad line in make's output:\n{out.stderr}"
        left = sorted(p.name for p in usys.parent.iterdir())
        assert left == [], f"expected no usys.S (or temporary) after the {attempt} failure, saw {left}"


# ---- a new system call, end to end ----

@pytest.mark.timeout(BUILD_TIMEOUT + 180)
def test_new_system_call_builds_and_runs(tmp_path, request):
    tree = tmp_path / "tree"
    copy_tree(tree, working_files())
    number = add_system_call(tree)
    build = subprocess.run(["make", "-j2", "all", f"TOOLPREFIX={repo_toolprefix()}"], cwd=tree,
                           capture_output=True, text=True, env=clean_env(), timeout=BUILD_TIMEOUT)
    assert build.returncode == 0, \
        f"the tree with SYS_{NEW_CALL} {number} added does not build:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    assert f"{NEW_CALL}:" in (tree / "user" / "usys.S").read_text(), f"usys.S has no {NEW_CALL} stub"

    machine = Machine(request.node.name, default_harts(request.config),
                      kernel=tree / "kernel" / "kernel", disk=tree / "fs.img")
    try:
        machine.boot()
        output = machine.run(f"{NEW_PROGRAM} 5 -4 1000")
    finally:
        machine.stop()
        save_transcripts(request.node.nodeid, [machine])
    for n in (5, -4, 1000):
        line = f"{NEW_CALL}({n}) = {3 * n + 7}"
        assert line in output.splitlines(), f"expected the line {line!r} from {NEW_PROGRAM}, saw:\n{output}"
    assert not machine.problems(), "console showed a kernel failure:\n" + "\n".join(machine.problems())
