"""
test_bench.py: tools/bench.py turns forkbench's console lines into the rows of
bench-results/fork.csv, failed cases included, so the parser cannot drift
from the program it reads. Host only and fast: no QEMU, nothing is timed
(`make bench` does the measuring; `make test` never runs it).
"""
import csv
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import bench  # noqa: E402

# One run's console as forkbench prints it: a time, a page count, a case the
# kernel killed the child in, a fork that failed, the lazy heap, a line a
# kernel message landed in, a malformed line, and a last line cut short.
SAMPLE = (
    "$ forkbench\n"
    "forkbench: case fork_exit heap eager heap_kib 0 touched_kib 0 median_us 315 min_us 310"
    " max_us 4375 reps 21\n"
    "forkbench: case fork_pages heap eager heap_kib 0 touched_kib 0 pages 7\n"
    "usertrap: pid 37 (forkbench) killed: out of memory in copy-on-write fault at va 0x3ec6000\n"
    "forkbench: case fork_write heap eager heap_kib 65536 touched_kib 65536 failed child reps 2\n"
    "forkbench: case fork_pages heap eager heap_kib 65536 touched_kib 65536 failed fork reps 0\n"
    "forkbench: case fork_exit heap lazy heap_kib 1048576 touched_kib 1024 median_us 410"
    " min_us 403 max_us 4417 reps 21\n"
    "forkbench: case fork_exec heap eager heap_kib 0 touchedusertrap: pid 9 (sh) killed: x\n"
    "_kib 0 median_us 3224 min_us 1835 max_us 11043 reps 21\n"
    "forkbench: case fork_exit heap eager heap_kib 1024 touched_kib\n"
    "forkbench: done\n"
    "forkbench: case fork_exit heap eager heap_kib 4096 touched_kib 4096 median_us 6"
)

# What fork.csv must hold for SAMPLE, in CSV_COLUMNS order (the run's build,
# KOPT and RAM first; the back-to-back columns empty for these cases).
B2B_EMPTY = ["", "", "", ""]
EXPECTED_CSV = [
    ["build", "kopt", "memory", "case", "heap", "heap_kib", "touched_kib", "median_us", "min_us",
     "max_us", "pages", "reps", "forks", "total_us", "uptime_ticks", "per_fork_us", "failed"],
    ["cow", "-Og", "128M", "fork_exit", "eager", "0", "0", "315", "310", "4375", "", "21", *B2B_EMPTY, ""],
    ["cow", "-Og", "128M", "fork_pages", "eager", "0", "0", "", "", "", "7", "", *B2B_EMPTY, ""],
    ["cow", "-Og", "128M", "fork_write", "eager", "65536", "65536", "failed", "", "", "", "2",
     *B2B_EMPTY, "child"],
    ["cow", "-Og", "128M", "fork_pages", "eager", "65536", "65536", "", "", "", "failed", "0",
     *B2B_EMPTY, "fork"],
    ["cow", "-Og", "128M", "fork_exit", "lazy", "1048576", "1024", "410", "403", "4417", "", "21",
     *B2B_EMPTY, ""],
    ["cow", "-Og", "128M", "fork_exec", "eager", "0", "0", "3224", "1835", "11043", "", "21", *B2B_EMPTY, ""],
]


def parsed(build="cow", kopt=None):
    """SAMPLE's rows for build; with kopt, marked as measured at that KOPT and the default RAM."""
    rows, bad = bench.parse_forkbench(SAMPLE)
    run = {"build": build} if kopt is None else {"build": build, "kopt": kopt, "memory": "128M"}
    return [{**run, **row} for row in rows], bad


def test_csv_has_one_row_per_measurement_and_keeps_failures(tmp_path):
    rows, _ = parsed(kopt="-Og")
    path = tmp_path / "fork.csv"
    bench.write_csv(rows, path)
    with open(path, newline="") as f:
        seen = list(csv.reader(f))
    assert seen == EXPECTED_CSV, \
        "fork.csv differs from what the sample must give:\n" + "\n".join(
            f"expected {want}\n     saw {got}" for want, got in zip(EXPECTED_CSV, seen)
            if want != got) + f"\n(expected {len(EXPECTED_CSV)} lines, saw {len(seen)})"


def test_malformed_line_is_reported_and_cut_line_ignored():
    _, bad = parsed()
    assert bad == ["forkbench: case fork_exit heap eager heap_kib 1024 touched_kib"], \
        f"expected exactly the malformed line reported, saw {bad}"


