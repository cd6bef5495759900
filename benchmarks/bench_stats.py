"""Do the engine's intervals and tests hold their stated error rates? Measured by simulation.

    python benchmarks/bench_stats.py [--reps 1000] [--null-reps 3000] [--engine-reps 500]
                                     [--engine-null-reps 1000] [--seed 0] [--confidence 0.95]
                                     [--only toolkit|engine]

Prints, with the command line and wall time at the top so the tables can be quoted.

Through the engine as shipped (`run_audit` on data made from simulated cell counts: the
engine works on counts, so each audit's rows are its counts repeated):

A. Coverage of the intervals the record carries, ``--engine-reps`` audits per cell: group
   sizes n ∈ {30, 100, 1000}, reference rates {0.05, 0.3, 0.5}, true impact ratios
   {1.0, 0.8}; a group's selection rate, its difference from the reference and its ratio to
   it (the disparity table). Every cell should be at least 0.93.
B. Null audits (every group drawn from the same confusion-cell shares), with 2, 3, 4 and 6
   groups of 214 people (about 150 with a favorable label each: base rate 0.7, true
   positive rate 0.7, false positive rate 0.2), and with 2, 3 and 6 groups of 30 people
   (small counts: exact tests): the share of audits reporting any significant difference
   (a disparity, an adverse-impact row or a finding), the share that FAIL equal
   opportunity (the 4-group row is the issue's "4 groups of equal true positive rates,
   about 150 positives each"), and the share that FAIL the four-fifths rule although every
   true impact ratio is 1 (the comparator is the observed highest, so this checks the
   selection effect). Each should be at most 0.05.
C. The four-fifths rule at its boundary: one group's true impact ratio exactly 0.80 against
   the others (2, 3 and 6 groups of 500): how often the audit FAILs it (a false FAIL).

Through the statistics toolkit (audit/engine/_intervals.py), as it was measured when the
toolkit was built:

1. Coverage of the intervals in ``audit/engine/_intervals.py`` over a grid: group sizes
   n ∈ {30, 100, 1000} (both groups), comparator rates {0.05, 0.3, 0.5}, true impact ratios
   {1.0, 0.8}; for a rate (Wilson, Clopper-Pearson), a difference (Newcombe) and a ratio
   (Koopman, Katz), ``--reps`` simulated audits per cell, with the exact coverage (every
   outcome enumerated, weighted by its binomial probability; no Monte-Carlo error) beside
   it. A ratio is undefined when the comparator has no favourable outcome; its coverage is
   among the defined intervals and the undefined share is shown.
2. The span (max - min) criterion with 4 groups of equal true positive rate 0.7 and 150
   positives each: the plug-in gap, the interval, its coverage of the true 0, and how often
   the audit FAILs "gap ≤ 0.10" by the interval rule and by the old point rule.
3. The global null with 2, 3 and 6 groups of equal rates: how often the omnibus test is
   significant, and how often a pair would be named.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.engine import (  # noqa: E402
    FISHER_FREEMAN_HALTON,
    MONTE_CARLO_DRAWS,
    AuditResult,
    clopper_pearson,
    homogeneity_test,
    judge_interval,
    newcombe,
    ratio_interval,
    run_audit,
    span_interval,
    wilson,
)
from audit.inputs import (  # noqa: E402
    DEFAULT_CRITERIA,
    AuditSpec,
    PreparedData,
    SensitiveColumn,
)

PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"  # judge_interval's outcomes
SIZES = (30, 100, 1000)
REFERENCE_RATES = (0.05, 0.3, 0.5)
IMPACT_RATIOS = (1.0, 0.8)
FLOOR = 0.93
EXACT_TEST = FISHER_FREEMAN_HALTON.format(draws=MONTE_CARLO_DRAWS)
Interval = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray,
                                                                            np.ndarray]]


def support(n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes of Bin(n, p) with their probabilities, dropping tails below 1e-13."""
    x = np.arange(int(stats.binom.ppf(1e-13, n, p)), int(stats.binom.isf(1e-13, n, p)) + 1)
    return x.astype(float), stats.binom.pmf(x, n, p)


