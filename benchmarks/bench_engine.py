"""Engine speed against fairlearn's MetricFrame on the same 1,000,000 rows, in one run.

    python benchmarks/bench_engine.py [--rows 1000000] [--bootstrap 1000]

Prints: our audit time with and without bootstrap intervals, fairlearn's MetricFrame
time for the same per-group rates (each attribute and the intersection), the ratio, the
largest difference between the two sets of point values (they must be identical), peak
memory, and the time and peak memory of loading a 1,000,000 × 20 CSV with our loader.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def _load_in_child(path: str, queue) -> None:
    from audit.inputs import read_csv

    data = Path(path).read_bytes()
    start = time.perf_counter()
    loaded = read_csv(data, name=Path(path).name)
    queue.put((time.perf_counter() - start, loaded.provenance.rows,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def bench_csv_load(rows: int) -> None:
    rng = np.random.default_rng(1)
    columns = {f"x{i}": rng.normal(size=rows).round(4) for i in range(15)}
    columns.update({f"c{i}": rng.choice(np.array(["alpha", "beta", "gamma", "delta"]), rows)
                    for i in range(5)})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wide.csv"
        pd.DataFrame(columns).to_csv(path, index=False)
        size_mb = path.stat().st_size / 1e6
        queue = multiprocessing.get_context("spawn").Queue()
        child = multiprocessing.get_context("spawn").Process(target=_load_in_child,
                                                             args=(str(path), queue))
        child.start()
        seconds, loaded_rows, peak_mb = queue.get(timeout=300)
        child.join()
    print(f"CSV load {loaded_rows:,} x 20 ({size_mb:.0f} MB): {seconds:.2f} s, "
          f"peak memory of the loading process {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--skip-csv", action="store_true")
    args = parser.parse_args()

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
    if not args.skip_csv:
        bench_csv_load(args.rows)


if __name__ == "__main__":
    main()
