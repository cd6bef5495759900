"""What-if speed against fairlearn's ThresholdOptimizer on the same 1,000,000 rows, in one run.

    python benchmarks/bench_whatif.py [--rows 1000000] [--bootstrap 1000] [--repeat 3]

Prints: our sweep with every strategy (`audit.whatif.plan`: one sort per group, the exact
searches of all five strategies, the trade-off curves of the three constrained ones, and
their bootstrap intervals), fairlearn's ``ThresholdOptimizer`` fitted with a pass-through
prefit estimator for its three constraints on the same scores, and the ratio. Also the
full `audit.whatif.whatif` without fairlearn (every option audited again by the engine).
Budget (DESIGN.md): the sweep with all strategies at most 2 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit import AuditSpec, prepare  # noqa: E402
from audit.whatif import STRATEGIES, plan, whatif  # noqa: E402

BUDGET_SECONDS = 2.0
CONSTRAINTS = ("demographic_parity", "true_positive_rate_parity", "equalized_odds")


def make_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Two groups; a continuous score (about as many distinct values as rows) that is
    shifted down for one group, and decisions at a 0.5 cut-off."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), rows)
    label = rng.random(rows) < np.where(sex == "female", 0.4, 0.5)
    score = 1 / (1 + np.exp(-(rng.normal(0, 1, rows) + 1.2 * label
                              - 0.3 * (sex == "female") - 0.6)))
    return pd.DataFrame({"sex": sex, "label": label.astype(int),
                         "prediction": (score >= 0.5).astype(int), "score": score})


def time_ours(data, spec: AuditSpec, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = plan(data, spec, attribute="sex", strategies=STRATEGIES, tolerance=0.02)
        best = min(best, time.perf_counter() - start)
    return best, result


def time_fairlearn(frame: pd.DataFrame) -> tuple[float, dict[str, float]]:
    from fairlearn.postprocessing import ThresholdOptimizer
    from sklearn.base import BaseEstimator

    class ScoreColumn(BaseEstimator):
        def fit(self, X, y=None):  # noqa: N803
            return self

        def predict(self, X):  # noqa: N803
            return np.asarray(X)[:, 0]

        def __sklearn_is_fitted__(self):
            return True

    X = frame[["score"]].to_numpy()  # noqa: N806
    y = frame["label"].to_numpy()
    groups = frame["sex"].to_numpy()
    each = {}
    for constraint in CONSTRAINTS:
        start = time.perf_counter()
        ThresholdOptimizer(estimator=ScoreColumn(), constraints=constraint, prefit=True,
                           predict_method="predict",
                           tol=None if constraint == "equalized_odds" else 0.02,
                           ).fit(X, y, sensitive_features=groups)
        each[constraint] = time.perf_counter() - start
    return sum(each.values()), each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-fairlearn", action="store_true")
    args = parser.parse_args()

    frame = make_frame(args.rows)
    spec = AuditSpec(label="label", prediction="prediction", score="score",
                     sensitive=("sex",), favorable="1", bootstrap=args.bootstrap)
    data = prepare(frame, spec)
    distinct = frame["score"].nunique()
    print(f"{args.rows:,} rows, 2 groups, {distinct:,} distinct scores, "
          f"{args.bootstrap:,} bootstrap samples per point")

    ours, result = time_ours(data, spec, args.repeat)
    points = sum(len(c.points) for c in result.tradeoffs)
    print(f"ours: sweep + {len(result.options)} strategies + {points} trade-off points "
          f"with intervals: {ours:.2f} s (best of {args.repeat}; budget "
          f"{BUDGET_SECONDS:.0f} s: {'within' if ours <= BUDGET_SECONDS else 'OVER'})")

    start = time.perf_counter()
    report = whatif(data, spec, attribute="sex", randomized=False)
    full = time.perf_counter() - start
    print(f"ours, full whatif without fairlearn (plan + {len(report.options) + 1} engine "
          f"audits): {full:.2f} s")

    if args.skip_fairlearn:
        return
    theirs, each = time_fairlearn(frame)
    detail = ", ".join(f"{c} {t:.1f} s" for c, t in each.items())
    print(f"fairlearn ThresholdOptimizer, 3 constraints: {theirs:.2f} s ({detail})")
    print(f"ratio (fairlearn / ours): {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
