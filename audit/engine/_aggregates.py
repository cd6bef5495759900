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
    ``between_group_theil_index`` per attribute (every row's benefit replaced by its
    group's mean), and ``consistency`` (1 − mean gap between a row's decision and its
    5 nearest neighbours' decisions, on a seeded sample, sensitive columns left out).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from audit.engine._consistency import CONSISTENCY, consistency
from audit.engine._counts import FN, FP, TN, TP, CellCounts, interval, rates
from audit.engine._types import Aggregate, Estimate
from audit.inputs import AuditSpec, PreparedData

FAIRLEARN = "fairlearn: max − min over groups (difference), min / max (ratio)"
AIF360_PAIR = ("aif360: unprivileged (this group) − privileged (reference); "
               "ratio unprivileged / privileged")
AIF360_INDEX = "aif360: generalized entropy of the benefit b = prediction − label + 1"


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


def between_group_theil(group_counts: np.ndarray) -> np.ndarray:
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


def aggregates(data: PreparedData, cells: CellCounts, boot: np.ndarray, spec: AuditSpec,
               references: Mapping[str, int]) -> tuple[Aggregate, ...]:
    """Every aggregate for every attribute, with bootstrap intervals where defined."""
    out: list[Aggregate] = []

    def estimate(value: np.ndarray | float, reps: np.ndarray) -> Estimate:
        low, high = interval(np.asarray(reps).reshape(-1, 1), confidence=spec.confidence)
        return Estimate(float(value), float(low[0]), float(high[0]))

    for grouping in cells.groupings:
        attribute = grouping.attribute
        counts, boot_counts = grouping.sum(cells.cells), grouping.sum(boot)
        point, reps = rates(counts), rates(boot_counts)
        for name, (value, rep) in _fairlearn_family(point, reps).items():
            out.append(Aggregate(attribute, name, estimate(value, rep), "fairlearn", FAIRLEARN))
        ref = references[attribute]
        for g, label in enumerate(grouping.labels):
            if g == ref:
                continue
            for name, (pair_value, pair_reps) in _aif360_pair(point, reps, g, ref).items():
                out.append(Aggregate(attribute, name, estimate(pair_value, pair_reps), "aif360",
                                     AIF360_PAIR, group=label, reference=grouping.labels[ref]))
        between = estimate(between_group_theil(counts), between_group_theil(boot_counts))
        out.append(Aggregate(attribute, "between_group_theil_index", between, "aif360",
                             AIF360_INDEX))

    # from the four confusion totals (no pass over the rows): equal to aif360's on the rows
    total, boot_total = cells.cells.sum(axis=0), boot.sum(axis=1)
    for name, alpha in (("theil_index", 1), ("generalized_entropy_index", 2)):
        out.append(Aggregate("all", name,
                             estimate(generalized_entropy(total, alpha),
                                      generalized_entropy(boot_total, alpha)),
                             "aif360", AIF360_INDEX))
    similar, rows = consistency(data, spec)
    if rows:
        out.append(Aggregate("all", "consistency", Estimate(similar, np.nan, np.nan),
                             "aif360", CONSISTENCY.format(rows=rows)))
    return tuple(out)


def _aif360_pair(point: dict[str, np.ndarray], reps: dict[str, np.ndarray], g: int, ref: int
                 ) -> dict[str, tuple[float, np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {}
    for rates_, key in ((point, 0), (reps, 1)):
        def at(metric: str, rates_: dict[str, np.ndarray] = rates_) -> tuple:
            values = rates_[metric]
            return values[..., g], values[..., ref]

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
    return {name: (float(pair[0]), pair[1]) for name, pair in out.items()}
