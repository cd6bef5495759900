"""Per-group metrics of a score column: ROC AUC, Brier score, mean score and calibration.

``calibration_difference`` is calibration-in-the-large: the group's mean score minus its
observed rate of favorable labels (positive: the scores run high for this group).

Every one of them is computed from the cell table's score facts (`audit.sources.ScoreTable`),
whichever engine counted them, so the pandas, DuckDB and Spark paths give the same numbers:

- the means and their standard errors from the exact sums of the first four powers of the
  (quantised) scores per finest cell and label: ``Σ(s − y)²`` and ``Σ(s − y)⁴`` expand into
  them, so the Brier score needs no rows either;
- the AUC (Mann-Whitney, ties counted half) exactly from the rows per distinct score
  (`ScoreRanks`) when the cell table has them (up to ``RANKS_ROWS`` rows), else from the
  score histograms, pairs in one bin counted as ties: the method then says so and gives
  the largest possible error.

Their intervals use normal approximations (Hanley & McNeil for AUC, the central limit
theorem for the means), named in the record (`AUC_METHOD`, `MEAN_METHOD`). Where the
approximation's variance is 0 (an AUC of exactly 0 or 1, scores all equal) it would give
a zero-width interval around an estimate: no interval is given.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import special

from audit.engine._counts import CellCounts, Grouping
from audit.engine._types import Estimate
from audit.inputs import AuditSpec
from audit.sources import ScoreTable

SCORE_METRICS = ("roc_auc", "brier_score", "mean_score", "calibration_difference")
NAN = float("nan")
AUC_METHOD = "Hanley-McNeil normal approximation"
BINNED_AUC = ("; the AUC from {bins:,}-bin score histograms (pairs within a bin counted as "
              "ties), at most {bound:.2g} from the exact AUC")
MEAN_METHOD = "normal approximation (mean ± z · standard error)"
# a variance this small relative to the mean square is the quantisation of the sums: 0
RELATIVE_ZERO = 1e-12


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


def _mean_from_sums(n: int, first: Fraction, second: Fraction, z: float) -> Estimate:
    """Mean, and the normal interval, of ``n`` values whose sum is ``first`` and sum of
    squares ``second`` (exact)."""
    if n == 0:
        return Estimate(NAN, NAN, NAN, MEAN_METHOD)
    mean = float(first / n)
    if n == 1:
        return Estimate(mean, NAN, NAN, MEAN_METHOD)
    spread = second - first * first / n  # exact: n − 1 times the sample variance
    if spread <= RELATIVE_ZERO * abs(second):
        return Estimate(mean, NAN, NAN, MEAN_METHOD)
    half = z * math.sqrt(float(spread / (n - 1))) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, MEAN_METHOD)


def _group_sums(grouping: Grouping, scores: ScoreTable) -> list[list[list[Fraction]]]:
    """Per group and label, the exact sums of s⁰ (the rows) to s⁴, as fractions."""
    assert scores.exact is not None
    quanta = [Fraction(q) if math.isfinite(q) else None for q in scores.quanta]
    rows = scores.counts.sum(axis=-1)
    out = [[[Fraction(0)] * 5 for _ in range(2)] for _ in grouping.labels]
    for k, g in enumerate(grouping.member.tolist()):
        for y in (0, 1):
            sums = out[g][y]
            sums[0] += int(rows[k, y])
            for p, quantum in enumerate(quanta):
                if quantum is not None:
                    sums[p + 1] += int(scores.exact[k, y, p]) * quantum
    return out


def _aucs(grouping: Grouping, scores: ScoreTable) -> tuple[np.ndarray, np.ndarray,
                                                            np.ndarray, str]:
    """Per group: AUC, positives, negatives, and what the method adds (binned or not)."""
    groups = len(grouping.labels)
    if scores.ranks is not None:
        ranks = scores.ranks
        group, label, value, count = (grouping.member[ranks.cell], ranks.label, ranks.score,
                                      ranks.count)
    else:  # the histograms: a bin is one score
        k, y, b = np.nonzero(scores.counts)
        group, label, value = grouping.member[k], y, b.astype(np.float64)
        count = scores.counts[k, y, b]
    positive = np.where(label == 1, count, 0).astype(np.int64)
    negative = np.where(label == 1, 0, count).astype(np.int64)
    order = np.lexsort((value, group))
    group, value, positive, negative = (group[order], value[order], positive[order],
                                        negative[order])
    aucs = np.full(groups, NAN)
    positives = np.bincount(group, weights=positive, minlength=groups).astype(np.int64)
    negatives = np.bincount(group, weights=negative, minlength=groups).astype(np.int64)
    if group.size:
        starts = np.flatnonzero(np.r_[True, (group[1:] != group[:-1])
                                      | (value[1:] != value[:-1])])
        pos, neg = (np.add.reduceat(positive, starts), np.add.reduceat(negative, starts))
        run_group = group[starts]
        # negatives scoring below each run, within its group
        before = np.cumsum(neg) - neg
        first_of_group = np.r_[True, run_group[1:] != run_group[:-1]]
        offset = np.maximum.accumulate(np.where(first_of_group, before, 0))
        below = before - offset
        twice_u = np.zeros(groups, dtype=np.int64)  # below 2 · rows² ≤ 2**63
        np.add.at(twice_u, run_group, pos * (2 * below + neg))
        for g in range(groups):
            pairs = int(positives[g]) * int(negatives[g])
            if pairs:
                aucs[g] = float(Fraction(int(twice_u[g]), 2 * pairs))
    extra = ""
    if scores.ranks is None:
        bound = max((scores.auc_error_bound(np.flatnonzero(grouping.member == g))
                     for g in range(groups)), default=NAN)
        extra = BINNED_AUC.format(bins=scores.bins, bound=bound)
    return aucs, positives, negatives, extra


def score_metrics(cells: CellCounts, scores: ScoreTable, spec: AuditSpec
                  ) -> dict[tuple[str, str], dict[str, Estimate]]:
    """Score metrics keyed by (attribute, group), from the cell table's score facts. Brier
    and calibration need scores in [0, 1]."""
    z = float(special.ndtri(0.5 + spec.confidence / 2))  # = stats.norm.ppf
    out: dict[tuple[str, str], dict[str, Estimate]] = {}
    for grouping in cells.groupings:
        aucs, positives, negatives, extra = _aucs(grouping, scores)
        sums = _group_sums(grouping, scores)
        for g, label in enumerate(grouping.labels):
            neg, pos = sums[g]
            n = int(neg[0] + pos[0])
            s = [neg[p] + pos[p] for p in range(5)]
            low, high = _auc_interval(float(aucs[g]), int(positives[g]), int(negatives[g]), z)
            metrics = {"roc_auc": Estimate(float(aucs[g]), low, high,
                                           AUC_METHOD + (extra if not np.isnan(aucs[g])
                                                         else "")),
                       "mean_score": _mean_from_sums(n, s[1], s[2], z)}
            if scores.probabilities:
                # (s − y)² and (s − y)⁴ summed: y = 1 on the favorable rows
                brier = s[2] - 2 * pos[1] + pos[0]
                brier2 = s[4] - 4 * pos[3] + 6 * pos[2] - 4 * pos[1] + pos[0]
                metrics["brier_score"] = _mean_from_sums(n, brier, brier2, z)
                metrics["calibration_difference"] = _mean_from_sums(n, s[1] - pos[0], brier, z)
            out[(grouping.attribute, label)] = metrics
    return out
