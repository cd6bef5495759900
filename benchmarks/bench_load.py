"""Many users at once: concurrent audits, and concurrent sessions of the dashboard.

    python benchmarks/bench_load.py [--audits 8] [--rows 200000] [--bootstrap 1000]
                                    [--sessions 6] [--skip-server]

1. Engine. ``--audits`` different seeded datasets go the upload path (CSV bytes, then
   `read_csv`, then `audit_inputs`): first one after the other, then all at once in as
   many threads (how Streamlit serves sessions: one process, one thread per session), then
   in a process pool. Every group metric of every concurrent result must equal the
   sequential one; none may be lost. Prints the wall times and the peak memory.
2. Server. ``streamlit run app.py`` on 127.0.0.1 (a free port), then ``--sessions``
   headless Chromium pages in one browser, at once: half run the bundled sample from the
   home page, half upload ``hiring.csv`` and run it; each must show its own verdict.
   Prints the wall time, the slowest session and the server's peak memory (VmHWM).

``tests/e2e/test_concurrent_load.py`` runs the same harness small and with hard time limits.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import resource
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit.engine import audit_inputs  # noqa: E402
from audit.inputs import AuditSpec, read_csv  # noqa: E402
from benchmarks.server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start_server,
    stop_server,
)

HIRING = ROOT / "sample_data" / "hiring.csv"
SAMPLE_VERDICT = "sex · Four-fifths rule (at least 0.80): FAILS — 0.70"  # the first line

Metrics = dict[tuple[str, str, str], tuple[float, float, float]]


# --- engine ------------------------------------------------------------------------------


def make_csv(rows: int, seed: int) -> bytes:
    """A dataset with two sensitive attributes and a bias that depends on the seed."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), rows)
    race = rng.choice(np.array(["White", "Black", "Hispanic", "Asian", "Other"]), rows,
                      p=[0.6, 0.15, 0.15, 0.07, 0.03])
    label = rng.random(rows) < 0.5
    bias = (np.where(sex == "female", -0.02 * (seed % 5), 0.0)
            + np.where(race == "Black", -0.03 * (seed % 4), 0.0))
    prediction = rng.random(rows) < 0.35 + 0.3 * label + bias
    frame = pd.DataFrame({"id": np.arange(rows), "sex": sex, "race": race,
                          "label": label.astype(int), "prediction": prediction.astype(int)})
    return frame.to_csv(index=False).encode()


def spec(bootstrap: int, seed: int) -> AuditSpec:
    return AuditSpec(label="label", prediction="prediction", sensitive=("sex", "race"),
                     favorable="1", bootstrap=bootstrap, seed=seed)


def audit_csv(data: bytes, name: str, bootstrap: int, seed: int) -> Metrics:
    """Every group metric (value and interval) of one audit of ``data``."""
    run = audit_inputs(dataset=read_csv(data, name=name), predictions=None,
                       spec=spec(bootstrap, seed), id_column="id")
    return {(g.attribute, g.group, metric): (e.value, e.ci_low, e.ci_high)
            for g in run.result.groups for metric, e in g.metrics.items()}


def _audit_in_worker(data: bytes, name: str, bootstrap: int, seed: int
                     ) -> tuple[Metrics, float]:
    """`audit_csv` in a pool worker, with the worker's peak memory so far (MB)."""
    return audit_csv(data, name, bootstrap, seed), peak_memory_mb(os.getpid())


def same(a: Metrics, b: Metrics) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(np.array(a[k]), np.array(b[k]), equal_nan=True) for k in a)


@dataclass(frozen=True)
class EngineLoad:
    mode: str
    audits: int
    seconds: float
    results: tuple[Metrics, ...]
    worker_peak_mb: float = float("nan")  # processes: the largest worker's peak memory


def engine_load(datasets: Sequence[bytes], bootstrap: int, mode: str,
                timeout_s: float | None = None) -> EngineLoad:
    """Audit every dataset: ``sequential``, in ``threads`` (one each) or a ``processes`` pool.

    Raises ``TimeoutError`` (concurrent.futures) when the whole batch takes too long.
    """
    jobs = [(data, f"data_{i}.csv", bootstrap, i) for i, data in enumerate(datasets)]
    start = time.perf_counter()
    peak = float("nan")
    if mode == "sequential":
        results = [audit_csv(*job) for job in jobs]
    elif mode == "threads":
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as threads:
            futures = [threads.submit(audit_csv, *job) for job in jobs]
            results = [f.result(timeout=timeout_s) for f in futures]
    else:
        with concurrent.futures.ProcessPoolExecutor(
                max_workers=os.cpu_count() or 2,
                mp_context=multiprocessing.get_context("spawn")) as processes:
            pending = [processes.submit(_audit_in_worker, *job) for job in jobs]
            answers = [p.result(timeout=timeout_s) for p in pending]
        results = [metrics for metrics, _ in answers]
        peak = max(mb for _, mb in answers)
    return EngineLoad(mode, len(jobs), time.perf_counter() - start, tuple(results), peak)


# --- server ------------------------------------------------------------------------------


