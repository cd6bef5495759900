"""Cut-off sweeps: the confusion counts of every possible cut-off, from one sort.

A *cut-off* decides: a person gets the favorable outcome when their score is at or above
it. Between two neighbouring distinct scores every cut-off gives the same decisions, so
the candidates of a group are its distinct scores, plus one just above its highest score
(nobody favorable). Sorted ascending, the counts at every candidate are cumulative sums of
the labels: with ``b`` rows below a cut-off, of which ``p`` are label positives,

    TP = positives − p,   FN = p,   TN = b − p,   FP = negatives − TN.

So a whole sweep costs one sort of the scores (then a stable sort of the small integer
group codes) and one pass, whatever the number of cut-offs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audit import AuditInputError, PreparedData

from ._groups import Groups, groups_of
from .words import NO_SCORE, SCORE_NOT_FINITE

TP, FP, TN, FN = 0, 1, 2, 3
EVERYONE = "everyone"
# numerator and denominator cells of each rate a sweep gives (denominators are the same at
# every cut-off: everyone, label positives, label negatives)
RATE_PARTS = {
    "selection_rate": ((TP, FP), (TP, FP, TN, FN)),
    "true_positive_rate": ((TP,), (TP, FN)),
    "false_positive_rate": ((FP,), (FP, TN)),
    "accuracy": ((TP, TN), (TP, FP, TN, FN)),
}


def _ratio(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """``numerator / denominator``; nan where the denominator is 0 (the rate is undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(denominator) > 0, numerator / denominator, np.nan)


