"""The audit where the data lives: cell tables from 100,000,000 Parquet rows, out of core.

    python benchmarks/bench_scale.py [--folder /tmp/audit-scale] [--rows 100000000]
        [--pandas-rows 20000000] [--spark-rows 10000000] [--memory-limit 2GB]
        [--skip-spark] [--skip-whole] [--skip-reading] [--reading-rows 1000000]
        [--cli-rows 1000000 ...] [--skip-cli] [--skip-scale]
        [--cli-scale] [--cli-pandas-rows 10000000] [--step-timeout 3600]

First, the whole CLI (``python -m audit run``, 1,000 bootstrap samples, a score, the PDF)
on a ``--cli-rows`` × 20 CSV (and the same rows as Parquet) with ``--engine pandas`` and
``--engine duckdb``: wall time and peak resident memory of each process
(``/usr/bin/time``), their ratios, and whether the two audit.json are equal but for the
audit's id, time and environment.

Writes (once; kept for the next run) a Parquet folder of ``--rows`` rows in files of
5,000,000: two sensitive columns with 5 observed combinations, a 0/1 label and prediction,
a score and 15 feature columns. Then, each in its own child process so that its peak
resident memory is its own (``os.wait4``):

- the DuckDB source's cell table (counts, score histograms, exact sums, exact median) of
  all rows, with DuckDB's memory limit and two threads;
- the in-memory path (read the Parquet files into pandas, then the pandas source) on the
  largest size it holds here (``--pandas-rows``), and DuckDB on the same rows, checked to
  give the same cell table;
- the Spark source (``local[2]``) and DuckDB on ``--spark-rows`` rows;
- reading a 1,000,000 × 20 CSV: pyarrow, pandas (pyarrow engine), DuckDB, today's loader
  (``audit.inputs.read_path``), and the whole cell table from the CSV through DuckDB and
  through the in-memory path.

Then (``--cli-scale``) the whole CLI where the data lives: ``python -m audit run --engine
duckdb`` on every row of the Parquet folder, with 1,000 bootstrap samples, the score,
``--explain`` (on a stratified sample drawn inside DuckDB) and the PDF, under
``/usr/bin/time -v``; next to it the whole CLI with ``--engine pandas`` on the largest
subset the in-memory engine holds here (``--cli-pandas-rows``, default 10,000,000); and the
whole CLI with ``--engine spark`` (``local[2]``) next to DuckDB on ``--spark-rows`` rows
(``--skip-whole`` runs only this last part).

Peak memory: ``/usr/bin/time`` gives the largest single process (and the processes it
waited for); Spark's JVM is a child the Python process never waits for, so every measured
step also samples the resident memory of its whole process tree (``/proc``, every 0.2 s)
and both are printed. Each step has a time limit (``--step-timeout``); a step that fails
or runs out of time is reported and the others still run.

Every figure is printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 5_000_000
COMBINATIONS = (("female", "A"), ("female", "B"), ("female", "C"), ("male", "A"), ("male", "B"))
SHARES = (0.3, 0.15, 0.05, 0.35, 0.15)
FEATURES = 15


def spec():
    from audit.inputs import AuditSpec

    return AuditSpec(label="label", prediction="prediction", sensitive=("sex", "race"),
                     score="score", favorable="1")


# --- data ------------------------------------------------------------------------------


def generate(folder: Path, rows: int, seed: int = 0) -> list[Path]:
    """Write ``rows`` rows in files of ``CHUNK`` (skipped when they are already there)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    started = time.perf_counter()
    for part, start in enumerate(range(0, rows, CHUNK)):
        path = folder / f"part-{part:05d}.parquet"
        files.append(path)
        n = min(CHUNK, rows - start)
        if path.exists() and pq.ParquetFile(path).metadata.num_rows == n:
            continue
        rng = np.random.default_rng(seed + part)
        combo = np.searchsorted(np.cumsum(SHARES), rng.random(n) * 0.999999).astype(np.int8)
        sex = pa.DictionaryArray.from_arrays(
            pa.array(np.array([0, 0, 0, 1, 1], np.int8)[combo]), pa.array(["female", "male"]))
        race = pa.DictionaryArray.from_arrays(
            pa.array(np.array([0, 1, 2, 0, 1], np.int8)[combo]), pa.array(["A", "B", "C"]))
        label = rng.random(n) < 0.5
        score = np.clip(0.3 + 0.3 * label - 0.05 * (combo == 2) + rng.normal(0, 0.2, n), 0, 1)
        columns = {"sex": sex, "race": race, "label": label.astype(np.int8),
                   "prediction": (score >= 0.5).astype(np.int8), "score": score}
        for i in range(FEATURES):
            columns[f"x{i}"] = rng.standard_normal(n, dtype=np.float32)
        pq.write_table(pa.table(columns), path, row_group_size=1_000_000)
        print(f"  wrote {path.name} ({start + n:,} rows, {time.perf_counter() - started:.0f} s)",
              flush=True)
    return files


