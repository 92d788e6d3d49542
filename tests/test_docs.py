"""
test_docs.py: docs/xv6-names.md, the map from xv6's kernel names to ours, says
only true things about the tree. Every name in an "ours" column is defined in
a file its row names, every file it names exists, and the names that students
meet in the xv6 book and the lab handouts all have a row. No QEMU needed.

Format read here (the page itself explains it to writers):
  | xv6 name | ours | where | note |   our C names in backticks under "ours",
                                        the defining file(s) in backticks under "where"
  | xv6 file | ours | note |           our paths in backticks under "ours"
A row with no backticked name under "ours" must say "no equivalent" and give
the reason with "because".

The notes must stay true too: every C name a note mentions in backticks (an
identifier followed by '(', one with an underscore such as `pt_walk` or
`PTE_COW`, or an upper-case constant such as `TRAPFRAME`) is defined in the
tree, unless it is one of xv6's names or a parameter the note lists, as in
`(pt, va, modify)`. Renaming a kernel function then fails here until the
notes that mention it follow.

README.md and the other pages: every page they link to or name exists, every
`make` goal README shows is a Makefile target, and README's quick start keeps
a block of two commands for each of run, test, debug and measure. The
addresses labelled in docs/vm.md's picture of the user address space are the
values the kernel's headers give those names.
"""
import re
from dataclasses import dataclass

from conftest import REPO

DOC = REPO / "docs" / "xv6-names.md"
DOC_NAME = "docs/xv6-names.md"

FUNCTION_HEADER = ("xv6 name", "ours", "where", "note")
FILE_HEADER = ("xv6 file", "ours", "note")
KNOWN_HEADERS = {FUNCTION_HEADER: "function", FILE_HEADER: "file"}

SEPARATOR_RE = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")
BACKTICKED_RE = re.compile(r"`([^`]+)`")
IDENTIFIER_RE = re.compile(r"^[A-Za-z_]\w*$")
# A backticked note text that names C: an identifier alone or followed by '('.
NOTE_NAME_RE = re.compile(r"^([A-Za-z_]\w*)(?:\(.*\))?$")
# ... and which of those are ours to check: called, or shaped like a kernel
# name. Plain lower-case words (`satp`, `wfi`, `sz`) are registers,
# instructions and variables as often as functions, so they are not checked.
KERNEL_NAME_RE = re.compile(r"^(?:[A-Za-z]\w*_\w*|_[A-Za-z]\w*|[A-Z][A-Z0-9]+)$")
# A backticked argument list, `(pt, va, npages, free_pages)`: its names are parameters.
ARGUMENT_LIST_RE = re.compile(r"^\(([\w\s,]*)\)$")
# Where a note's name may be defined besides the files of its row.
SOURCE_DIRS = ["kernel", "user", "mkfs"]
SOURCE_SUFFIXES = {".c", ".h", ".S", ".ld"}
NO_EQUIVALENT = "no equivalent"
REASON_WORD = "because"

# The rows the issue quotes by name: each must be in a function table.
QUOTED_BY_ISSUE = ["kalloc", "kfree", "walk", "mappages", "uvmcopy", "usertrap", "sleep",
                   "argint", "copyout"]

