"""The exact search is exact: its totals equal a brute force over every combination."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from audit import AuditSpec, prepare
from audit.whatif import plan

RULES = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("true_positive_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
}
SPEC = AuditSpec(label="y", prediction="p", score="s", sensitive=("g",), favorable="1",
                 bootstrap=0, min_denominator=1)


def problem(groups: int, rows: int, decimals: int, seed: int, no_positives: bool = False
            ) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, rows)
    y = rng.random(rows) < 0.3 + 0.15 * g
    if no_positives:
        y[g == 0] = False
    s = np.clip(rng.normal(0.4 + 0.25 * y - 0.05 * g, 0.2), 0, 1).round(decimals)
    return pd.DataFrame({"g": np.array(["a", "b", "c", "d"])[g], "y": y.astype(int),
                         "p": (s >= 0.5).astype(int), "s": s})


def candidate_table(frame: pd.DataFrame, cost_ratio: float) -> list[dict[str, np.ndarray]]:
    """Per group: every cut-off's cost and rates, by brute force."""
    out = []
    for _, part in frame.groupby("g", sort=True):
        s, y = part["s"].to_numpy(), part["y"].to_numpy().astype(bool)
        cuts = np.append(np.unique(s), np.inf)
        decided = s[None, :] >= cuts[:, None]
        tp, fp = (decided & y).sum(1), (decided & ~y).sum(1)
        fn = y.sum() - tp
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append({
                "cost": cost_ratio * fp + fn,
                "selection_rate": decided.mean(1),
                "true_positive_rate": tp / y.sum() if y.any() else None,
                "false_positive_rate": fp / (~y).sum() if (~y).any() else None,
            })
    return out


def brute_force(table: list[dict[str, np.ndarray]], rule: str, tol: float) -> float:
    best = np.inf
    for choice in itertools.product(*(range(t["cost"].size) for t in table)):
        ok = True
        for metric in RULES[rule]:
            values = [t[metric][j] for t, j in zip(table, choice, strict=True)
                      if t[metric] is not None]
            if len(values) >= 2 and max(values) - min(values) > tol + 1e-12:
                ok = False
        if ok:
            best = min(best, sum(t["cost"][j] for t, j in zip(table, choice, strict=True)))
    return best


def total_cost(option, cost_ratio: float) -> float:
    counts = option.evaluation.counts
    return float((cost_ratio * counts[:, 1] + counts[:, 3]).sum())


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize(("groups", "seed", "no_positives"),
                         [(2, 1, False), (3, 2, False), (3, 3, True)])
@pytest.mark.parametrize("cost_ratio", [1.0, 2.5])
def test_small_problems_match_brute_force(rule, groups, seed, no_positives, cost_ratio):
    frame = problem(groups, rows=45 * groups, decimals=1, seed=seed, no_positives=no_positives)
    data = prepare(frame, SPEC)
    table = candidate_table(frame, cost_ratio)
    for tol in (0.0, 0.05, 0.15):
        result = plan(data, SPEC, strategies=[rule], tolerance=tol, cost_ratio=cost_ratio)
        option = result.option(rule)
        assert total_cost(option, cost_ratio) == pytest.approx(
            brute_force(table, rule, tol), abs=1e-9), tol
        assert option.evaluation.disparities[
            {"demographic_parity": "demographic_parity_difference",
             "equal_opportunity": "equal_opportunity_difference",
             "equalized_odds": "equalized_odds_difference"}[rule]].value <= tol + 1e-12


def pair_brute_force(table: list[dict[str, np.ndarray]], rule: str, tol: float) -> float:
    """Two groups, thousands of cut-offs each: every pair, in chunks."""
    a, b = table
    best = np.inf
    for start in range(0, a["cost"].size, 256):
        rows = slice(start, start + 256)
        ok = np.ones((a["cost"][rows].size, b["cost"].size), dtype=bool)
        for metric in RULES[rule]:
            ok &= np.abs(a[metric][rows, None] - b[metric][None, :]) <= tol + 1e-12
        totals = np.where(ok, a["cost"][rows, None] + b["cost"][None, :], np.inf)
        best = min(best, float(totals.min()))
    return best


@pytest.mark.parametrize("rule", list(RULES))
def test_large_two_group_problems_match_brute_force(rule):
    """Thousands of cut-offs per group: the pruned search must still find the optimum."""
    frame = problem(2, rows=12_000, decimals=4, seed=5)
    data = prepare(frame, SPEC)
    table = candidate_table(frame, 1.0)
    assert min(t["cost"].size for t in table) > 2000
    result = plan(data, SPEC, strategies=[rule], tolerance=0.01)
    for point in result.tradeoffs[0].points:
        if point.tolerance in (0.0, 0.01, 0.1):
            counts = point.evaluation.counts
            assert float(counts[:, 1].sum() + counts[:, 3].sum()) == pair_brute_force(
                table, rule, point.tolerance), point.tolerance


def test_equalized_odds_over_many_groups_and_cut_offs_thins_and_says_so():
    from audit.whatif import words

    frame = problem(3, rows=9_000, decimals=4, seed=8)
    data = prepare(frame, SPEC)
    option = plan(data, SPEC, strategies=["equalized_odds"], tolerance=0.02).option(
        "equalized_odds")
    candidates = max(t["cost"].size for t in candidate_table(frame, 1.0))
    assert words.THINNED_SEARCH.format(groups=3, candidates=candidates, kept=400) in option.notes
    assert option.evaluation.disparities["equalized_odds_difference"].value <= 0.02 + 1e-12