def wide_csv(path: Path, rows: int) -> Path:
    """A rows × 20 CSV: 15 numbers and 5 text columns (sex, race, label, prediction, c4)."""
    import pandas as pd

    if path.exists():
        return path
    rng = np.random.default_rng(1)
    columns = {f"x{i}": rng.normal(size=rows).round(4) for i in range(15)}
    columns["sex"] = rng.choice(np.array(["female", "male"]), rows)
    columns["race"] = rng.choice(np.array(["White", "Black", "Hispanic", "Asian"]), rows)
    columns["label"] = rng.choice(np.array(["approved", "denied"]), rows)
    columns["prediction"] = rng.choice(np.array(["approved", "denied"]), rows)
    columns["c4"] = rng.choice(np.array(["alpha", "beta", "gamma", "delta"]), rows)
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def cli_table(folder: Path, rows: int) -> tuple[Path, Path]:
    """A rows × 20 CSV (and the same rows as Parquet) for the whole CLI: sex, race, a text
    label and decision, a score, 15 numbers."""
    import pandas as pd

    csv, parquet = folder / f"cli-{rows}.csv", folder / f"cli-{rows}.parquet"
    if csv.exists() and parquet.exists():
        return csv, parquet
    rng = np.random.default_rng(2)
    combo = np.searchsorted(np.cumsum(SHARES), rng.random(rows) * 0.999999)
    label = rng.random(rows) < 0.5
    score = np.clip(0.3 + 0.3 * label - 0.05 * (combo == 2) + rng.normal(0, 0.2, rows), 0, 1)
    columns = {"sex": np.array([c[0] for c in COMBINATIONS])[combo],
               "race": np.array([c[1] for c in COMBINATIONS])[combo],
               "outcome": np.where(label, "approved", "denied"),
               "decision": np.where(score >= 0.5, "approved", "denied"),
               "score": score.round(4)}
    for i in range(FEATURES):
        columns[f"x{i}"] = rng.normal(size=rows).round(4)
    frame = pd.DataFrame(columns)
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    return csv, parquet


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreePeak:
    """The peak of the summed resident memory of a process and all its descendants
    (a JVM a Python process started included), sampled every ``every`` seconds."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            tree, total, todo = _children(), 0, [self.pid]
            while todo:
                pid = todo.pop()
                total += _rss_kb(pid)
                todo += tree.get(pid, [])
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


STEP_TIMEOUT = 3600


def timed(command: list[str], *, timeout: float, env: dict[str, str] | None = None) -> dict:
    """Run ``command`` under ``/usr/bin/time -v`` in its own process group, sampling its
    process tree: status, seconds, stdout, stderr, peak RSS of the largest process
    (``time``) and of the whole tree (sampled); a command past ``timeout`` is stopped
    (status None)."""
    timer = shutil.which("time") or "/usr/bin/time"
    started = time.perf_counter()
    child = subprocess.Popen([timer, "-v", *command], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             start_new_session=True, env=env)
    peak = TreePeak(child.pid)
    try:
        out, err = child.communicate(timeout=timeout)
        status: int | None = child.returncode
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        status = None
    seconds = time.perf_counter() - started
    tree_mb = peak.stop()
    largest = [line for line in err.splitlines()
               if line.strip().startswith("Maximum resident set size")]
    return {"status": status, "seconds": seconds, "stdout": out, "stderr": err,
            "peak_mb": int(largest[-1].split()[-1]) / 1024 if largest else float("nan"),
            "tree_peak_mb": tree_mb}


def measured_cli(engine: str, data: Path, out: Path) -> dict:
    """The whole ``python -m audit run`` with ``--engine``, under ``/usr/bin/time``."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "audit", "run", "--data", str(data), "--label", "outcome",
               "--prediction", "decision", "--score", "score", "--sensitive", "sex",
               "--sensitive", "race", "--favorable", "approved", "--bootstrap", "1000",
               "--engine", engine, "--out", str(out)]
    timer = shutil.which("time") or "/usr/bin/time"
    started = time.perf_counter()
    done = subprocess.run([timer, "-f", "PEAK_KB %M", *command], capture_output=True,
                          text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"the CLI failed ({engine}, status {done.returncode}):\n"
                         f"{done.stderr[-3000:]}")
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")]
    record = json.loads((out / "audit.json").read_text())
    same = {k: v for k, v in record.items() if k not in ("audit_id", "created_at",
                                                            "environment", "inputs")}
    return {"seconds": seconds, "peak_mb": int(peak[-1].split()[1]) / 1024, "record": same}


