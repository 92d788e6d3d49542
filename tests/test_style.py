"""
test_style.py: the kernel writes every function definition in one style, the
return type on a line of its own and the name at the start of the next:

    static struct buf *
    bget(uint dev, uint blockno)
    {

so that `grep -n '^bget(' kernel/*/*.c` finds the definition and nothing else
(calls and prototypes are never at the start of a line). No QEMU needed.
"""
import re

from conftest import REPO

KERNEL = REPO / "kernel"

IDENT_BEFORE_RE = re.compile(r"([A-Za-z_]\w*)\s*$")
ATTRIBUTE_RE = re.compile(r"__attribute__\s*$")


def blank(match):
    """The matched text with every character but newlines turned into a space."""
    return re.sub(r"[^\n]", " ", match.group(0))


def code_only(text):
    """
    C text with comments, string and character literals and preprocessor lines
    blanked out, keeping every offset and line break, so braces and parentheses
    left are the code's own.
    """
    text = re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text,
                  flags=re.S)
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", blank, text, flags=re.M)


def matching_open(code, close_at):
    """Index of the '(' that the ')' at close_at closes, or -1."""
    depth = 0
    for i in range(close_at, -1, -1):
        if code[i] == ")":
            depth += 1
        elif code[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    return -1


def strip_trailing_attributes(head):
    """head without any `__attribute__((...))` after its parameter list."""
    while head.endswith(")"):
        open_at = matching_open(head, len(head) - 1)
        if open_at < 0 or not ATTRIBUTE_RE.search(head[:open_at]):
            break
        head = ATTRIBUTE_RE.sub("", head[:open_at]).rstrip()
    return head


def function_definitions(text):
    """
    Every file-scope function definition in the C text, as (offset of its
    name, name). A definition is a '{' at brace depth 0 whose head (the text
    since the last ';' or '}' at depth 0) ends in a parameter list and holds no
    '=' (which would make it an initialised variable).
    """
    code = code_only(text)
    found = []
    depth = 0
    head_start = 0
    for i, ch in enumerate(code):
        if ch == "{":
            if depth == 0:
                head = strip_trailing_attributes(code[head_start:i].rstrip())
                if head.endswith(")") and "=" not in head:
                    open_at = matching_open(head, len(head) - 1)
                    name = IDENT_BEFORE_RE.search(head[:open_at]) if open_at > 0 else None
                    if name:
                        found.append((head_start + name.start(1), name.group(1)))
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                head_start = i + 1
        elif ch == ";" and depth == 0:
            head_start = i + 1
    return found


def misplaced_names(text):
    """(line number, name) of each definition whose name does not start its line."""
    bad = []
    for offset, name in function_definitions(text):
        line_start = text.rfind("\n", 0, offset) + 1
        if offset != line_start:
            bad.append((text.count("\n", 0, offset) + 1, name))
    return bad


def test_the_finder_tells_the_two_styles_apart():
    sample = ("static int table[2] = { 1, 2 };\n"
              "struct pair { int a, b; };\n"
              "int\nright(void)\n{\n  if (x) { y(); }\n  return 0;\n}\n"
              "static struct buf *wrong(int a,\n                        int b)\n{\n  return 0;\n}\n"
              "void __attribute__((noreturn))\nalso_right(void)\n{\n  for (;;) ;\n}\n"
              "void also_wrong(void) __attribute__((noreturn));\n"
              "void also_wrong(void) { \"}\"; '{'; /* } */ }\n")
    names = [name for _, name in function_definitions(sample)]
    assert names == ["right", "wrong", "also_right", "also_wrong"], \
        f"expected the four definitions of the sample, found {names}"
    assert misplaced_names(sample) == [(9, "wrong"), (20, "also_wrong")], \
        f"expected wrong (line 9) and also_wrong (line 20) flagged, saw {misplaced_names(sample)}"


def test_every_kernel_definition_starts_its_line_with_its_name():
    sources = sorted(KERNEL.rglob("*.c"))
    assert sources, f"expected C sources under {KERNEL}"
    bad = []
    total = 0
    for path in sources:
        text = path.read_text()
        total += len(function_definitions(text))
        bad += [f"{path.relative_to(REPO)}:{line}: {name}" for line, name in misplaced_names(text)]
    assert total > len(sources), f"expected more definitions than files, found {total} in {len(sources)}"
    assert not bad, ("expected the return type on its own line and the name at the start of the "
                     "next (so `grep ^name(` finds it); these put it elsewhere:\n" + "\n".join(bad))