def coverage(low: np.ndarray, high: np.ndarray, truth: float,
             weight: np.ndarray | None = None) -> tuple[float, float]:
    """(coverage among defined intervals, share undefined), optionally probability-weighted."""
    weight = np.ones(low.shape) if weight is None else weight
    defined = ~np.isnan(low)
    covered = defined & (low <= truth) & (truth <= high)
    return (float(weight[covered].sum() / weight[defined].sum()),
            float(weight[~defined].sum() / weight.sum()))


def coverage_grid(reps: int, confidence: float, rng: np.random.Generator) -> list[list[str]]:
    methods: dict[str, tuple[str, Interval]] = {
        "rate Wilson": ("rate", lambda x1, n1, x2, n2: wilson(x1, n1, confidence=confidence)),
        "rate CP": ("rate", lambda x1, n1, x2, n2: clopper_pearson(x1, n1,
                                                                  confidence=confidence)),
        "diff Newcombe": ("difference", lambda *c: newcombe(*c, confidence=confidence)),
        "ratio Koopman": ("ratio", lambda *c: ratio_interval(*c, confidence=confidence)),
        "ratio Katz": ("ratio", lambda *c: ratio_interval(*c, confidence=confidence,
                                                          method="katz")),
    }
    header = ["n", "p_ref", "IR", *methods, "ratio undefined"]
    rows = [header]
    worst = {name: (1.0, "") for name in methods}
    for n in SIZES:
        for p_ref in REFERENCE_RATES:
            for ratio in IMPACT_RATIOS:
                p_group = p_ref * ratio
                truths = {"rate": p_group, "difference": p_group - p_ref, "ratio": ratio}
                simulated = (rng.binomial(n, p_group, reps).astype(float), np.full(reps, n),
                             rng.binomial(n, p_ref, reps).astype(float), np.full(reps, n))
                (x1, w1), (x2, w2) = support(n, p_group), support(n, p_ref)
                grid1, grid2 = np.meshgrid(x1, x2, indexing="ij")
                exact = (grid1.ravel(), np.full(grid1.size, n), grid2.ravel(),
                         np.full(grid1.size, n))
                weight = np.outer(w1, w2).ravel()
                row = [str(n), f"{p_ref:g}", f"{ratio:g}"]
                undefined = ""
                for name, (kind, interval) in methods.items():
                    sim, sim_undefined = coverage(*interval(*simulated), truths[kind])
                    ex, ex_undefined = coverage(*interval(*exact), truths[kind], weight)
                    flag = "*" if min(sim, ex) < FLOOR else " "
                    row.append(f"{sim:.3f} ({ex:.4f}){flag}")
                    worst[name] = min(worst[name], (min(sim, ex), f"n={n} p_ref={p_ref:g} "
                                                    f"IR={ratio:g}"))
                    if kind == "ratio":
                        undefined = f"{sim_undefined:.3f} ({ex_undefined:.4f})"
                rows.append([*row, undefined])
    rows.append(["lowest", "", "", *(f"{value:.4f}" for value, _ in worst.values()), ""])
    rows.append(["at", "", "", *(where for _, where in worst.values()), ""])
    return rows