def cli_figures(folder: Path, rows: int) -> None:
    csv, parquet = cli_table(folder, rows)
    print(f"Whole CLI, {rows:,} rows x 20 columns, 1,000 bootstrap samples, score, PDF "
          f"(CSV {csv.stat().st_size / 1e6:.0f} MB, Parquet {parquet.stat().st_size / 1e6:.0f} "
          "MB); each run in its own process:")
    for data in (csv, parquet):
        runs = {engine: measured_cli(engine, data, folder / f"out-{engine}")
                for engine in ("pandas", "duckdb")}
        pandas, duck = runs["pandas"], runs["duckdb"]
        kind = "CSV" if data == csv else "Parquet"
        for engine, figures in runs.items():
            print(f"  {kind:7s} --engine {engine:6s} {figures['seconds']:6.1f} s  peak RSS "
                  f"{figures['peak_mb']:6.0f} MB")
        print(f"  {kind:7s} pandas / duckdb: time {pandas['seconds'] / duck['seconds']:.2f}x, "
              f"peak RSS {pandas['peak_mb'] / duck['peak_mb']:.2f}x; same audit.json (but id, "
              "time, environment, inputs): "
              f"{'yes' if pandas['record'] == duck['record'] else 'NO'}")


# --- measured steps (each runs in a child process) ---------------------------------------


def task(name: str, path: str, options: dict) -> dict:
    """Run one measured step (its imports done before the clock starts); its figures."""
    import duckdb
    import pandas as pd
    import pyarrow.csv as pacsv

    from audit.inputs import AuditSpec, read_path
    from audit.sources import DuckDBSource, PandasSource, SparkSource, read_parquet, spark_session

    text_spec = AuditSpec(label="label", prediction="prediction", sensitive=("sex", "race"),
                          favorable="approved")
    started = time.perf_counter()
    if name == "duckdb":
        with DuckDBSource(path, memory_limit=options["memory_limit"], threads=2) as source:
            table = source.cell_table(spec())
        return {"seconds": time.perf_counter() - started, **_facts(table, options)}
    if name == "pandas":
        loaded = read_parquet(path)
        read = time.perf_counter() - started
        table = PandasSource(dataset=loaded).cell_table(spec())
        return {"seconds": time.perf_counter() - started, "read": read, **_facts(table, options)}
    if name == "spark":
        session = spark_session("local[2]", {"spark.driver.memory": "2g"})
        up = time.perf_counter() - started
        begun = time.perf_counter()
        table = SparkSource(path, spark=session).cell_table(spec())
        seconds = time.perf_counter() - begun
        session.stop()
        return {"seconds": seconds, "startup": up, **_facts(table, options)}
    if name == "read-pyarrow":
        rows = pacsv.read_csv(path).num_rows
    elif name == "read-pandas":
        rows = len(pd.read_csv(path, engine="pyarrow"))
    elif name == "read-duckdb":
        con = duckdb.connect()
        con.execute("SET threads = 2")
        rows = con.sql(f"SELECT * FROM read_csv('{path}')").to_arrow_table().num_rows
    elif name == "read-audit":
        rows = read_path(path).provenance.rows
    elif name == "count-duckdb":
        with DuckDBSource(path, threads=2) as source:
            rows = source.cell_table(text_spec).rows
    elif name == "count-pandas":
        rows = PandasSource(dataset=read_path(path)).cell_table(text_spec).rows
    else:
        raise SystemExit(f"unknown task {name!r}")
    return {"seconds": time.perf_counter() - started, "rows": rows}


