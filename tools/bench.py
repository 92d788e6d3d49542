"""
bench.py EAGER_KERNEL COW_KERNEL HARTS: run user/forkbench.c on both kernels
(same disk image, same QEMU settings, one after the other in this run) and
print fork cost per process size, with the eager/COW ratios.
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import Machine  # noqa: E402

LINE = re.compile(r"forkbench: pages (\d+) us_per_fork (\d+) pages_used_by_fork (-?\d+)")
BENCH_TIMEOUT = 600


def measure(kernel, harts):
    m = Machine(f"bench-{Path(kernel).name}", harts, kernel=kernel)
    try:
        m.boot()
        out = m.run("forkbench", until=r"forkbench: done", timeout=BENCH_TIMEOUT)
    finally:
        m.stop()
    return {int(p): (int(us), int(pages)) for p, us, pages in LINE.findall(out)}


def main():
    eager_kernel, cow_kernel, harts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    eager = measure(eager_kernel, harts)
    cow = measure(cow_kernel, harts)
    print(f"fork + exit + wait, {harts} hart(s), QEMU TCG; time from the 10 MHz time CSR")
    print(f"{'parent pages':>12} {'eager us':>9} {'cow us':>8} {'speedup':>8}"
          f" {'eager pages':>12} {'cow pages':>10}")
    for size in sorted(set(eager) | set(cow)):
        e_us, e_pg = eager.get(size, (0, 0))
        c_us, c_pg = cow.get(size, (0, 0))
        ratio = f"{e_us / c_us:.1f}x" if e_us and c_us else "-"
        e_us = e_us or "failed"     # no line: fork ran out of memory
        c_us = c_us or "failed"
        print(f"{size:>12} {e_us:>9} {c_us:>8} {ratio:>8} {e_pg:>12} {c_pg:>10}")


if __name__ == "__main__":
    main()