def rates_of(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Selection rate, TPR, FPR and accuracy of counts shaped ``(..., 4)`` (TP, FP, TN, FN)."""
    tp, fp, tn, fn = (counts[..., c] for c in (TP, FP, TN, FN))
    n = tp + fp + tn + fn
    return {
        "selection_rate": _ratio(tp + fp, n),
        "true_positive_rate": _ratio(tp, tp + fn),
        "false_positive_rate": _ratio(fp, fp + tn),
        "accuracy": _ratio(tp + tn, n),
    }


@dataclass(frozen=True, eq=False)
class GroupSweep:
    """Every candidate cut-off of one group and its confusion counts.

    ``cut_offs`` has shape ``(k,)``, ascending: the group's distinct scores, then one just
    above the highest (nobody favorable). ``counts`` has shape ``(k, 4)``: TP, FP, TN, FN
    when a score at or above the cut-off is favorable.
    """

    group: str
    cut_offs: np.ndarray
    counts: np.ndarray

    @property
    def n(self) -> int:
        return int(self.counts[0].sum())

    @property
    def positives(self) -> int:
        """Rows whose label is the favorable outcome."""
        return int(self.counts[0, TP] + self.counts[0, FN])

    @property
    def negatives(self) -> int:
        return self.n - self.positives

    def rate(self, metric: str) -> np.ndarray:
        """``selection_rate``, ``true_positive_rate``, ``false_positive_rate`` or ``accuracy``
        at every cut-off (nan where undefined)."""
        numerator, denominator = RATE_PARTS[metric]
        return _ratio(self.counts[:, list(numerator)].sum(axis=1),
                      self.counts[0, list(denominator)].sum())

    def cost(self, cost_ratio: float) -> np.ndarray:
        """``cost_ratio`` × FP + FN at every cut-off: the cost in false negatives."""
        return cost_ratio * self.counts[:, FP] + self.counts[:, FN]

    def index_of(self, cut_off: float) -> int:
        """The candidate that decides as ``cut_off`` does on this group's rows."""
        j = int(np.searchsorted(self.cut_offs, cut_off, side="left"))
        return min(j, self.cut_offs.size - 1)

    def counts_at(self, cut_off: float) -> np.ndarray:
        """TP, FP, TN, FN when a score at or above ``cut_off`` is favorable."""
        return self.counts[self.index_of(cut_off)]


@dataclass(frozen=True)
class OperatingPoint:
    """Where the uploaded decisions of one group sit: their rates and counts."""

    group: str
    selection_rate: float
    true_positive_rate: float
    false_positive_rate: float
    tp: int
    fp: int
    tn: int
    fn: int


@dataclass(frozen=True, eq=False)
class RocCurve:
    """One group's ROC curve over every cut-off, with its current operating point.

    Arrays are in scikit-learn's order (``roc_curve(..., drop_intermediate=False)``):
    ``thresholds`` descending, starting just above the highest score (where sklearn puts
    ``inf``), so that ``false_positive_rate`` and ``true_positive_rate`` rise from 0 to 1.
    The true positive rate is nan throughout for a group without label positives, the
    false positive rate for one without label negatives.
    """

    attribute: str
    group: str
    thresholds: np.ndarray
    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    operating_point: OperatingPoint

    @property
    def roc_auc(self) -> float:
        """Area under the curve (ties counted half); nan when a rate is undefined."""
        if np.isnan(self.true_positive_rate).any() or np.isnan(self.false_positive_rate).any():
            return float("nan")
        return float(np.trapezoid(self.true_positive_rate, self.false_positive_rate))


@dataclass(frozen=True, eq=False)
class Sweep:
    """Every group's cut-off sweep for one attribute, and everyone's together.

    ``overall`` sweeps all rows as one group: the candidates of a single cut-off for
    everyone. ``partition`` says which group each row belongs to.
    """

    attribute: str
    groups: tuple[GroupSweep, ...]
    overall: GroupSweep
    operating_points: tuple[OperatingPoint, ...]
    partition: Groups

    @property
    def labels(self) -> tuple[str, ...]:
        return self.partition.labels

    def group(self, name: str) -> GroupSweep:
        return self.groups[self.partition.position(name)]

    def roc_curves(self) -> tuple[RocCurve, ...]:
        """Each group's ROC curve and operating point."""
        out = []
        for sweep, point in zip(self.groups, self.operating_points, strict=True):
            rates = rates_of(sweep.counts[::-1])
            out.append(RocCurve(
                attribute=self.attribute, group=sweep.group, thresholds=sweep.cut_offs[::-1],
                false_positive_rate=rates["false_positive_rate"],
                true_positive_rate=rates["true_positive_rate"], operating_point=point))
        return tuple(out)


@dataclass(frozen=True)
class UploadedCutOff:
    """The one cut-off for everyone that best reproduces the uploaded decisions.

    ``agreement`` is the share of people whose uploaded decision equals ``score >=
    cut_off``: 1.0 when the uploaded decisions are exactly a cut-off on the score.
    """

    cut_off: float
    agreement: float


def uploaded_cut_off(data: PreparedData) -> UploadedCutOff:
    """The single cut-off whose decisions agree with the uploaded ones for the most people.

    With ``b`` rows below a candidate cut-off, of which ``p`` were decided favorably, the
    decisions agree on ``(b − p) + (P − p)`` rows (``P`` favorable decisions in all), so one
    sort of the scores gives the agreement of every candidate. Ties go to the lowest
    cut-off.

    Raises
    ------
    AuditInputError
        Without a score, or with infinite scores.

    Examples
    --------
    >>> uploaded_cut_off(data)  # decisions made as score >= 0.5  # doctest: +SKIP
    UploadedCutOff(cut_off=0.5, agreement=1.0)
    """
    score = require_score(data, None)
    order = np.argsort(score, kind="stable")
    sorted_score, decided = score[order], data.y_pred[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_score[1:] != sorted_score[:-1])))
    favorable_below = np.concatenate(([0], np.cumsum(decided, dtype=np.int64)))
    total = int(favorable_below[-1])
    below = np.append(starts, score.size)  # the last candidate: nobody favorable
    agree = below + total - 2 * favorable_below[below]
    best = int(np.argmax(agree))
    cut_offs = np.append(sorted_score[starts], np.nextafter(sorted_score[-1], np.inf))
    return UploadedCutOff(cut_off=float(cut_offs[best]),
                          agreement=float(agree[best]) / score.size)


def require_score(data: PreparedData, column: str | None) -> np.ndarray:
    """The score array, refusing data without one or with infinite values."""
    if data.score is None:
        raise AuditInputError(NO_SCORE.format(favorable=data.favorable))
    bad = ~np.isfinite(data.score)
    if bad.any():
        rows = ", ".join(str(int(r) + 1) for r in np.flatnonzero(bad)[:5])
        raise AuditInputError(SCORE_NOT_FINITE.format(
            column=column or "score", count=int(bad.sum()), rows=rows))
    return data.score