# xv6's kernel/defs.h function list, plus the assembly entry points and
# system call handlers that the book and the lab handouts name.
XV6_KERNEL_NAMES = """
kalloc kfree kinit
walk walkaddr mappages uvmcreate uvmfirst uvmalloc uvmdealloc uvmcopy uvmfree uvmunmap uvmclear
copyin copyout copyinstr kvminit kvminithart kvmmap proc_pagetable proc_freepagetable
cpuid procinit userinit proc_mapstacks
fork exit wait growproc sched scheduler sleep wakeup yield kill killed setkilled
either_copyin either_copyout procdump myproc mycpu
usertrap usertrapret kerneltrap devintr clockintr trapinit trapinithart
syscall argint argaddr argstr fetchaddr fetchstr
acquire release holding push_off pop_off initlock
acquiresleep releasesleep holdingsleep initsleeplock
binit bread bwrite brelse bpin bunpin
begin_op end_op log_write initlog
fsinit iinit ialloc iget idup ilock iunlock iput iunlockput iupdate itrunc stati readi writei
namei nameiparent dirlookup dirlink namecmp bmap balloc bfree
fileinit filealloc filedup fileclose filestat fileread filewrite
pipealloc pipeclose piperead pipewrite
consoleinit consoleintr consputc
uartinit uartintr uartputc uartputc_sync uartgetc
plicinit plicinithart plic_claim plic_complete
virtio_disk_init virtio_disk_rw virtio_disk_intr
exec printf panic printfinit
memset memmove memcmp strncpy safestrcpy strlen strncmp
main start timerinit _entry swtch trampoline uservec userret kernelvec timervec
sys_fork sys_exit sys_wait sys_pipe sys_read sys_kill sys_exec sys_fstat sys_chdir sys_dup
sys_getpid sys_sbrk sys_sleep sys_uptime sys_open sys_write sys_mknod sys_unlink sys_link
sys_mkdir sys_close
""".split()

XV6_KERNEL_FILES = ["kernel/" + f for f in """
kalloc.c vm.c proc.c trap.c syscall.c sysproc.c sysfile.c exec.c bio.c log.c fs.c file.c
pipe.c console.c uart.c printf.c plic.c virtio_disk.c spinlock.c sleeplock.c string.c
start.c main.c entry.S trampoline.S kernelvec.S swtch.S
defs.h riscv.h memlayout.h proc.h param.h types.h fs.h file.h buf.h syscall.h
spinlock.h sleeplock.h stat.h fcntl.h elf.h virtio.h
""".split()]


@dataclass
class Row:
    kind: str      # "function" or "file"
    line: int      # 1-based line number in the doc
    cells: dict    # header name -> cell text

    def where(self):
        return f"{DOC_NAME} line {self.line}"

    def ticked(self, column):
        return BACKTICKED_RE.findall(self.cells[column])


def split_cells(line):
    """`| a | b |` -> ["a", "b"]."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def read_tables():
    """
    Every table in the doc as (kind, header line number, rows). kind is None
    for a header the test does not know. Rows whose cell count differs from
    the header's are returned with cells=None so the format test can name them.
    """
    lines = DOC.read_text().splitlines()
    tables = []
    i = 0
    while i < len(lines):
        is_header = (lines[i].startswith("|") and i + 1 < len(lines)
                     and SEPARATOR_RE.match(lines[i + 1]))
        if not is_header:
            i += 1
            continue
        header = tuple(cell.lower() for cell in split_cells(lines[i]))
        kind = KNOWN_HEADERS.get(header)
        header_line = i + 1
        rows = []
        i += 2
        while i < len(lines) and lines[i].startswith("|"):
            cells = split_cells(lines[i])
            rows.append(Row(kind, i + 1, dict(zip(header, cells)) if len(cells) == len(header) else None))
            i += 1
        tables.append((kind, header_line, header, rows))
    return tables


def rows_of(kind):
    return [row for k, _, _, rows in read_tables() if k == kind for row in rows if row.cells]


# ---- finding a definition in a source file ----

def without_c_comments(text):
    """C text with /* */ and // comments blanked out, keeping line breaks (so ^ still works)."""
    def blank(match):
        return re.sub(r"[^\n]", " ", match.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, text, flags=re.S)


def matching_paren(text, open_at):
    """Index just past the ')' that closes the '(' at open_at, or -1."""
    try:
        return split_arguments(text, open_at)[1]
    except ValueError:
        return -1