def test_table_shows_each_build_ratios_and_failures():
    cow, _ = parsed("cow")
    eager = [dict(row, build="eager") for row in cow]
    for row in eager:
        if row["case"] == "fork_exit" and row["heap"] == "eager":
            row.update(median_us=945, min_us=940)   # three times the cow build's 315
    text = bench.table(eager + cow, ["eager", "cow"])
    lines = text.split("\n")
    assert lines[0].split()[-3:] == ["eager", "cow", "eager/cow"], \
        f"expected columns eager, cow, eager/cow, saw header {lines[0]!r}"
    first = next(line for line in lines if line.startswith("fork_exit   0 MiB"))
    assert first.split()[-3:] == ["945", "315", "3.0x"], f"expected 945 315 3.0x, saw {first!r}"
    failed = next(line for line in lines if line.startswith("fork_write  64 MiB"))
    assert failed.split()[-3:] == ["failed", "failed", "-"], \
        f"expected the failed case shown as failed with no ratio, saw {failed!r}"
    assert "1 GiB lazy, 1 MiB written" in text, f"expected the lazy heap labelled, saw:\n{text}"
    noisy = next(line for line in lines if line.startswith("fork_exec   0 MiB"))
    assert noisy.split()[-3:-1] == ["3224*", "3224*"], \
        f"expected a median of 3224 over a fastest run of 1835 marked noisy, saw {noisy!r}"


# The back-to-back fork_write: 20 forks timed as one total, by both clocks;
# one where uptime() says twice what the time CSR says, and one that failed.
B2B_SAMPLE = (
    "forkbench: case fork_write heap eager heap_kib 32768 touched_kib 32768 median_us 99000"
    " min_us 98000 max_us 120000 reps 7\n"
    "forkbench: case fork_write_b2b heap eager heap_kib 32768 touched_kib 32768 forks 20"
    " total_us 2100000 uptime_ticks 21 per_fork_us 105000\n"
    "forkbench: case fork_write_b2b heap eager heap_kib 65536 touched_kib 65536 forks 20"
    " total_us 2000000 uptime_ticks 40 per_fork_us 100000\n"
    "forkbench: case fork_write_b2b heap lazy heap_kib 1048576 touched_kib 1024 failed child reps 0\n"
)


def line_of(lines, *first):
    """The index of the first table line whose leading words are first."""
    return next(i for i, line in enumerate(lines) if line.split()[:len(first)] == list(first))


def test_back_to_back_line_is_read_and_shown_with_its_uptime_time():
    found, bad = bench.parse_forkbench(B2B_SAMPLE)
    assert bad == [], f"expected every back-to-back line read, saw unreadable {bad}"
    b2b = [r for r in found if r["case"] == "fork_write_b2b"]
    assert (b2b[0]["forks"], b2b[0]["total_us"], b2b[0]["uptime_ticks"], b2b[0]["per_fork_us"]) == \
        (20, 2100000, 21, 105000), b2b[0]
    assert b2b[2]["failed"] == "child" and b2b[2]["per_fork_us"] == "failed", b2b[2]
    rows = [{"build": b, "kopt": k, **r} for k in ("-Og", "-O2") for b in ("eager", "shared") for r in found]
    lines = bench.table(rows, ["eager", "shared"]).split("\n")
    assert lines[0].split()[:3] == ["case", "heap", "KOPT"], f"expected a KOPT column, saw {lines[0]!r}"
    at = line_of(lines, "fork_write_b2b", "32", "MiB", "-O2")
    assert lines[at].split()[-3:] == ["105000", "105000", "1.0x"], lines[at]
    # uptime(): 21 ticks of 100 ms over 20 forks is 105000 µs a fork, as the time CSR says.
    assert lines[at + 1].split()[:4] == ["by", "uptime()", "32", "MiB"], lines[at + 1]
    assert lines[at + 1].split()[-3:] == ["105000", "105000", "1.0x"], lines[at + 1]
    # 40 ticks where the time CSR counted 2 s: the clocks disagree, and the table says so.
    up = lines[line_of(lines, "by", "uptime()", "64", "MiB", "-Og")]
    assert up.split()[-3:-1] == ["200000!", "200000!"], up
    assert any(l.startswith("! the clocks disagree") for l in lines), "expected the disagreement noted"


def test_ratios_are_taken_within_one_kopt():
    cow, _ = parsed("cow", kopt="-Og")
    rows = cow + [dict(r, kopt="-O2") for r in cow]
    rows += [dict(r, build="eager") for r in rows]
    for r in rows:
        if r["build"] == "eager" and r["case"] == "fork_exit" and r["heap"] == "eager":
            r.update(median_us=630 if r["kopt"] == "-Og" else 945, min_us=600)
    lines = bench.table(rows, ["eager", "cow"]).split("\n")
    og = lines[line_of(lines, "fork_exit", "0", "MiB", "-Og")]
    o2 = lines[line_of(lines, "fork_exit", "0", "MiB", "-O2")]
    assert og.split()[-1] == "2.0x" and o2.split()[-1] == "3.0x", f"saw {og!r} and {o2!r}"