def span_study(reps: int, confidence: float, rng: np.random.Generator) -> list[list[str]]:
    groups, positives, rate, threshold = 4, 150, 0.7, 0.10
    x = rng.binomial(positives, rate, (reps, 1, groups)).astype(float)
    span = span_interval(x, np.full(x.shape, positives), confidence=confidence)
    verdict = judge_interval(span.low, span.high, threshold=threshold, bound="max")
    return [
        ["quantity", "value"],
        ["true gap", "0"],
        ["mean plug-in gap (max - min of observed rates)", f"{span.estimate.mean():.4f}"],
        ["mean interval", f"[{span.low.mean():.4f}, {span.high.mean():.4f}]"],
        ["interval covers the true 0", f"{np.mean(span.low == 0):.3f}"],
        ["a pair is named (its simultaneous interval excludes 0)",
         f"{np.mean(span.rate >= 0):.3f}"],
        [f"FAIL 'gap <= {threshold:g}' (interval wholly above)", f"{np.mean(verdict == FAIL):.3f}"],
        ["INCONCLUSIVE", f"{np.mean(verdict == INCONCLUSIVE):.3f}"],
        ["PASS (interval wholly within)", f"{np.mean(verdict == PASS):.3f}"],
        ["FAIL by the old point rule (plug-in gap > 0.10)",
         f"{np.mean(span.estimate > threshold + 1e-12):.3f}"],
    ]


def null_study(reps: int, confidence: float, rng: np.random.Generator) -> list[list[str]]:
    alpha = 1 - confidence
    rows = [["groups", "n per group", "rate", "exact test used", "omnibus p < 0.05",
             "pair named", "named and omnibus", "old: max vs min z-test"]]
    for n, rate in ((150, 0.7), (30, 0.1)):
        for groups in (2, 3, 6):
            x = rng.binomial(n, rate, (reps, groups)).astype(float)
            sizes = np.full(x.shape, float(n))
            tests = [homogeneity_test(row, sizes[0], seed=int(rng.integers(2**31)))
                     for row in x]
            p_values = np.array([p for p, _ in tests])
            exact = np.mean([name == EXACT_TEST for _, name in tests])
            named = span_interval(x[:, None, :], sizes[:, None, :],
                                  confidence=confidence).rate >= 0
            significant = p_values < alpha
            # the old way: the observed highest against the observed lowest, plain z-test
            high, low = x.max(axis=1), x.min(axis=1)
            pooled = (high + low) / (2 * n)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = (high - low) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
            old = np.nan_to_num(2 * stats.norm.sf(z), nan=1.0) < alpha
            rows.append([str(groups), str(n), f"{rate:g}", f"{exact:.0%}",
                         f"{significant.mean():.3f}", f"{named.mean():.3f}",
                         f"{(named & significant).mean():.3f}", f"{old.mean():.3f}"])
    error = np.sqrt(alpha * (1 - alpha) / reps)
    rows.append(["", "", "", "Monte-Carlo s.e. at 0.05", f"±{error:.3f}", "", "", ""])
    return rows


# --- through the engine as shipped -------------------------------------------------------

CELLS = np.array([[True, True], [False, True], [False, False], [True, False]])  # TP FP TN FN
NULL_SHARES = (0.7 * 0.7, 0.3 * 0.2, 0.3 * 0.8, 0.7 * 0.3)  # base 0.7, TPR 0.7, FPR 0.2


def prepared(counts: np.ndarray, labels: tuple[str, ...]) -> PreparedData:
    """The rows of an audit whose groups have confusion counts ``counts`` (G, 4)."""
    per_cell = counts.ravel()
    codes = np.repeat(np.repeat(np.arange(counts.shape[0]), 4), per_cell)
    cell = np.repeat(np.tile(np.arange(4), counts.shape[0]), per_cell)
    return PreparedData(frame=pd.DataFrame(index=pd.RangeIndex(codes.size)),
                        y_true=CELLS[cell, 0], y_pred=CELLS[cell, 1], score=None,
                        sensitive=(SensitiveColumn("g", codes, labels),), favorable="1",
                        features=())


def any_significant(result: AuditResult) -> bool:
    """Does the audit report a significant difference anywhere (tables or findings)?"""
    return (any(d.significant for d in result.disparities)
            or any(r.p_adjusted < result.spec.alpha for t in result.adverse_impact
                   for r in t.rows)
            or any(f.significant for f in result.findings))