def opens_a_body(text, at):
    """Does a function body '{' follow position at (after spaces and __attribute__((...)))?"""
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if text.startswith("__attribute__", at):
            paren = text.find("(", at)
            at = matching_paren(text, paren) if paren >= 0 else -1
            if at < 0:
                return False
            continue
        return text.startswith("{", at)


def has_function_definition(text, name):
    """
    A file-scope definition: the name at the start of a line (return type on the
    line before) or after its return type on the same line, then a parameter
    list and a body. Prototypes, which end in ';', do not count.
    """
    pattern = re.compile(rf"^(?!extern\b)(?:[A-Za-z_][\w \t*]*?[ \t*])?{re.escape(name)}[ \t]*\(", re.M)
    for match in pattern.finditer(text):
        close = matching_paren(text, match.end() - 1)
        if close > 0 and opens_a_body(text, close):
            return True
    return False


def c_definition_kinds(name):
    """Regexes for the non-function ways a C name can be defined."""
    n = re.escape(name)
    arrays = r"(?:\[[^\]\n]*\][ \t]*)*"
    return [
        rf"^[ \t]*#[ \t]*define[ \t]+{n}\b",                                       # macro
        rf"^(?!extern\b)(?:__attribute__\(\(.*?\)\)[ \t]*)?[A-Za-z_][\w \t*]*?[ \t*]{n}[ \t]*{arrays}(?:=|;)",
        rf"^(?!extern\b)[A-Za-z_][^;\n]*\([ \t]*\*[ \t]*(?:const[ \t]+)?{n}[ \t]*{arrays}\)[ \t]*\(",
        rf"^\}}[ \t]*{n}[ \t]*{arrays};",                                           # } var; after a struct body
        rf"^typedef\b[^;]*\b{n}[ \t]*;",                                            # typedef
        rf"\benum\b[^;{{]*\{{(?:[^}}]*?[,\s])?{n}[ \t]*(?:=[^,}}]*)?[,}}]",                # enum constant
    ]


def is_defined_in(path, name):
    """Is name defined in the file at path (relative to the repository)?"""
    text = (REPO / path).read_text()
    if path.endswith(".ld"):                                     # linker script symbol
        return re.search(rf"(?:^|[\s(]){re.escape(name)}[ \t]*=", text, re.M) is not None
    if path.endswith(".S"):
        return re.search(rf"^[ \t]*{re.escape(name)}:", text, re.M) is not None
    code = without_c_comments(text)
    if has_function_definition(code, name):
        return True
    return any(re.search(p, code, re.M) for p in c_definition_kinds(name))


# ---- the tests ----

def test_doc_exists_and_has_both_kinds_of_table():
    assert DOC.exists(), f"expected {DOC_NAME} to exist"
    kinds = [kind for kind, _, _, _ in read_tables()]
    assert "function" in kinds and "file" in kinds, (
        f"expected at least one `| {' | '.join(FUNCTION_HEADER)} |` table and one "
        f"`| {' | '.join(FILE_HEADER)} |` table in {DOC_NAME}, saw table kinds {kinds}")


def test_doc_tables_follow_the_format():
    problems = []
    for kind, header_line, header, rows in read_tables():
        if kind is None:
            problems.append(f"{DOC_NAME} line {header_line}: unknown table header {list(header)}; "
                            f"expected {list(FUNCTION_HEADER)} or {list(FILE_HEADER)}")
            continue
        for row in rows:
            if row.cells is None:
                problems.append(f"{DOC_NAME} line {row.line}: expected {len(header)} cells "
                                f"({' | '.join(header)}), saw a different number")
                continue
            ours = row.ticked("ours")
            if not ours:
                if NO_EQUIVALENT not in row.cells["ours"].lower():
                    problems.append(f"{row.where()}: `ours` has no backticked name and does not "
                                    f"say {NO_EQUIVALENT!r}: {row.cells['ours']!r}")
                elif REASON_WORD not in row.cells["note"].lower():
                    problems.append(f"{row.where()}: {NO_EQUIVALENT!r} without a reason: expected "
                                    f"{REASON_WORD!r} in the note, saw {row.cells['note']!r}")
                continue
            if kind == "function":
                bad = [name for name in ours if not IDENTIFIER_RE.match(name)]
                if bad:
                    problems.append(f"{row.where()}: `ours` should hold plain C identifiers, saw {bad}")
                if not row.ticked("where"):
                    problems.append(f"{row.where()}: names {ours} but no backticked file under `where`")
    assert not problems, "\n".join(problems)