def _facts(table, options: dict) -> dict:
    scores = table.scores
    facts = {"rows": table.rows, "cells": table.cells, "median": scores.median,
             "auc_bound": scores.auc_error_bound(), "width": scores.width}
    if options.get("save"):
        np.savez(options["save"], counts=table.counts, codes=table.codes,
                 histograms=scores.counts, moments=scores.moments,
                 above=scores.above_median, median=scores.median)
    return facts


def measured(name: str, path: str | Path, **options) -> dict:
    """Run ``task`` in a child process under ``/usr/bin/time``; add its peak resident memory
    (MB). A child forked straight from this process would report at least this process's
    own size (Linux copies the high-water mark on fork); ``time`` is small."""
    command = [sys.executable, __file__, "--child", name, "--path", str(path),
               "--options", json.dumps(options)]
    done = timed(command, timeout=STEP_TIMEOUT)
    if done["status"] is None:
        raise StepFailed(f"{name} ran out of time ({done['seconds']:.0f} s; --step-timeout)")
    if done["status"] != 0:
        raise StepFailed(f"{name} failed (status {done['status']}):\n"
                         f"{done['stderr'][-3000:]}")
    figures = json.loads(done["stdout"].strip().splitlines()[-1])
    figures["peak_mb"], figures["tree_peak_mb"] = done["peak_mb"], done["tree_peak_mb"]
    return figures


class StepFailed(RuntimeError):
    """A measured step that failed or ran out of time: reported, and the run goes on."""