COPY_SAMPLE = (
    "$ copybench\n"
    "copybench: copy heap_kib 16384 pages 4096 kernel_us 12345 mib_s 1327 fault_us 19\n"
    "copybench: fill heap_kib 16384 pages 4096 kernel_us 2345 mib_s 6800 fault_us 9\n"
    "copybench: done\n"
)


def test_copy_rates_are_set_beside_the_byte_reference_with_the_goal():
    steps = bench.parse_copybench(COPY_SAMPLE)
    assert steps["copy"]["mib_s"] == 1327 and steps["fill"]["fault_us"] == 9, steps
    slow = {"copy": dict(steps["copy"], mib_s=400), "fill": dict(steps["fill"], mib_s=3400)}
    rows = (bench.copy_rows("-O2", "shared", "COW=2", steps)
            + bench.copy_rows("-O2", bench.COPY_REFERENCE[0], bench.COPY_REFERENCE[1], slow))
    lines = bench.copy_table(rows, ["-O2"]).split("\n")
    copy = next(l for l in lines if l.startswith("copy"))
    assert "1327" in copy and "400" in copy and "3.3x  >= 3x met" in copy, copy
    fill = next(l for l in lines if l.startswith("fill"))
    assert "2.0x  >= 3x NOT met" in fill, fill


BIG_SAMPLE = (
    "forkbench: case fork_exit heap eager heap_kib 0 touched_kib 0 median_us 300 min_us 290"
    " max_us 900 reps 21\n"
    "forkbench: case fork_exit heap eager heap_kib 262144 touched_kib 262144 median_us 420 min_us 400"
    " max_us 900 reps 21\n"
    "forkbench: case fork_exit heap eager heap_kib 1048576 touched_kib 1048576 median_us 540"
    " min_us 500 max_us 900 reps 21\n"
    "forkbench: done\n"
)


def test_big_heaps_are_set_against_the_empty_process():
    import re
    assert re.search(bench.big_done(), BIG_SAMPLE).group(0) == "forkbench: done", \
        "expected `forkbench big` to run to its done line"
    usual = "forkbench: case fork_exit heap eager heap_kib 1024 touched_kib 1024 median_us 5"
    assert re.search(bench.big_done(), usual), "expected a forkbench without big mode stopped early"
    cut = "forkbench: case fork_exit heap eager heap_kib 1024 "      # where such a run stops
    assert re.search(bench.big_other_heap(), cut) and not re.search(bench.big_other_heap(), BIG_SAMPLE), \
        "expected only a heap outside 0, 256 MiB and 1 GiB taken for a forkbench without big mode"
    found, _ = bench.parse_forkbench(BIG_SAMPLE)
    rows = [{"build": "shared", "kopt": "-Og", "memory": "2G", **r} for r in found]
    line = bench.big_table(rows, ["-Og"]).split("\n")[1]
    assert line.split() == ["-Og", "fork_exit", "300", "420", "540", "1.8x", "<=", "2x", "met"], line


def test_plot_script_has_a_panel_per_case():
    rows, _ = parsed()
    script = bench.plot_script(rows, ["cow"], "fork.png", "title")
    panels = [line for line in script.split("\n") if line.startswith("plot ")]
    assert len(panels) == len(bench.CASES), \
        f"expected {len(bench.CASES)} plot commands, one per case, saw {len(panels)}"
    assert "cow 64 MiB" in script, "expected the failed 64 MiB cases named in the plot"


# iobench's console on one hart: a usertrap line cut into the middle of the
# disk case, the ping-pong, sleep(1), the late-wakeup counter, and a last line cut short.
IO_SAMPLE = (
    "$ iobench\n"
    "iobench: case disk_read kib 400 passes 5 median_us 150187 max_us 160000 ticks 8\n"
    "iobench: case pingpong rounds 500 us_per_round 462\n"
    "iobench: case sleep1 reps 10 median_us 100405 max_us 100813 tick_us 100000\n"
    "iobench: idle_late_wakeups 0\n"
    "iobench: case disk_read kib 400 passes"
)


def test_io_cases_are_read_and_set_beside_their_references():
    cases, late = bench.parse_iobench(IO_SAMPLE)
    assert late == 0, f"expected idle_late_wakeups 0 read from the sample, saw {late}"
    assert cases["disk_read"]["ticks"] == 8 and cases["pingpong"]["us_per_round"] == 462, cases
    rows = {(r["case"], r["measure"]): r for r in bench.io_rows(1, cases)}
    disk = rows[("disk_read", "ticks for 5 passes")]
    assert (disk["value"], disk["reference"]) == (8, bench.XV6_DISK_READ_TICKS[1]), disk
    ping = rows[("pingpong", "µs per round trip")]
    assert (ping["value"], ping["reference"]) == (462, bench.TICK_US), ping
    text = bench.io_table(bench.io_rows(1, cases))
    line = next(l for l in text.split("\n") if "ticks for 5 passes" in l)
    assert f"{8 / bench.XV6_DISK_READ_TICKS[1]:.3g}x" in line, f"expected the ratio to xv6 shown, saw {line!r}"