def sweep(data: PreparedData, *, attribute: str) -> Sweep:
    """Sweep every cut-off of the score for each group of ``attribute``.

    Parameters
    ----------
    data : PreparedData
        Validated arrays from `audit.prepare`, with a score.
    attribute : str
        A sensitive column, or the intersection of all of them (as
        `AuditSpec.attributes` names it).

    Returns
    -------
    Sweep
        Per group: candidate cut-offs of shape ``(k,)`` and counts of shape ``(k, 4)``.

    Raises
    ------
    AuditInputError
        Without a score, with infinite scores, or for an unknown attribute.

    Examples
    --------
    >>> s = sweep(data, attribute="sex")  # doctest: +SKIP
    >>> s.group("female").counts_at(0.5)  # TP, FP, TN, FN  # doctest: +SKIP
    array([41,  9, 32, 18])
    """
    score = require_score(data, None)
    return build_sweep(data, groups_of(data, attribute), score)


def roc_curves(data: PreparedData, *, attribute: str) -> tuple[RocCurve, ...]:
    """Each group's ROC curve and current operating point: ``sweep(...).roc_curves()``."""
    return sweep(data, attribute=attribute).roc_curves()


def build_sweep(data: PreparedData, groups: Groups, score: np.ndarray) -> Sweep:
    order = np.argsort(score)  # ties may come in any order: counts change only between values
    sorted_score, sorted_label = score[order], data.y_true[order]
    sorted_group = groups.index[order]
    overall = _group_sweep(EVERYONE, sorted_score, sorted_label)
    # a stable sort of the group codes keeps each group's rows in score order (a radix
    # sort when the codes fit in 16 bits)
    small = np.uint16 if len(groups.labels) <= np.iinfo(np.uint16).max else np.int64
    by_group = np.argsort(sorted_group.astype(small), kind="stable")
    bounds = np.searchsorted(sorted_group[by_group], np.arange(len(groups.labels) + 1))
    sweeps = []
    for g, label in enumerate(groups.labels):
        rows = by_group[bounds[g]:bounds[g + 1]]
        sweeps.append(_group_sweep(label, sorted_score[rows], sorted_label[rows]))
    return Sweep(attribute=groups.attribute, groups=tuple(sweeps), overall=overall,
                 operating_points=operating_points(groups, data.y_true, data.y_pred),
                 partition=groups)


def operating_points(groups: Groups, y_true: np.ndarray, y_pred: np.ndarray
                     ) -> tuple[OperatingPoint, ...]:
    counts = group_counts(groups, y_true, y_pred)
    rates = rates_of(counts)
    return tuple(
        OperatingPoint(group=label, selection_rate=float(rates["selection_rate"][g]),
                       true_positive_rate=float(rates["true_positive_rate"][g]),
                       false_positive_rate=float(rates["false_positive_rate"][g]),
                       tp=int(counts[g, TP]), fp=int(counts[g, FP]), tn=int(counts[g, TN]),
                       fn=int(counts[g, FN]))
        for g, label in enumerate(groups.labels))


def group_counts(groups: Groups, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """TP, FP, TN, FN of each group for boolean decisions, shaped ``(G, 4)``."""
    cell = 2 * (~y_pred).astype(np.int64) + (y_true ^ y_pred).astype(np.int64)
    size = len(groups.labels) * 4
    return np.bincount(groups.index * 4 + cell, minlength=size).reshape(-1, 4)


def _group_sweep(label: str, score: np.ndarray, y: np.ndarray) -> GroupSweep:
    """The sweep of rows already sorted by ascending score."""
    n = score.size
    positives = int(np.count_nonzero(y))
    starts = np.flatnonzero(np.concatenate(([True], score[1:] != score[:-1])))
    below_positive = np.concatenate(([0], np.cumsum(y, dtype=np.int64)))[starts]
    below_negative = starts - below_positive
    counts = np.empty((starts.size + 1, 4), dtype=np.int64)
    counts[:-1, TP] = positives - below_positive
    counts[:-1, FP] = (n - positives) - below_negative
    counts[:-1, TN] = below_negative
    counts[:-1, FN] = below_positive
    counts[-1] = (0, 0, n - positives, positives)
    cut_offs = np.concatenate((score[starts], [np.nextafter(score[-1], np.inf)]))
    return GroupSweep(group=label, cut_offs=cut_offs, counts=counts)