def test_every_file_the_doc_names_exists():
    missing = []
    for row in rows_of("function"):
        for path in row.ticked("where"):
            if not (REPO / path).is_file():
                missing.append(f"{row.where()}: file {path} (for {row.ticked('ours')}) does not exist")
    for row in rows_of("file"):
        for path in row.ticked("ours"):
            if not (REPO / path).exists():
                missing.append(f"{row.where()}: our file {path} (for {row.cells['xv6 file']}) "
                               f"does not exist")
    assert not missing, "\n".join(missing)


def test_every_name_in_ours_is_defined_in_its_file():
    missing = []
    for row in rows_of("function"):
        files = [p for p in row.ticked("where") if (REPO / p).is_file()]
        if not files:
            continue   # reported by the format and file tests
        for name in row.ticked("ours"):
            if IDENTIFIER_RE.match(name) and not any(is_defined_in(p, name) for p in files):
                missing.append(f"{row.where()}: `{name}` is not defined in {', '.join(files)} "
                               f"(row for {row.cells['xv6 name']})")
    assert not missing, "\n".join(missing)


def xv6_names_with_rows():
    return {name for row in rows_of("function") for name in row.ticked("xv6 name")}


def test_rows_the_issue_quotes_exist():
    have = xv6_names_with_rows()
    missing = [name for name in QUOTED_BY_ISSUE if name not in have]
    assert not missing, f"expected a row whose `xv6 name` is each of {QUOTED_BY_ISSUE} in {DOC_NAME}; " \
                        f"missing: {missing}"


def test_every_xv6_kernel_name_has_a_row():
    have = xv6_names_with_rows()
    missing = [name for name in XV6_KERNEL_NAMES if name not in have]
    assert not missing, f"expected a row in {DOC_NAME} for each xv6 kernel name; missing: {missing}"


def test_every_xv6_kernel_file_has_a_row():
    have = {path for row in rows_of("file") for path in row.ticked("xv6 file")}
    missing = [path for path in XV6_KERNEL_FILES if path not in have]
    assert not missing, f"expected a row in {DOC_NAME}'s file table for each xv6 file; missing: {missing}"


# ---- the notes ----

def note_names(note):
    """The C names a note mentions that the tree must define, and the parameters it lists."""
    ticked = BACKTICKED_RE.findall(note)
    parameters = {name.strip() for text in ticked if (args := ARGUMENT_LIST_RE.match(text))
                  for name in args.group(1).split(",")}
    names = []
    for text in ticked:
        found = NOTE_NAME_RE.match(text)
        if found and (text.endswith(")") or KERNEL_NAME_RE.match(found.group(1))):
            if found.group(1) not in parameters and found.group(1) not in names:
                names.append(found.group(1))
    return names


def source_files():
    return sorted(str(p.relative_to(REPO)) for d in SOURCE_DIRS for p in (REPO / d).rglob("*")
                  if p.suffix in SOURCE_SUFFIXES and p.is_file())


def test_note_names_are_picked_out():
    note = ("Same `(pt, va, modify)`: with `modify` it un-shares through `leaf_table_own` and "
            "clears `PTE_TABLE_PROTECTED`; calls `csr_read(scause)` and `kvm_init`, as xv6's "
            "`walk(pt, va, 1)` does, unlike `satp`, `TRAPFRAME` or `wfi`; see `tests/x.py`.")
    names = note_names(note)
    assert names == ["leaf_table_own", "PTE_TABLE_PROTECTED", "csr_read", "kvm_init", "walk",
                     "TRAPFRAME"], f"unexpected names picked from the sample note: {names}"


