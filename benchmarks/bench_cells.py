"""Cost against the number of intersection cells, at 1,000 bootstrap samples, in one run.

    python benchmarks/bench_cells.py [--rows 200000] [--bootstrap 1000] [--quick]

Two parts:

1. Summing the finest cells into groups, ours (`Grouping.sum`: one pass by index) against
   the dense cells × cells indicator matrix the engine used before (``einsum``), on the same
   bootstrap replicates of an intersection of K cells. Prints both times and the ratio;
   the dense matrix is skipped where it would not fit in memory.
2. The whole command line (``python -m audit run``: read, audit, JSON, CSV, PDF) on
   synthetic data with A sensitive attributes of C categories each, in a child process:
   wall time, CPU time and peak resident memory (``wait4``) against the number of
   intersection cells. Beyond ``max_intersection_cells`` (1,000) the audit reports each
   attribute and the pairwise intersections; the line says which. The 10 × 10 line is the
   budget: 200,000 rows, within 60 s and 2 GB on a quiet two-core machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.engine import Grouping  # noqa: E402

CONFIGS = ((2, 5), (3, 10), (3, 16), (4, 10), (6, 10), (10, 10))
QUICK = ((3, 10), (10, 10))


def make_csv(path: Path, rows: int, attributes: int, categories: int, seed: int = 1) -> None:
    """``rows`` people, ``attributes`` sensitive columns of ``categories`` values each."""
    rng = np.random.default_rng(seed)
    frame = {f"a{i}": np.char.add("c", rng.integers(0, categories, rows).astype(str))
             for i in range(attributes)}
    label = rng.random(rows) < 0.5
    frame["label"] = label.astype(int)
    frame["prediction"] = (rng.random(rows) < 0.3 + 0.3 * label).astype(int)
    pd.DataFrame(frame).to_csv(path, index=False)


def dense_sum(member: np.ndarray, groups: int, cells: np.ndarray) -> np.ndarray:
    """The engine's former way: a groups × cells indicator matrix and einsum."""
    indicator = np.zeros((groups, member.shape[0]), dtype=np.int64)
    indicator[member, np.arange(member.shape[0])] = 1
    return np.einsum("gk,...kc->...gc", indicator, cells)


def bench_sum(bootstrap: int) -> None:
    print(f"Summing K finest cells into groups, {bootstrap} replicates:")
    print(f"{'cells K':>9} {'groups':>7} {'ours s':>8} {'dense s':>8} {'dense/ours':>10}")
    rng = np.random.default_rng(0)
    for cells in (256, 1024, 4096, 16384):
        groups = cells  # the intersection: one group per cell, the worst case for the matrix
        member = rng.permutation(cells)
        labels = tuple(str(i) for i in range(groups))
        grouping = Grouping("x", labels, member, np.zeros(groups, dtype=bool))
        replicates = rng.integers(0, 50, size=(bootstrap, cells, 4))
        start = time.perf_counter()
        ours = grouping.sum(replicates)
        ours_s = time.perf_counter() - start
        dense_bytes = groups * cells * 8 + bootstrap * groups * 4 * 8
        if dense_bytes > 1 << 30:
            print(f"{cells:>9,} {groups:>7,} {ours_s:>8.3f} {'(skipped: the matrix needs '}"
                  f"{dense_bytes / 2**30:.1f} GB)")
            continue
        start = time.perf_counter()
        theirs = dense_sum(member, groups, replicates)
        dense_s = time.perf_counter() - start
        assert np.array_equal(ours, theirs)
        print(f"{cells:>9,} {groups:>7,} {ours_s:>8.3f} {dense_s:>8.3f} "
              f"{dense_s / ours_s:>9.0f}x")


def run_cli(path: Path, attributes: int, bootstrap: int, out: Path
            ) -> tuple[float, float, float, int, str]:
    """Wall s, CPU s, peak RSS MB, exit status, and the intersection line of the run."""
    command = [sys.executable, "-m", "audit", "run", "--data", str(path), "--label", "label",
               "--prediction", "prediction", "--favorable", "1", "--bootstrap", str(bootstrap),
               "--out", str(out), "--force"]
    for i in range(attributes):
        command += ["--sensitive", f"a{i}"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    child.returncode = os.waitstatus_to_exitcode(status)
    mode = "pairwise" if "pairwise" in stderr else "full"
    return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode,
            mode)


def bench_cli(rows: int, bootstrap: int, configs: tuple[tuple[int, int], ...]) -> None:
    print(f"\nWhole command line (python -m audit run), {rows:,} rows, {bootstrap} bootstrap "
          "samples:")
    print(f"{'A x C':>7} {'cells':>9} {'intersection':>13} {'wall s':>8} {'CPU s':>7} "
          f"{'peak MB':>8} {'exit':>5}")
    with tempfile.TemporaryDirectory() as folder:
        for attributes, categories in configs:
            path = Path(folder) / f"data_{attributes}x{categories}.csv"
            make_csv(path, rows, attributes, categories)
            observed = len(pd.read_csv(path, usecols=[f"a{i}" for i in range(attributes)],
                                       dtype=str).drop_duplicates())
            wall, cpu, peak, status, mode = run_cli(path, attributes, bootstrap,
                                                     Path(folder) / "out")
            print(f"{attributes:>3} x {categories:<2} {observed:>9,} {mode:>13} {wall:>8.1f} "
                  f"{cpu:>7.1f} {peak:>8,.0f} {status:>5}")
    print(f"(machine load average at the end: {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores; wall time includes waiting for other processes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--quick", action="store_true",
                        help="only the 3 x 10 and 10 x 10 command-line runs")
    args = parser.parse_args()
    bench_sum(args.bootstrap)
    bench_cli(args.rows, args.bootstrap, QUICK if args.quick else CONFIGS)


if __name__ == "__main__":
    main()