def subset_of(folder: Path, files: list[Path], rows: int) -> Path:
    """A folder of links to the first files holding ``rows`` rows."""
    count = -(-rows // CHUNK)
    subset = folder / f"subset-{count}"
    subset.mkdir(exist_ok=True)
    for f in files[:count]:
        link = subset / f.name
        if not link.exists():
            link.symlink_to(f)
    return subset


def same_tables(first: str, second: str) -> bool:
    a, b = np.load(first), np.load(second)
    return all(np.array_equal(a[k], b[k]) for k in a.files)


# --- the whole CLI where the data lives ----------------------------------------------------


def scale_command(engine: str, data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "audit", "run", "--data", str(data), "--label", "label",
            "--prediction", "prediction", "--score", "score", "--sensitive", "sex",
            "--sensitive", "race", "--favorable", "1", "--bootstrap", "1000", "--explain",
            "--engine", engine, "--out", str(out), "--force",
            *(["--spark-master", "local[2]"] if engine == "spark" else [])]


def scale_cli(engine: str, data: Path, out: Path, rows: int) -> dict | None:
    """``python -m audit run`` on ``data`` (every row), with ``--explain``; its figures,
    or None when it failed (printed)."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "AUDIT_MAX_ROWS": str(rows), "AUDIT_MAX_UPLOAD_MB": "100000"}
    done = timed(scale_command(engine, data, out), timeout=STEP_TIMEOUT, env=env)
    if done["status"] not in (0, 1, 3):
        why = ("ran out of time" if done["status"] is None else f"status {done['status']}")
        print(f"  --engine {engine}: the CLI failed ({why}, {done['seconds']:.0f} s):\n"
              f"{done['stderr'][-2000:]}")
        return None
    record = json.loads((out / "audit.json").read_text())
    explanations = record.get("explanations") or {}
    drawn = explanations.get("drawn_sample") or {}
    return {**done, "rows": rows,
            "explained": explanations.get("sample_size"), "drawn": drawn,
            "pdf_kb": (out / "audit.pdf").stat().st_size / 1024}


def cli_spark_figures(folder: Path, files: list[Path], spark_rows: int) -> None:
    """The same whole CLI with ``--engine spark`` (``local[2]``) and with DuckDB on
    ``spark_rows`` rows: Spark's own start and its JVM are in the time and the memory."""
    subset = subset_of(folder, files, spark_rows)
    held = sum(_rows_of(f) for f in sorted(subset.iterdir()))
    print(f"Whole CLI on {held:,} rows, --engine spark (local[2]) against --engine duckdb:")
    runs = {engine: scale_cli(engine, subset, folder / f"out-cli-{engine}-{held}", held)
            for engine in ("spark", "duckdb")}
    for engine, run in runs.items():
        if run is not None:
            print(f"  --engine {engine:<6} {held:>11,} rows: {run['seconds']:7.1f} s, process "
                  f"tree {run['tree_peak_mb']:,.0f} MB"
                  f"{' (the JVM included)' if engine == 'spark' else ''}; exit {run['status']}")
    if all(runs.values()):
        print(f"  spark / duckdb time {runs['spark']['seconds'] / runs['duckdb']['seconds']:.1f}x")


def cli_scale_figures(folder: Path, files: list[Path], pandas_rows: int) -> None:
    whole = files[0].parent
    rows = sum(_rows_of(f) for f in files)
    print(f"Whole CLI where the data lives: {rows:,} rows x 20 columns (Parquet, {len(files)} "
          "files), 1,000 bootstrap samples, score, --explain, PDF; /usr/bin/time -v, and the "
          "process tree's resident memory sampled:")
    duck = scale_cli("duckdb", whole, folder / "out-cli-duckdb", rows)
    if duck is not None:
        print(f"  --engine duckdb  {rows:>11,} rows: {duck['seconds']:7.1f} s, peak RSS "
              f"{duck['peak_mb']:,.0f} MB (time -v), process tree {duck['tree_peak_mb']:,.0f} "
              f"MB; {'within' if duck['tree_peak_mb'] <= 3072 else 'OVER'} 3 GB; "
              f"exit {duck['status']}; PDF {duck['pdf_kb']:,.0f} KB")
        if duck["drawn"]:
            print(f"    explanations: {duck['explained']:,} rows explained of a sample of "
                  f"{duck['drawn']['rows']:,} drawn in DuckDB (per cell "
                  f"{duck['drawn']['per_cell']}, seed {duck['drawn']['seed']})")
    if pandas_rows <= 0:
        return
    subset = subset_of(folder, files, pandas_rows)
    held = sum(_rows_of(f) for f in sorted(subset.iterdir()))
    pandas = scale_cli("pandas", subset, folder / "out-cli-pandas", held)
    if pandas is not None:
        print(f"  --engine pandas  {held:>11,} rows: {pandas['seconds']:7.1f} s, peak RSS "
              f"{pandas['peak_mb']:,.0f} MB (time -v), process tree "
              f"{pandas['tree_peak_mb']:,.0f} MB; exit {pandas['status']} (the largest size "
              "the in-memory engine is run at here)")
    if duck is not None and pandas is not None:
        print(f"  per million rows: duckdb {duck['seconds'] / rows * 1e6:.2f} s, pandas "
              f"{pandas['seconds'] / held * 1e6:.2f} s; duckdb on {rows / held:.0f}x the rows "
              f"in {duck['seconds'] / pandas['seconds']:.2f}x the time, "
              f"{duck['tree_peak_mb'] / pandas['tree_peak_mb']:.2f}x the memory")


def _rows_of(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


# --- the run ---------------------------------------------------------------------------


def main() -> None:
    global STEP_TIMEOUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", default="/tmp/audit-scale")
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--pandas-rows", type=int, default=20_000_000)
    parser.add_argument("--spark-rows", type=int, default=10_000_000)
    parser.add_argument("--reading-rows", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--skip-reading", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-whole", action="store_true",
                        help="skip the cell table (and with --cli-scale the whole CLI) of "
                        "every row (the --pandas-rows and --spark-rows comparisons still run; "
                        "0 skips one)")
    parser.add_argument("--cli-rows", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--cli-scale", action="store_true",
                        help="the whole CLI on every row of the Parquet folder (duckdb), "
                        "on --cli-pandas-rows rows (pandas) and on --spark-rows rows (spark "
                        "local[2] and duckdb; --skip-spark leaves it out)")
    parser.add_argument("--cli-pandas-rows", type=int, default=10_000_000)
    parser.add_argument("--step-timeout", type=float, default=STEP_TIMEOUT,
                        help="seconds each measured step may take (3600)")
    parser.add_argument("--child")
    parser.add_argument("--path")
    parser.add_argument("--options", default="{}")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(task(args.child, args.path, json.loads(args.options))), flush=True)
        return

    STEP_TIMEOUT = args.step_timeout
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / "tables"
    scratch.mkdir(exist_ok=True)
    if not args.skip_cli:
        for rows in args.cli_rows:
            cli_figures(folder, rows)
    if args.cli_scale:
        files = generate(folder / "parquet", args.rows)  # reused when already written
        if not args.skip_whole:
            cli_scale_figures(folder, files, args.cli_pandas_rows)
        if not args.skip_spark and args.spark_rows > 0:
            cli_spark_figures(folder, files, args.spark_rows)
    if not args.skip_scale:
        free = shutil.disk_usage(folder).free / 1e9
        print(f"Parquet data: {args.rows:,} rows in {folder} ({free:.0f} GB free before)")
        files = generate(folder / "parquet", args.rows)
        size = sum(f.stat().st_size for f in files) / 1e9
        print(f"  {len(files)} files, {size:.1f} GB")
        if not args.skip_whole:
            whole = measured("duckdb", subset_of(folder, files, args.rows),
                             memory_limit=args.memory_limit)
            print(f"duckdb, {whole['rows']:,} rows ({whole['cells']} cells): "
                  f"{whole['seconds']:.1f} s, peak RSS {whole['peak_mb']:,.0f} MB "
                  f"(memory_limit {args.memory_limit}, 2 threads); median "
                  f"{whole['median']:.6f}, bin width {whole['width']:.2e}, AUC binning bound "
                  f"{whole['auc_bound']:.1e}")
        for label, rows in (("in-memory", args.pandas_rows), ("spark", args.spark_rows)):
            if rows <= 0 or (label == "spark" and args.skip_spark):
                continue
            subset = subset_of(folder, files, rows)
            count = len(list(subset.iterdir()))
            duck = measured("duckdb", subset, memory_limit=args.memory_limit,
                            save=str(scratch / f"duck-{count}.npz"))
            engine = "pandas" if label == "in-memory" else "spark"
            other = measured(engine, subset, save=str(scratch / f"{engine}-{count}.npz"))
            same = same_tables(str(scratch / f"duck-{count}.npz"),
                               str(scratch / f"{engine}-{count}.npz"))
            extra = (f", of which reading {other['read']:.1f} s" if engine == "pandas" else
                     f", after {other['startup']:.0f} s to start Spark")
            print(f"{engine}, {other['rows']:,} rows: {other['seconds']:.1f} s{extra}, peak RSS "
                  f"{other['peak_mb']:,.0f} MB (largest process, time -v), "
                  f"{other['tree_peak_mb']:,.0f} MB (process tree"
                  f"{': Python and the JVM' if engine == 'spark' else ''}, sampled)")
            print(f"duckdb, same {duck['rows']:,} rows: {duck['seconds']:.1f} s, peak RSS "
                  f"{duck['peak_mb']:,.0f} MB; {engine} / duckdb time "
                  f"{other['seconds'] / duck['seconds']:.1f}x; identical cell tables: "
                  f"{'yes' if same else 'NO'}")
    if not args.skip_reading:
        csv = wide_csv(folder / f"wide-{args.reading_rows}.csv", args.reading_rows)
        print(f"Reading a {args.reading_rows:,} x 20 CSV ({csv.stat().st_size / 1e6:.0f} MB), "
              "best of 3, each in its own process:")
        figures = {}
        for name in ("read-pyarrow", "read-pandas", "read-duckdb", "read-audit",
                     "count-duckdb", "count-pandas"):
            try:
                runs = [measured(name, csv) for _ in range(3)]
            except StepFailed as err:  # reported; the other readers are still measured
                print(f"  {err}")
                continue
            figures[name] = min(runs, key=lambda r: r["seconds"])
            figures[name]["peak_mb"] = max(r["peak_mb"] for r in runs)
        readers = [figures[n]["seconds"] for n in ("read-pyarrow", "read-pandas",
                                                   "read-duckdb") if n in figures]
        fastest = min(readers) if readers else float("nan")
        for name, f in figures.items():
            print(f"  {name:13s} {f['seconds']:6.2f} s ({f['seconds'] / fastest:4.1f}x the fastest"
                  f" reader)  peak RSS {f['peak_mb']:6.0f} MB")


if __name__ == "__main__":
    main()