def engine_coverage(reps: int, confidence: float, rng: np.random.Generator
                    ) -> tuple[list[list[str]], float]:
    """Coverage of the record's rate, difference and ratio intervals, through run_audit."""
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), reference={"g": "ref"},
                     criteria=(), bootstrap=0, confidence=confidence, intersections=False)
    rows = [["n", "p_ref", "IR", "rate (CP)", "difference (Newcombe)", "ratio (Koopman)",
             "ratio undefined"]]
    lowest, started = 1.0, time.perf_counter()
    for n in SIZES:
        for p_ref in REFERENCE_RATES:
            for ratio in IMPACT_RATIOS:
                p_group = p_ref * ratio
                chosen = np.stack([rng.binomial(n, p_group, reps), rng.binomial(n, p_ref, reps)],
                                  axis=1)  # groups "grp", "ref"; labels equal decisions
                hits = np.zeros(3)
                defined = np.zeros(3)
                for selected in chosen:
                    counts = np.column_stack([selected, [0, 0], n - selected, [0, 0]])
                    result = run_audit(prepared(counts, ("grp", "ref")), spec)
                    rate = result.group("g", "grp").metrics["selection_rate"]
                    gap = next(d for d in result.disparities if d.metric == "selection_rate")
                    for k, (e, truth) in enumerate(((rate, p_group),
                                                    (gap.difference, p_group - p_ref),
                                                    (gap.ratio, ratio))):
                        if not np.isnan(e.ci_low):
                            defined[k] += 1
                            hits[k] += e.ci_low <= truth <= e.ci_high
                shares = hits / np.maximum(defined, 1)
                lowest = min(lowest, *shares)
                rows.append([str(n), f"{p_ref:g}", f"{ratio:g}",
                             *(f"{v:.3f}{'*' if v < FLOOR else ' '}" for v in shares),
                             f"{1 - defined[2] / reps:.3f}"])
    rows.append(["lowest", "", "", f"{lowest:.3f}", "", "", ""])
    return rows, time.perf_counter() - started


def engine_null(reps: int, confidence: float, rng: np.random.Generator
                ) -> tuple[list[list[str]], float]:
    """Null audits through run_audit: false alarms and false FAILs."""
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), criteria=DEFAULT_CRITERIA,
                     bootstrap=0, confidence=confidence, alpha=1 - confidence,
                     intersections=False)
    rows = [["groups", "n each", "favorable labels each", "any significant",
             "FAIL equal opportunity", "FAIL four-fifths", "FAIL any", "INCONCLUSIVE",
             "PASS"]]
    started = time.perf_counter()
    for n, groups_list in ((214, (2, 3, 4, 6)), (30, (2, 3, 6))):
        for groups in groups_list:
            labels = tuple(f"g{i}" for i in range(groups))
            tally = {"significant": 0, "equal_opportunity_difference": 0, "impact_ratio": 0,
                     "fail": 0, "inconclusive": 0, "pass": 0}
            for counts in rng.multinomial(n, NULL_SHARES, size=(reps, groups)):
                result = run_audit(prepared(counts, labels), spec)
                tally["significant"] += any_significant(result)
                for f in result.findings:
                    if f.status == "fail" and f.criterion.metric in tally:
                        tally[f.criterion.metric] += 1
                tally[result.verdict] = tally.get(result.verdict, 0) + 1
            rows.append([str(groups), str(n), f"{0.7 * n:.0f}",
                         *(f"{tally[k] / reps:.3f}" for k in (
                             "significant", "equal_opportunity_difference", "impact_ratio",
                             "fail", "inconclusive", "pass"))])
    error = np.sqrt(0.05 * 0.95 / reps)
    rows.append(["", "", "Monte-Carlo s.e. at 0.05", f"±{error:.3f}", "", "", "", "", ""])
    return rows, time.perf_counter() - started