def test_every_name_a_note_mentions_is_defined():
    xv6_names = xv6_names_with_rows() | set(XV6_KERNEL_NAMES)
    sources = source_files()
    checked = 0
    missing = []
    for row in rows_of("function") + rows_of("file"):
        own = [p for p in row.ticked("where") if (REPO / p).is_file()] if row.kind == "function" else []
        for name in note_names(row.cells["note"]):
            if name in xv6_names:
                continue   # xv6's own name, quoted to compare with
            checked += 1
            if not any(is_defined_in(p, name) for p in own + sources):
                missing.append(f"{row.where()}: the note names `{name}`, which nothing in "
                               f"{', '.join(own + SOURCE_DIRS)} defines")
    assert checked > 0, f"expected the notes of {DOC_NAME} to name some of our functions"
    assert not missing, "\n".join(missing)



# ---- README and the other pages ----

README_NAME = "README.md"
MARKDOWN_LINK_RE = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
DOC_PATH_RE = re.compile(r"(?<![\w/.])(docs/[\w.-]+\.md)")
MAKE_COMMAND_RE = re.compile(r"^\s+make\s+([^#\n]*)", re.M)
MAKEFILE_TARGET_RE = re.compile(r"^([A-Za-z][\w.-]*(?:[ \t]+[A-Za-z][\w.-]*)*)[ \t]*:(?!=)", re.M)
# What README must keep: a quick start with two commands for each thing a new user does.
QUICK_START = {"run": "make qemu", "test": "make test", "debug": "make qemu-gdb",
               "measure": "make bench"}   # task -> the command its block starts with


def pages():
    """README.md and every page under docs/, as (relative path, text)."""
    found = [(README_NAME, (REPO / README_NAME).read_text())]
    found += [(str(p.relative_to(REPO)), p.read_text()) for p in sorted((REPO / "docs").glob("*.md"))]
    return found


def test_every_page_a_doc_links_to_exists():
    missing = []
    for name, text in pages():
        base = (REPO / name).parent
        for target in MARKDOWN_LINK_RE.findall(text):
            if "://" not in target and not (base / target).exists():
                missing.append(f"{name}: link to {target}, which does not exist")
        for path in DOC_PATH_RE.findall(text):
            if not (REPO / path).exists():
                missing.append(f"{name}: names {path}, which does not exist")
    assert not missing, "\n".join(missing)


def makefile_targets():
    text = (REPO / "Makefile").read_text()
    return {target for line in MAKEFILE_TARGET_RE.findall(text) for target in line.split()}


def make_goals(arguments):
    """The goals of a `make ...` command line: the words that are not VAR=value or options."""
    return [word for word in arguments.split() if "=" not in word and not word.startswith("-")]


def test_every_make_command_in_readme_names_a_real_target():
    targets = makefile_targets()
    text = (REPO / README_NAME).read_text()
    commands = MAKE_COMMAND_RE.findall(text)
    assert commands, f"expected `make ...` command lines in {README_NAME}"
    unknown = [f"make {args.strip()}: no target {goal!r}" for args in commands
               for goal in make_goals(args) if goal not in targets]
    assert not unknown, f"{README_NAME} shows make goals the Makefile lacks:\n" + "\n".join(unknown)


def quick_start_blocks():
    """README's quick start as {task: [command lines]}: a block of indented lines per task,
    the first one's comment opening with the task's name and a colon."""
    text = (REPO / README_NAME).read_text()
    start = text.find("## Quick start")
    assert start >= 0, f"expected a `## Quick start` section in {README_NAME}"
    end = text.find("\n## ", start + 1)
    blocks = {}
    for block in re.split(r"\n[ \t]*\n", text[start:end if end > 0 else len(text)]):
        lines = [line.strip() for line in block.splitlines() if line.startswith("    ")]
        task = re.search(r"#\s*(\w+)", lines[0]) if lines else None
        if task:
            blocks[task.group(1)] = [line.split("#")[0].strip() for line in lines]
    return blocks


