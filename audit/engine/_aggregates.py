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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from audit.engine._aif360 import sklearn_metrics
from audit.engine._attribute import AttributeView
from audit.engine._counts import FN, FP, TN, TP, interval
from audit.engine._types import Aggregate, Estimate
from audit.inputs import AuditSpec, PreparedData

FAIRLEARN = "fairlearn: max − min over groups (difference), min / max (ratio)"
AIF360_PAIR = ("aif360: unprivileged (this group) − privileged (reference); "
               "ratio unprivileged / privileged")
AIF360_INDEX = "aif360: generalized entropy of the benefit b = prediction − label + 1"
CONSISTENCY = ("aif360: 1 − mean |decision − mean decision of 5 nearest neighbours|, on a seeded "
               "sample of {rows} rows; numeric features standardised, text one-hot encoded")
CONSISTENCY_SAMPLE = 5000


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


def aggregates(data: PreparedData, views: Sequence[AttributeView], boot_total: np.ndarray,
               spec: AuditSpec) -> tuple[Aggregate, ...]:
    """Every aggregate for every attribute, with bootstrap intervals where defined.

    ``views`` hold each attribute's counts, rates and replicates; ``boot_total`` the
    bootstrap replicates of the four confusion counts over every row, ``(samples, 4)``.
    """
    out: list[Aggregate] = []

    def estimate(value: np.ndarray | float, reps: np.ndarray) -> Estimate:
        low, high = interval(np.asarray(reps).reshape(-1, 1), confidence=spec.confidence)
        return Estimate(float(value), float(low[0]), float(high[0]))

    for view in views:
        grouping, attribute = view.grouping, view.attribute
        counts, boot_counts, point, reps = view.counts, view.boot, view.point, view.reps
        for name, (value, rep) in _fairlearn_family(point, reps).items():
            out.append(Aggregate(attribute, name, estimate(value, rep), "fairlearn", FAIRLEARN))
        ref = view.reference
        others = [g for g in range(len(grouping.labels)) if g != ref]
        pairs = _aif360_pair(point, reps, others, ref)
        bounds = {name: interval(pair_reps, confidence=spec.confidence)
                  for name, (_, pair_reps) in pairs.items()}
        for i, g in enumerate(others):
            for name, (pair_values, _) in pairs.items():
                low, high = bounds[name]
                out.append(Aggregate(attribute, name, Estimate(
                    float(pair_values[i]), float(low[i]), float(high[i])), "aif360",
                    AIF360_PAIR, group=grouping.labels[g], reference=grouping.labels[ref]))
        between = estimate(between_group_theil(counts), between_group_theil(boot_counts))
        out.append(Aggregate(attribute, "between_group_theil_index", between, "aif360",
                             AIF360_INDEX))

    metrics = sklearn_metrics()
    benefit = 1.0 + data.y_pred.astype(float) - data.y_true.astype(float)
    for name, alpha in (("theil_index", 1), ("generalized_entropy_index", 2)):
        with np.errstate(divide="ignore", invalid="ignore"):  # no benefit at all: undefined
            value = metrics.generalized_entropy_index(benefit, alpha=alpha)
        out.append(Aggregate("all", name,
                             estimate(value, generalized_entropy(boot_total, alpha)),
                             "aif360", AIF360_INDEX))
    consistency, rows = _consistency(data, spec, metrics)
    if rows:
        out.append(Aggregate("all", "consistency", Estimate(consistency, np.nan, np.nan),
                             "aif360", CONSISTENCY.format(rows=rows)))
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


def consistency_features(frame: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """Numeric matrix for nearest neighbours: z-scored numbers, one-hot text, no id columns."""
    parts = []
    for name in features:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=float)
            values = np.where(np.isnan(values), np.nanmean(values) if np.isfinite(values).any()
                              else 0.0, values)
            std = values.std()
            parts.append(((values - values.mean()) / (std if std > 0 else 1.0))[:, None])
        else:
            text = column.astype(str)
            if text.nunique() > min(50, len(text) // 2):
                continue  # an id or free text, not a feature to compare people on
            parts.append(pd.get_dummies(text, dtype=float).to_numpy())
    return np.hstack(parts) if parts else np.empty((len(frame), 0))


def _consistency(data: PreparedData, spec: AuditSpec, metrics) -> tuple[float, int]:
    sensitive = {s.name for s in data.sensitive}
    features = tuple(f for f in data.features if f not in sensitive)
    if not features or data.rows < 10:
        return float("nan"), 0
    rng = np.random.default_rng(spec.seed)
    take = min(CONSISTENCY_SAMPLE, data.rows)
    rows = np.sort(rng.choice(data.rows, size=take, replace=False))
    x = consistency_features(data.frame.iloc[rows], features)
    if x.shape[1] == 0:
        return float("nan"), 0
    return float(metrics.consistency_score(x, data.y_pred[rows].astype(float))), take