def peak_memory_mb(pid: int) -> float:
    """The peak resident memory of a running process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http_gets(base: str, count: int, timeout_s: float) -> list[int]:
    """``count`` concurrent GETs of the health check and of the page; their HTTP statuses."""
    def get(path: str) -> int:
        with urllib.request.urlopen(base + path, timeout=timeout_s) as answer:
            answer.read()
            return int(answer.status)

    paths = ["/_stcore/health", "/"] * count
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * count) as pool:
        return list(pool.map(get, paths, timeout=timeout_s))


@dataclass(frozen=True)
class Session:
    kind: str  # "sample" or "hiring"
    ok: bool
    seconds: float
    detail: str = ""


def browser_sessions(base: str, sessions: int, timeout_s: float) -> list[Session]:
    """``sessions`` pages in one headless Chromium, acting at once; what each one saw."""
    from playwright.sync_api import Error, sync_playwright

    kinds = ["sample" if i % 2 == 0 else "hiring" for i in range(sessions)]
    step_ms = int(timeout_s * 1000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages = [browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
                     for _ in kinds]
            for page in pages:
                page.set_default_timeout(step_ms)
            for page, kind in zip(pages, kinds, strict=True):  # open every page first ...
                page.goto(base if kind == "sample" else f"{base}/upload")
            for page, kind in zip(pages, kinds, strict=True):
                if kind == "sample":
                    page.get_by_role("button", name="Try it with sample data").wait_for()
                else:
                    page.locator(".st-key-upload_dataset input[type=file]").wait_for(
                        state="attached")
            start = time.perf_counter()
            for page, kind in zip(pages, kinds, strict=True):  # ... then act in all at once
                if kind == "sample":
                    page.get_by_role("button", name="Try it with sample data").click()
                else:
                    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(
                        str(HIRING))
            outcomes = []
            for page, kind in zip(pages, kinds, strict=True):
                try:
                    if kind == "sample":
                        page.get_by_text(SAMPLE_VERDICT).wait_for()
                    else:
                        page.get_by_text("4,000 rows × 11 columns").wait_for()
                        favorable = page.locator(".st-key-role_favorable input")
                        favorable.click()  # 0/1 codes: the user says which is favorable
                        favorable.fill("1")
                        page.get_by_role("option", name="1", exact=True).click()
                        page.get_by_role("button", name="Run audit").click()
                        page.get_by_text("2. Read the disparities").wait_for()
                    traceback = page.get_by_text("Traceback").count()
                    outcomes.append(Session(kind, traceback == 0, time.perf_counter() - start,
                                            "traceback shown" if traceback else ""))
                except Error as err:
                    outcomes.append(Session(kind, False, time.perf_counter() - start,
                                            str(err).splitlines()[0]))
            return outcomes
        finally:
            browser.close()


def run_server_load(sessions: int, timeout_s: float, log: Path
                    ) -> tuple[list[int], list[Session], float, float]:
    """Start the server, load it; (HTTP statuses, sessions, wall seconds, server peak MB)."""
    port = free_port()
    process = start_server(port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        start = time.perf_counter()
        statuses = http_gets(base, sessions, timeout_s)
        outcomes = browser_sessions(base, sessions, timeout_s)
        wall = time.perf_counter() - start
        peak = peak_memory_mb(process.pid)
    finally:
        stop_server(process)
    return statuses, outcomes, wall, peak


# --- the benchmark -----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=8)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args(argv)

    datasets = [make_csv(args.rows, seed) for seed in range(args.audits)]
    size = sum(map(len, datasets)) / 2**20
    print(f"engine: {args.audits} datasets of {args.rows:,} rows ({size:,.1f} MB of CSV), "
          f"{args.bootstrap} bootstrap samples, {os.cpu_count()} CPUs")
    audit_csv(datasets[0], "warm_up.csv", args.bootstrap, 0)  # imports and first-call setup
    sequential = engine_load(datasets, args.bootstrap, "sequential")
    print(f"  sequential  {sequential.seconds:7.2f} s")
    workers = float("nan")
    for mode in ("threads", "processes"):
        load = engine_load(datasets, args.bootstrap, mode)
        agree = len(load.results) == args.audits and all(
            same(a, b) for a, b in zip(load.results, sequential.results, strict=True))
        print(f"  {mode:<11s} {load.seconds:7.2f} s  all {args.audits} results equal to "
              f"sequential: {agree}")
        if not agree:
            raise SystemExit(f"{mode}: a concurrent result differs from the sequential one")
        if mode == "processes":
            workers = load.worker_peak_mb
    print(f"  peak memory: this process (sequential and threads) "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB, "
          f"largest pool worker {workers:,.0f} MB")

    if args.skip_server:
        return
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    log = ROOT / "tests" / "e2e" / "artifacts" / "bench_load_streamlit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    statuses, outcomes, wall, peak = run_server_load(args.sessions, 120, log)
    ok = sum(o.ok for o in outcomes)
    print(f"server: {args.sessions} concurrent browser sessions "
          f"({sum(o.kind == 'sample' for o in outcomes)} sample, "
          f"{sum(o.kind == 'hiring' for o in outcomes)} hiring upload)")
    print(f"  HTTP: {len(statuses)} concurrent GETs, statuses {sorted(set(statuses))}")
    print(f"  sessions that finished: {ok}/{len(outcomes)}; slowest "
          f"{max(o.seconds for o in outcomes):.1f} s after acting; wall {wall:.1f} s")
    for outcome in outcomes:
        if not outcome.ok:
            print(f"  FAILED {outcome.kind}: {outcome.detail}")
    print(f"  server peak memory (VmHWM): {peak:,.0f} MB")
    if ok != len(outcomes) or set(statuses) != {200}:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