def engine_boundary(reps: int, confidence: float, rng: np.random.Generator
                    ) -> tuple[list[list[str]], float]:
    """One group with a true impact ratio of exactly 0.80: how often FAIL four-fifths."""
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",),
                     criteria=(DEFAULT_CRITERIA[0],), bootstrap=0, confidence=confidence,
                     intersections=False)
    rows = [["groups", "n each", "rates", "FAIL four-fifths", "INCONCLUSIVE", "PASS"]]
    started = time.perf_counter()
    n, high = 500, 0.5
    for groups in (2, 3, 6):
        labels = tuple(f"g{i}" for i in range(groups))
        rates = np.array([0.8 * high] + [high] * (groups - 1))
        outcome = {"fail": 0, "inconclusive": 0, "pass": 0, "not_judged": 0}
        for selected in rng.binomial(n, rates, size=(reps, groups)):
            counts = np.column_stack([selected, np.zeros(groups, int), n - selected,
                                      np.zeros(groups, int)])
            (finding,) = run_audit(prepared(counts, labels), spec).findings
            outcome[finding.status] += 1
        rows.append([str(groups), str(n), f"{0.8 * high:g} vs {high:g}",
                     *(f"{outcome[k] / reps:.3f}" for k in ("fail", "inconclusive", "pass"))])
    return rows, time.perf_counter() - started


def print_table(title: str, rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"\n{title}")
    for k, row in enumerate(rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if k == 0:
            print("  ".join("-" * width for width in widths))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000,
                        help="toolkit: simulated audits per cell (at least 500 for quoting)")
    parser.add_argument("--null-reps", type=int, default=3000,
                        help="toolkit: simulated audits per global-null row (the shares are "
                        "compared with 0.05, so they need a smaller Monte-Carlo error)")
    parser.add_argument("--engine-reps", type=int, default=500,
                        help="engine: audits per coverage cell and per boundary row (500)")
    parser.add_argument("--engine-null-reps", type=int, default=1000,
                        help="engine: audits per null row (1000)")
    parser.add_argument("--only", choices=("toolkit", "engine"),
                        help="run one half only (default: both)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--confidence", type=float, default=0.95)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    tables: list[tuple[str, list[list[str]]]] = []
    if args.only != "toolkit":
        coverage, seconds = engine_coverage(args.engine_reps, args.confidence, rng)
        tables.append((f"A. Engine (run_audit): coverage of the record's intervals, "
                       f"{args.engine_reps} audits per cell ({seconds:.0f} s); * = below "
                       f"{FLOOR}", coverage))
        null, seconds = engine_null(args.engine_null_reps, args.confidence, rng)
        tables.append((f"B. Engine (run_audit): null audits, every group alike, "
                       f"{args.engine_null_reps} audits per row ({seconds:.0f} s): share of "
                       "audits", null))
        boundary, seconds = engine_boundary(args.engine_reps, args.confidence, rng)
        tables.append((f"C. Engine (run_audit): one group's true impact ratio exactly 0.80, "
                       f"{args.engine_reps} audits per row ({seconds:.0f} s): share of audits",
                       boundary))
    if args.only != "engine":
        tables.append((f"1. Toolkit coverage: simulated (exact by enumeration); * = below "
                       f"{FLOOR}", coverage_grid(args.reps, args.confidence, rng)))
        tables.append(("2. Toolkit span (max - min) with 4 equal true positive rates of 0.7, "
                       "150 positives each", span_study(args.reps, args.confidence, rng)))
        tables.append(("3. Toolkit global null (all rates equal): share of audits",
                       null_study(args.null_reps, args.confidence, rng)))
    elapsed = time.perf_counter() - started
    print("command: python " + shlex.join([sys.argv[0], *(argv or sys.argv[1:])]))
    print(f"wall time: {elapsed:.1f} s; seed {args.seed}; confidence {args.confidence:g}; "
          f"toolkit: {args.reps} audits per coverage and span cell, {args.null_reps} per "
          f"global-null row")
    for title, rows in tables:
        print_table(title, rows)


if __name__ == "__main__":
    main()
