"""Single-number fairness summaries, with the sign conventions of the library that defines them.

fairlearn (per attribute, over all of its groups):
    ``demographic_parity_difference`` = max − min selection rate (≥ 0);
    ``demographic_parity_ratio`` = min / max selection rate (≤ 1);
    ``equalized_odds_difference`` = the larger of the TPR and FPR ranges (max − min);
    ``equalized_odds_ratio`` = the smaller of the TPR and FPR min / max ratios;
    ``equal_opportunity_difference`` / ``_ratio`` = the same on TPR alone.
    Groups whose rate is undefined (no rows in its denominator) are left out, where
    fairlearn would count them as 0.
aif360 (per group, the group as unprivileged and the reference as privileged; the sign
is unprivileged − privileged, so negative means the group gets less):
    ``statistical_parity_difference``, ``disparate_impact`` (ratio of selection rates),
    ``equal_opportunity_difference`` (TPR), ``average_odds_difference``
    (mean of the FPR and TPR differences).
aif360 (whole population, the benefit of each row b = ŷ − y + 1):
    ``theil_index`` (generalized entropy, alpha 1), ``generalized_entropy_index`` (alpha 2),
    ``between_all_groups_theil_index`` per attribute (every row's benefit replaced by its
    group's mean; aif360's name), and ``consistency`` (1 − mean gap between a row's
    decision and its 5 nearest neighbours' decisions, on a seeded sample, sensitive columns
    left out).

Intervals: an aggregate that is one of the audit's comparisons takes that comparison's
interval, made from the counts (`AttributeView`): aif360's statistical parity and equal
opportunity differences (Newcombe) and disparate impact (Koopman); fairlearn's max − min
differences take the simultaneous interval of the span (valid at any count, and not
biased upward as a bootstrap of the plug-in span is). The others (min / max ratios,
average odds, the entropy indexes) keep the multinomial bootstrap percentile interval,
with the number of replicates in which the value was undefined; an interval of zero
width (every replicate the same) is not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from audit.engine._attribute import AttributeView
from audit.engine._consistency import CONSISTENCY
from audit.engine._counts import FN, FP, TN, TP, Replicates, interval, rates
from audit.engine._intervals import SPAN_BONFERRONI, span_interval
from audit.engine._types import Aggregate, Disparity, Estimate
from audit.inputs import AuditSpec

FAIRLEARN = "fairlearn: max − min over groups (difference), min / max (ratio)"
AIF360_PAIR = ("aif360: unprivileged (this group) − privileged (reference); "
               "ratio unprivileged / privileged")
AIF360_INDEX = "aif360: generalized entropy of the benefit b = prediction − label + 1"
BOOTSTRAP = "multinomial bootstrap percentile ({samples:,} replicates)"
SPAN_RATES = {"demographic_parity_difference": ("selection_rate",),
              "equalized_odds_difference": ("true_positive_rate", "false_positive_rate"),
              "equal_opportunity_difference": ("true_positive_rate",)}
PAIR_COMPARISONS = {"statistical_parity_difference": ("difference", "selection_rate"),
                    "disparate_impact": ("ratio", "selection_rate"),
                    "equal_opportunity_difference": ("difference", "true_positive_rate")}


def _span(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(max − min, min / max) over the last axis, ignoring undefined groups."""
    finite = np.where(np.isfinite(values), values, np.nan)
    defined = np.isfinite(finite).sum(axis=-1) > 0
    safe = np.where(defined[..., None], finite, 0.0)
    high, low = np.nanmax(safe, axis=-1), np.nanmin(safe, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(high > 0, low / high, np.nan)
    return np.where(defined, high - low, np.nan), np.where(defined, ratio, np.nan)


def _fairlearn_family(point: dict[str, np.ndarray], reps: dict[str, np.ndarray]
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each fairlearn aggregate as (point value, replicate values)."""
    out: dict[str, list[np.ndarray]] = {}
    for rates_, key in ((point, 0), (reps, 1)):
        sr_d, sr_r = _span(rates_["selection_rate"])
        tpr_d, tpr_r = _span(rates_["true_positive_rate"])
        fpr_d, fpr_r = _span(rates_["false_positive_rate"])
        values = {
            "demographic_parity_difference": sr_d,
            "demographic_parity_ratio": sr_r,
            "equalized_odds_difference": np.fmax(tpr_d, fpr_d),
            "equalized_odds_ratio": np.fmin(tpr_r, fpr_r),
            "equal_opportunity_difference": tpr_d,
            "equal_opportunity_ratio": tpr_r,
        }
        for name, value in values.items():
            out.setdefault(name, [value, value])[key] = value
    return {name: (pair[0], pair[1]) for name, pair in out.items()}


def generalized_entropy(counts: np.ndarray, alpha: float) -> np.ndarray:
    """Generalized entropy of b = ŷ − y + 1 from total counts shaped ``(..., 4)``.

    Rows with TP or TN have b = 1, FP b = 2, FN b = 0, so the index is a function of the
    four totals; this equals aif360's ``generalized_entropy_error`` on the rows.
    """
    counts = counts.astype(float)
    n = counts.sum(axis=-1)
    ones = counts[..., TP] + counts[..., TN]
    twos = counts[..., FP]
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = (ones + 2 * twos) / n
        if alpha == 1:
            terms = ones * (1 / mu) * np.log(1 / mu) + twos * (2 / mu) * np.log(2 / mu)
            return terms / n
        moments = (ones * (1 / mu) ** alpha + twos * (2 / mu) ** alpha
                   + counts[..., FN] * 0.0 ** alpha) / n
        return (moments - 1) / (alpha * (alpha - 1))


def between_all_groups_theil(group_counts: np.ndarray) -> np.ndarray:
    """Theil index of group-mean benefits, from group counts shaped ``(..., G, 4)``."""
    counts = group_counts.astype(float)
    n_g = counts.sum(axis=-1)
    benefit_g = counts[..., TP] + counts[..., TN] + 2 * counts[..., FP]
    n = n_g.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = benefit_g.sum(axis=-1, keepdims=True) / n
        mu_g = benefit_g / n_g
        x = mu_g / mu
        terms = np.where(n_g > 0, n_g * np.where(x > 0, x * np.log(x), 0.0), 0.0)
    return terms.sum(axis=-1) / n[..., 0]


def _bootstrap(values: np.ndarray | float, reps: np.ndarray, confidence: float
               ) -> list[tuple[Estimate, int]]:
    """For each column of ``reps`` ``(samples, k)``, the percentile interval around the
    matching one of ``values`` ``(k,)``, and the number of undefined replicates.

    No interval (``nan``) where the percentile interval cannot be honest: of zero width (every
    replicate the same), or not containing the estimate itself (the bootstrap is not valid
    there: a value at the edge of what it can be, such as a Theil index of 0)."""
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if values.size == 0:
        return []
    reps = np.asarray(reps, dtype=float).reshape(-1, values.size)
    if reps.shape[0] == 0:
        return [(Estimate(float(v), np.nan, np.nan), 0) for v in values]
    undefined = np.count_nonzero(~np.isfinite(reps), axis=0)
    lows, highs = interval(reps, confidence=confidence)
    method = BOOTSTRAP.format(samples=reps.shape[0])
    out = []
    for value, low, high, bad in zip(values, lows, highs, undefined, strict=True):
        if not (low < high and low <= value <= high):  # false for any nan too
            low = high = np.nan
        out.append((Estimate(float(value), float(low), float(high), method), int(bad)))
    return out


def _span_estimate(value: float, view: AttributeView, metrics: tuple[str, ...]) -> Estimate:
    """``value`` (fairlearn's max − min) with the simultaneous interval over every group
    with people in the rate's denominator."""
    parts = [view.parts(m) for m in metrics]
    xs = np.array([x for x, _ in parts], dtype=float)
    ns = np.array([n for _, n in parts], dtype=float)
    if ns.shape[-1] < 2:
        return Estimate(value, np.nan, np.nan)
    span = span_interval(xs, ns, confidence=view.confidence)
    return Estimate(value, float(span.low), float(span.high), SPAN_BONFERRONI)


def aggregates(boot: Replicates, spec: AuditSpec, views: Sequence[AttributeView],
               disparities: Sequence[Disparity], consistent: tuple[float, int, int]
               ) -> tuple[Aggregate, ...]:
    """Every aggregate for every attribute, each with its interval (see the module).

    ``boot`` holds the bootstrap replicates of each view's counts and of the totals
    (`bootstrap_groups`). ``disparities`` are the audit's comparisons with the reference:
    the aggregates that are one of them take its interval. ``consistent`` is the
    consistency, the rows of the sample it was measured on (0: not defined) and the rows
    taken per finest cell (`audit.engine._consistency.consistency`).
    """
    compared = {(d.attribute, d.group, d.metric): d for d in disparities}
    out: list[Aggregate] = []

    def add(attribute: str, name: str, estimate: Estimate, source: str, convention: str,
            undefined: int = 0, **pair: str) -> None:
        out.append(Aggregate(attribute, name, estimate, source,  # type: ignore[arg-type]
                             convention, undefined_replicates=undefined, **pair))

    for view, boot_counts in zip(views, boot.groups, strict=True):
        attribute = view.attribute
        reps = rates(boot_counts)
        for name, (value, rep) in _fairlearn_family(view.point, reps).items():
            if name in SPAN_RATES:
                add(attribute, name, _span_estimate(float(value), view, SPAN_RATES[name]),
                    "fairlearn", FAIRLEARN)
            else:
                [(estimate, undefined)] = _bootstrap(value, rep, spec.confidence)
                add(attribute, name, estimate, "fairlearn", FAIRLEARN, undefined)
        ref = view.reference
        others = [g for g in range(len(view.labels)) if g != ref]
        pairs = _aif360_pair(view.point, reps, others, ref)
        bootstrapped = {name: _bootstrap(values, pair_reps, spec.confidence)
                        for name, (values, pair_reps) in pairs.items()
                        if name not in PAIR_COMPARISONS}
        for i, g in enumerate(others):
            label = view.labels[g]
            pair: dict[str, Any] = {"group": label, "reference": view.labels[ref]}
            for name, (values, _) in pairs.items():
                if name in PAIR_COMPARISONS:
                    kind, metric = PAIR_COMPARISONS[name]
                    found = getattr(compared[(attribute, label, metric)], kind)
                    estimate = Estimate(float(values[i]), found.ci_low, found.ci_high,
                                        found.method)
                    add(attribute, name, estimate, "aif360", AIF360_PAIR, **pair)
                else:
                    estimate, undefined = bootstrapped[name][i]
                    add(attribute, name, estimate, "aif360", AIF360_PAIR, undefined, **pair)
        [(estimate, undefined)] = _bootstrap(between_all_groups_theil(view.counts),
                                             between_all_groups_theil(boot_counts),
                                             spec.confidence)
        add(attribute, "between_all_groups_theil_index", estimate, "aif360", AIF360_INDEX,
            undefined)

    # from the four confusion totals (no pass over the rows): equal to aif360's on the rows;
    # every attribute's groups cover every row, so any view's counts sum to the totals
    total = views[0].counts.sum(axis=0)
    for name, alpha in (("theil_index", 1), ("generalized_entropy_index", 2)):
        [(estimate, undefined)] = _bootstrap(generalized_entropy(total, alpha),
                                             generalized_entropy(boot.total, alpha),
                                             spec.confidence)
        add("all", name, estimate, "aif360", AIF360_INDEX, undefined)
    similar, rows, per_cell = consistent
    if rows:
        add("all", "consistency", Estimate(similar, np.nan, np.nan), "aif360",
            CONSISTENCY.format(rows=rows, per_cell=per_cell))
    return tuple(out)


def _aif360_pair(point: dict[str, np.ndarray], reps: dict[str, np.ndarray],
                 groups: list[int], ref: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """aif360's pairwise measures of each of ``groups`` against ``ref``: for each name, the
    point values ``(len(groups),)`` and the replicate values ``(samples, len(groups))``."""
    out: dict[str, list[np.ndarray]] = {}
    for rates_, key in ((point, 0), (reps, 1)):
        def at(metric: str, rates_: dict[str, np.ndarray] = rates_) -> tuple:
            values = rates_[metric]
            return values[..., groups], values[..., [ref]]

        sr_g, sr_r = at("selection_rate")
        tpr_g, tpr_r = at("true_positive_rate")
        fpr_g, fpr_r = at("false_positive_rate")
        with np.errstate(divide="ignore", invalid="ignore"):
            values = {
                "statistical_parity_difference": sr_g - sr_r,
                "disparate_impact": np.where(sr_r > 0, sr_g / sr_r, np.nan),
                "equal_opportunity_difference": tpr_g - tpr_r,
                "average_odds_difference": 0.5 * ((fpr_g - fpr_r) + (tpr_g - tpr_r)),
            }
        for name, value in values.items():
            out.setdefault(name, [value, value])[key] = value
    return {name: (pair[0], pair[1]) for name, pair in out.items()}
