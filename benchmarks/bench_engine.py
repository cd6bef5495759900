"""Engine speed against fairlearn's MetricFrame on the same 1,000,000 rows, in one run.

    python benchmarks/bench_engine.py [--rows 1000000] [--bootstrap 1000]
        [--skip-engine] [--skip-csv] [--folder DIR]

Prints: our audit time with and without bootstrap intervals, fairlearn's MetricFrame
time for the same per-group rates (each attribute and the intersection), the ratio, the
largest difference between the two sets of point values (they must be identical), peak
memory.

Then reading a ``--rows`` × 20 CSV (bench_scale's generator), best of 3, each step in its
own process with its peak RSS and CPU time (``os.wait4``): pyarrow.csv, polars (when
installed; it is not a dependency), DuckDB read into Arrow, today's in-memory loader
(``audit.inputs.read_path``), and what ``python -m audit run`` does with that file by
default (``--engine auto``): the time from the file to the cell table the audit needs, and
the time to read (open and check) within it; ratios to the fastest reader, memory against
``read_path``'s.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_scale's CSV generator

from audit.engine import fairlearn_functions, run_audit  # noqa: E402
from audit.inputs import (  # noqa: E402
    INTERSECTION_SEP,
    AuditSpec,
    prepare,  # noqa: E402
)

RATES = ("selection_rate", "true_positive_rate", "false_positive_rate", "true_negative_rate",
         "false_negative_rate", "accuracy", "count")


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), rows)
    race = rng.choice(np.array(["White", "Black", "Hispanic", "Asian", "Other"]), rows,
                      p=[0.6, 0.15, 0.15, 0.07, 0.03])
    label = rng.random(rows) < 0.5
    bias = np.where(sex == "female", -0.1, 0.0) + np.where(race == "Black", -0.1, 0.0)
    prediction = rng.random(rows) < 0.35 + 0.3 * label + bias
    return pd.DataFrame({"sex": sex, "race": race, "label": label.astype(int),
                         "prediction": prediction.astype(int)})


def fairlearn_audit(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """MetricFrame over each attribute and the intersection, as a fairlearn user would."""
    from fairlearn.metrics import MetricFrame

    functions = fairlearn_functions()
    out = {}
    for features in (["sex"], ["race"], ["sex", "race"]):
        mf = MetricFrame(metrics=functions, y_true=frame["label"], y_pred=frame["prediction"],
                         sensitive_features=frame[features])
        out[INTERSECTION_SEP.join(features)] = mf.by_group
    return out


def largest_difference(result, reference: dict[str, pd.DataFrame]) -> tuple[float, int]:
    worst, compared = 0.0, 0
    for attribute, by_group in reference.items():
        for key, row in by_group.iterrows():
            group = INTERSECTION_SEP.join(key) if isinstance(key, tuple) else key
            ours = result.group(attribute, group)
            for name in RATES:
                value = ours.metrics[name].value
                if not math.isnan(value):
                    worst = max(worst, abs(value - float(row[name])))
                    compared += 1
    return worst, compared


def timed(function, *args, repeat: int = 3):
    best, value = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, value


# --- reading a 1,000,000 x 20 CSV: each reader in its own process -----------------------

READERS = ("pyarrow", "polars", "duckdb")
TEXT_SPEC = dict(label="label", prediction="prediction", sensitive=("sex", "race"),
                 favorable="approved")


def reading_child(name: str, path: str) -> dict:
    """One measured step, in a fresh process (its imports done before the clock starts)."""
    import argparse as ap

    import duckdb
    import pyarrow.csv as pacsv

    from audit.cli import choose_engine, open_source
    from audit.inputs import read_path
    from audit.sources import PandasSource

    spec = AuditSpec(**TEXT_SPEC)
    started = time.perf_counter()
    out: dict = {}
    if name == "pyarrow":
        out["rows"] = pacsv.read_csv(path).num_rows
    elif name == "polars":
        import polars

        started = time.perf_counter()
        out["rows"] = polars.read_csv(path).height
    elif name == "duckdb":
        con = duckdb.connect()
        out["rows"] = con.sql(f"SELECT * FROM read_csv('{path}')").to_arrow_table().num_rows
    elif name == "read_path":
        out["rows"] = read_path(path).provenance.rows
    elif name == "auto":  # what `python -m audit run` does with this file by default
        engine = choose_engine("auto", [path])
        if engine == "pandas":
            loaded = read_path(path)
            out["read"] = time.perf_counter() - started
            out["rows"] = PandasSource(dataset=loaded).cell_table(spec).rows
        else:
            source = open_source(engine, ap.Namespace(data=path, predictions=None,
                                                      id_column=None))
            out["read"] = time.perf_counter() - started
            out["rows"] = source.cell_table(spec).rows
        out["engine"] = engine
    else:
        raise SystemExit(f"unknown step {name!r}")
    out["seconds"] = time.perf_counter() - started
    return out


def run_child(name: str, path: Path) -> dict | None:
    """``reading_child`` in a new interpreter; its figures with its peak RSS and CPU time
    (``os.wait4``); None when it failed (polars not installed)."""
    import json
    import os
    import subprocess

    child = subprocess.Popen([sys.executable, __file__, "--child", name, "--path", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        last = stderr.decode(errors="replace").strip().splitlines()[-1:]
        return {"failed": last[0] if last else f"status {child.returncode}"}
    figures = json.loads(stdout.decode().strip().splitlines()[-1])
    figures["peak_mb"] = usage.ru_maxrss / 1024
    figures["cpu"] = usage.ru_utime + usage.ru_stime
    return figures


def bench_reading(rows: int, folder: Path, repeat: int = 3) -> None:
    """Each reader and the automatic engine, best of ``repeat`` (wall time; CPU time and
    peak RSS of that run), on a rows x 20 CSV made by bench_scale's generator."""
    from bench_scale import wide_csv

    from audit.sources import duckdb_above_bytes

    path = wide_csv(folder / f"wide-{rows}.csv", rows)
    size = path.stat().st_size
    print(f"Reading a {rows:,} x 20 CSV ({size / 1e6:.0f} MB; auto takes DuckDB above "
          f"{duckdb_above_bytes() / 1e6:.0f} MB), best of {repeat}, each in its own process:")
    best: dict[str, dict] = {}
    for name in (*READERS, "read_path", "auto"):
        runs = [run_child(name, path) for _ in range(repeat)]
        if any("failed" in r for r in runs):
            print(f"  {name:10s} not measured: {runs[0].get('failed', runs[-1].get('failed'))}")
            continue
        best[name] = min(runs, key=lambda r: r["seconds"])
    fastest = min((best[n]["seconds"], n) for n in READERS if n in best)
    today = best.get("read_path")
    for name, f in best.items():
        line = (f"  {name:10s} {f['seconds']:6.2f} s (cpu {f['cpu']:5.2f} s)  "
                f"{f['seconds'] / fastest[0]:4.2f}x {fastest[1]}  peak RSS {f['peak_mb']:5.0f} MB")
        if today:
            line += f" ({f['peak_mb'] / today['peak_mb']:4.2f}x read_path's)"
        if name == "auto":
            line += (f"\n  {'':10s} engine {f['engine']}: read (open and check) {f['read']:.2f} s, "
                     f"then the cell table; bar: within 1.5x {fastest[1]} "
                     f"({'met' if f['seconds'] <= 1.5 * fastest[0] else 'NOT met'}), "
                     f"less memory than read_path "
                     f"({'met' if today and f['peak_mb'] < today['peak_mb'] else 'NOT met'})")
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--skip-csv", action="store_true")
    parser.add_argument("--skip-engine", action="store_true", help="only the CSV reading")
    parser.add_argument("--folder", default=None, help="where the CSV is written (and kept); "
                        "default: a temporary folder")
    parser.add_argument("--child")
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.child:
        import json

        print(json.dumps(reading_child(args.child, args.path)), flush=True)
        return
    if not args.skip_engine:
        bench_audit(args)
    if not args.skip_csv:
        if args.folder:
            Path(args.folder).mkdir(parents=True, exist_ok=True)
            bench_reading(args.rows, Path(args.folder))
        else:
            with tempfile.TemporaryDirectory() as folder:
                bench_reading(args.rows, Path(folder))