def test_readme_quick_start_has_two_commands_for_each_task():
    blocks = quick_start_blocks()
    problems = []
    for task, first in QUICK_START.items():
        commands = blocks.get(task, [])
        if len(commands) != 2:
            problems.append(f"{task}: expected a block of two commands, saw {commands}")
        elif commands[0].split()[:len(first.split())] != first.split():
            problems.append(f"{task}: expected the block to start with `{first}`, saw {commands}")
    assert not problems, f"{README_NAME}'s quick start:\n" + "\n".join(problems)


# ---- docs/vm.md's picture of the user address space ----

VM_DOC = REPO / "docs" / "vm.md"
LAYOUT_HEADERS = ["kernel/riscv.h", "kernel/memlayout.h", "kernel/mm/pagetable.h"]
# A labelled address in the picture: `  NAME   0xADDRESS  +----` or `... | page |`.
PICTURE_ADDRESS_RE = re.compile(r"^\s+([A-Z][A-Z0-9_]*)\s+(0x[0-9a-f]+)\s+[+|]", re.M)
DEFINE_RE = re.compile(r"^#define[ \t]+(\w+)(\(([\w, ]*)\))?[ \t]+([^\n/]*?)[ \t]*(?:/\*.*)?$", re.M)


def header_macros():
    """Object-like and function-like #defines of the layout headers: name -> (params, body)."""
    macros = {}
    for header in LAYOUT_HEADERS:
        for name, has_params, params, body in DEFINE_RE.findall((REPO / header).read_text()):
            macros[name] = ([p.strip() for p in params.split(",")] if has_params else None, body)
    return macros


def split_arguments(text, open_at):
    """The comma-separated arguments of the call whose '(' is at open_at, and the index past ')'."""
    depth, args, start = 0, [], open_at + 1
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return args + [text[start:i]], i + 1
        elif text[i] == "," and depth == 1:
            args.append(text[start:i])
            start = i + 1
    raise ValueError(f"unbalanced call in {text!r}")


def c_value(expression, macros, depth=0):
    """The integer value of a constant C expression over the headers' macros."""
    assert depth < 20, f"macro expansion too deep in {expression!r}"
    out, i = "", 0
    for match in re.finditer(r"(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|[A-Za-z_]\w*", expression):
        if match.start() < i:
            continue
        out += expression[i:match.start()]
        i = match.end()
        if match.group(1):
            out += match.group(1)   # a number, without its U/L suffixes
            continue
        name = match.group(0)
        if name not in macros:
            raise KeyError(f"{name} is not defined in {', '.join(LAYOUT_HEADERS)}")
        params, body = macros[name]
        if params is not None:
            args, i = split_arguments(expression, expression.index("(", i))
            for param, arg in zip(params, args):
                body = re.sub(rf"\b{param}\b", f"({arg})", body)
        out += f"({c_value(body, macros, depth + 1)})"
    out += expression[i:]
    return eval(out, {"__builtins__": {}})


def test_the_address_space_picture_matches_the_headers():
    labels = PICTURE_ADDRESS_RE.findall(VM_DOC.read_text())
    assert len(labels) >= 4, f"expected labelled addresses (TRAMPOLINE, TRAPFRAME, ...) in the " \
                             f"address-space picture of docs/vm.md, found {labels}"
    macros = header_macros()
    wrong = [f"{name}: the picture says {shown}, the headers give {c_value(name, macros):#x}"
             for name, shown in labels if int(shown, 16) != c_value(name, macros)]
    assert not wrong, "docs/vm.md's address-space picture:\n" + "\n".join(wrong)
