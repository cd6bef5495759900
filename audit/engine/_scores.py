"""Per-group metrics of a score column: ROC AUC, Brier score, mean score and calibration.

``calibration_difference`` is calibration-in-the-large: the group's mean score minus its
observed rate of favorable labels (positive: the scores run high for this group).

Their intervals use normal approximations (Hanley & McNeil for AUC, the central limit
theorem for the means), named in the record (`AUC_METHOD`, `MEAN_METHOD`): a row
bootstrap of a rank statistic over a million rows would cost far more than every other
number together. Where the approximation's variance is 0 (an AUC of exactly 0 or 1, scores
all equal) it would give a zero-width interval around an estimate: no interval is given.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from audit.engine._counts import CellCounts
from audit.engine._types import Estimate
from audit.inputs import AuditSpec, PreparedData

SCORE_METRICS = ("roc_auc", "brier_score", "mean_score", "calibration_difference")
NAN = float("nan")
AUC_METHOD = "Hanley-McNeil normal approximation"
MEAN_METHOD = "normal approximation (mean ± z · standard error)"


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their mean rank (= ``scipy.stats.rankdata``, whose import
    alone takes seconds)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[inverse.ravel()]


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); nan with one class."""
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        return NAN
    ranks = _average_ranks(score)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _auc_interval(auc: float, positives: int, negatives: int, z: float) -> tuple[float, float]:
    if np.isnan(auc):
        return NAN, NAN
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc)
           + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives)
    half = z * np.sqrt(max(var, 0.0))
    if half == 0:
        return NAN, NAN
    return max(0.0, auc - half), min(1.0, auc + half)


def _mean_estimate(values: np.ndarray, z: float) -> Estimate:
    if values.size == 0:
        return Estimate(NAN, NAN, NAN, MEAN_METHOD)
    mean = float(values.mean())
    half = z * float(values.std(ddof=1)) / np.sqrt(values.size) if values.size > 1 else 0.0
    if half == 0:
        return Estimate(mean, NAN, NAN, MEAN_METHOD)
    return Estimate(mean, mean - half, mean + half, MEAN_METHOD)


def score_metrics(data: PreparedData, cells: CellCounts, spec: AuditSpec
                  ) -> dict[tuple[str, str], dict[str, Estimate]]:
    """Score metrics keyed by (attribute, group). Brier and calibration need scores in [0, 1]."""
    assert data.score is not None
    score = data.score
    probabilities = bool(((score >= 0) & (score <= 1)).all())
    z = float(special.ndtri(0.5 + spec.confidence / 2))  # = stats.norm.ppf
    y = data.y_true
    out: dict[tuple[str, str], dict[str, Estimate]] = {}
    for grouping in cells.groupings:
        index = cells.row_groups(grouping)
        order = np.argsort(index, kind="stable")
        bounds = np.searchsorted(index[order], np.arange(len(grouping.labels) + 1))
        for g, label in enumerate(grouping.labels):
            rows = order[bounds[g]:bounds[g + 1]]
            yg, sg = y[rows], score[rows]
            auc = roc_auc(yg, sg)
            positives = int(yg.sum())
            low, high = _auc_interval(auc, positives, yg.size - positives, z)
            metrics = {"roc_auc": Estimate(auc, low, high, AUC_METHOD),
                       "mean_score": _mean_estimate(sg, z)}
            if probabilities:
                metrics["brier_score"] = _mean_estimate((sg - yg) ** 2, z)
                metrics["calibration_difference"] = _mean_estimate(sg - yg, z)
            out[(grouping.attribute, label)] = metrics
    return out