def bench_audit(args: argparse.Namespace) -> None:

    frame = make_frame(args.rows)
    spec = AuditSpec(label="label", prediction="prediction", sensitive=("sex", "race"),
                     favorable="1", bootstrap=args.bootstrap)
    no_boot = AuditSpec(**{**spec.__dict__, "bootstrap": 0})
    run_audit(prepare(frame.head(1000), spec), spec)  # warm imports (aif360, scipy)

    prepare_s, data = timed(prepare, frame, spec)
    tracemalloc.start()
    ours_s, result = timed(run_audit, data, spec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ours_noboot_s, _ = timed(run_audit, data, no_boot)
    fairlearn_s, reference = timed(fairlearn_audit, frame, repeat=1)
    worst, compared = largest_difference(result, reference)

    print(f"rows: {args.rows:,}; attributes: sex, race and sex × race "
          f"({len(result.groups)} groups)")
    print(f"ours, prepare (validate columns, encode groups): {prepare_s:.3f} s")
    print(f"ours, audit with {args.bootstrap} bootstrap samples "
          f"(every rate, difference, ratio, test, aggregate): {ours_s:.3f} s, "
          f"peak Python memory {peak / 1e6:.0f} MB")
    print(f"ours, audit without bootstrap: {ours_noboot_s:.3f} s")
    print(f"fairlearn MetricFrame, same per-group rates, no intervals: {fairlearn_s:.3f} s")
    print(f"speed-up without bootstrap: {fairlearn_s / ours_noboot_s:.0f}x; "
          f"with {args.bootstrap} bootstrap samples: {fairlearn_s / ours_s:.0f}x")
    print(f"largest |ours - fairlearn| over {compared} values: {worst:.2e}")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
