"""Explanation time on 1,000,000 rows (surrogate, SHAP, gap attribution, proxies).

    python benchmarks/bench_explain.py [--rows 1000000] [--sample-size 2000] [--seed 0]

Generates the rows (two sensitive attributes, 8 numeric and 3 text features, a planted
direct effect of sex and a zip code tied to race), then times ``explain`` twice: once
plain (wall time), once under tracemalloc (peak memory allocated during the call). Also
prints the process's peak resident memory. The explanation works from a stratified
sample (``--sample-size`` rows explained, at most 20,000 rows to fit the surrogate and to
score proxies), so its time hardly grows with the row count.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.explain import explain, import_shap  # noqa: E402
from audit.inputs import PreparedData, SensitiveColumn  # noqa: E402

RACES = ("White", "Black", "Hispanic", "Asian", "Other")


def make_data(rows: int, seed: int = 0) -> PreparedData:
    rng = np.random.default_rng(seed)
    sex = rng.choice(2, rows)
    race = rng.choice(len(RACES), rows, p=[0.6, 0.15, 0.15, 0.07, 0.03])
    zip_code = np.where(
        rng.random(rows) < 0.8, race * 40 + rng.integers(0, 40, rows), rng.integers(0, 200, rows)
    )
    numeric = rng.normal(size=(rows, 8))
    frame = pd.DataFrame({f"x{i}": numeric[:, i] for i in range(8)})
    frame["zip"] = pd.Series(np.char.add("Z", zip_code.astype(str)), dtype="str")
    frame["occupation"] = pd.Series(
        np.char.add("job", rng.integers(0, 20, rows).astype(str)), dtype="str"
    )
    frame["colour"] = pd.Series(rng.choice(np.array(["red", "green", "blue"]), rows), dtype="str")
    margin = 0.8 * sex - 0.9 * (zip_code // 40 == 1) + numeric[:, 0] + 0.5 * numeric[:, 1] - 0.2
    y_pred = margin > 0
    y_true = margin + rng.normal(size=rows) > 0
    return PreparedData(
        frame=frame,
        y_true=y_true,
        y_pred=y_pred,
        score=None,
        sensitive=(
            SensitiveColumn("sex", sex, ("female", "male")),
            SensitiveColumn("race", race, RACES),
        ),
        favorable="1",
        features=tuple(frame.columns),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    data = make_data(args.rows, args.seed)
    print(
        f"generated {args.rows:,} rows x {len(data.features)} features "
        f"in {time.perf_counter() - started:.1f} s"
    )
    import_shap()  # a one-off import cost, not part of an explanation

    started, cpu = time.perf_counter(), time.process_time()
    result = explain(data, references={}, sample_size=args.sample_size, seed=args.seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu

    tracemalloc.start()
    explain(data, references={}, sample_size=args.sample_size, seed=args.seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"explain: {seconds:.2f} s wall, {cpu:.2f} s CPU (sample {result.sample_size:,} of "
        f"{result.population_rows:,} rows, surrogate fitted on {result.surrogate_rows:,})"
    )
    print(f"peak memory allocated during explain (tracemalloc): {peak / 2**20:.0f} MB")
    print(f"peak resident memory of the process (incl. the generated data): {rss_mb:.0f} MB")
    print(
        f"fidelity: agreement {result.fidelity.agreement:.3f}, "
        f"ROC AUC {result.fidelity.roc_auc:.3f} on {result.fidelity.held_out_rows:,} held-out rows"
    )
    for attribute in ("sex", "race"):
        for line in result.summary(attribute)[:3]:
            print("  " + line)


if __name__ == "__main__":
    main()