def test_io_case_that_failed_is_shown_as_failed():
    cases, late = bench.parse_iobench("iobench: case disk_read failed write\niobench: done\n")
    assert late is None, f"expected no late-wakeup count in a run that printed none, saw {late}"
    rows = bench.io_rows(3, cases)
    assert rows[0]["value"] == "write" and rows[2]["value"] == "missing", rows


def test_plot_is_drawn_when_a_case_has_no_number(tmp_path):
    """SAMPLE has no fork_write_b2b line and no number for fork_write: gnuplot must still draw."""
    if bench.shutil.which("gnuplot") is None:
        import pytest
        pytest.skip("gnuplot is not installed (make bench installs it when it can)")
    rows, _ = parsed("cow", kopt="-Og")
    why_not = bench.draw_plot(rows, ["cow"], tmp_path / "fork.png", "title")
    assert why_not is None, f"expected a plot, gnuplot said: {why_not}"
    assert (tmp_path / "fork.png").stat().st_size > 0, "expected fork.png written"


def test_append_results_are_read_into_rows_and_a_table():
    text = ("$ appendbench 4 100 100\n"
            "appendbench: writers 4 bytes 100 writes 100 us 608975 ops_s 656 kib_s 64 commits 181"
            " ops_per_commit 2 overlapped 92 checkpoints 20\n"
            "appendbench: failed arguments\n"
            "appendbench: writers 1 bytes 4096 writes 30 us 90000 ops_s 333 kib_s 1333 commits 31"
            " ops_per_commit 1 overlapped 0 checkpoints 9\n")
    rows = bench.parse_appendbench(text, "-Og", "shared", 0)
    assert [(r["writers"], r["bytes"], r["ops_s"], r["overlapped"], r["checkpoints"]) for r in rows] == \
        [(4, 100, 656, 92, 20), (1, 4096, 333, 0, 9)]
    table = bench.append_table(rows, ["-Og"])
    assert "656" in table and "1333" in table and "ops per commit" in table
    # Every cell of the grid is asked for, each once.
    commands = bench.append_commands()
    assert len(set(commands)) == len(bench.APPEND_SIZES) * len(bench.APPEND_WRITERS)
    assert all(c.startswith("appendbench ") for c in commands)


def append_row(build, rep, writers, size, us, kopt="-Og"):
    return {"kopt": kopt, "build": build, "rep": rep, "writers": writers, "bytes": size, "us": us,
            "ops_s": 1000000 // us, "kib_s": 1, "ops_per_commit": 1, "overlapped": 0, "checkpoints": 0}


def test_append_table_takes_medians_and_judges_each_cell_against_its_goal():
    ref = bench.APPEND_REFERENCE[0]
    rows = []
    for rep, (ours, theirs) in enumerate([(600, 1000), (900, 1000), (650, 5000)]):   # medians 650 and 1000
        rows += [append_row("shared", rep, 4, 100, ours), append_row(ref, rep, 4, 100, theirs)]
    rows += [append_row("shared", 0, 1, 100, 1100), append_row(ref, 0, 1, 100, 1000)]
    lines = {tuple(line.split()[1:3]): line for line in bench.append_table(rows, ["-Og"]).split("\n")[1:]}
    assert "0.65x" in lines[("100", "4")] and "<= 0.7x met" in lines[("100", "4")], lines[("100", "4")]
    assert "1.10x" in lines[("100", "1")] and "<= 1x NOT met" in lines[("100", "1")], lines[("100", "1")]
    assert "- " in lines[("100", "2")] or lines[("100", "2")].split()[3] == "-", lines[("100", "2")]


def test_append_plot_has_a_panel_per_size_and_a_line_per_build_and_kopt():
    ref = bench.APPEND_REFERENCE[0]
    rows = [append_row(b, 0, w, size, 1000 + w, kopt) for b in ("shared", ref) for kopt in ("-Og", "-O2")
            for size, _ in bench.APPEND_SIZES for w in bench.APPEND_WRITERS]
    script = bench.append_plot_script(rows, ["-Og", "-O2"], "append.png", "title")
    assert script.count("\nplot ") == len(bench.APPEND_SIZES)
    assert script.count("using 1:2") == 4 * len(bench.APPEND_SIZES)
    assert "? ?" not in script, "expected every line to have its points"
    assert "(COW=2) -Og" in script and f"{ref} (COW=2 LOG=xv6) -O2" in script
