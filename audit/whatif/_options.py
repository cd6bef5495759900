"""What an option is: its cut-offs (or randomised rules) and how well it does.

An *option* decides who gets the favorable outcome from the score: one cut-off for
everyone, a cut-off per group, or (fairlearn's randomised options) per group two cut-offs
and the probability of using each. Its `Evaluation` holds accuracy, cost and the
disparities over the groups held to the constraints, each with a bootstrap interval:
the groups' confusion counts are resampled from ``Multinomial(n, observed shares)``, the
engine's bootstrap, with the cut-offs held fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from audit import Estimate

from ._sweep import FN, FP, TN, TP

DISPARITIES = (
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
)
# the disparity each constrained strategy holds within the tolerance
TARGETS = {
    "demographic_parity": "demographic_parity_difference",
    "equal_opportunity": "equal_opportunity_difference",
    "equalized_odds": "equalized_odds_difference",
}


@dataclass(frozen=True)
class RandomizedRule:
    """One group's randomised decision rule, from fairlearn's ``interpolation_dict``.

    With probability ``probabilities[i]`` the cut-off ``cut_offs[i]`` decides (favorable
    when the score is at or above it). With probability ``ignore_score`` the score is not
    looked at and the outcome is favorable with probability ``favorable_if_ignored``
    (fairlearn's ``p_ignore`` and ``prediction_constant``, equalized odds only).
    ``fairlearn_thresholds`` are fairlearn's own ``score > t`` thresholds; each cut-off is
    the group's lowest score above its ``t``.
    """

    cut_offs: tuple[float, float]
    probabilities: tuple[float, float]
    ignore_score: float = 0.0
    favorable_if_ignored: float = 0.0
    fairlearn_thresholds: tuple[float, float] = (float("nan"), float("nan"))

    def favorable_probability(self, score: np.ndarray) -> np.ndarray:
        """The chance that a person with ``score`` gets the favorable outcome."""
        (c0, c1), (p0, p1) = self.cut_offs, self.probabilities
        by_score = p0 * (score >= c0) + p1 * (score >= c1)
        return (1.0 - self.ignore_score) * by_score + self.ignore_score * self.favorable_if_ignored

    @property
    def bands(self) -> tuple[float, float, float, float, float]:
        """``(low, high, below, between, above)``: the chance of a favorable outcome for a
        score below ``low``, from ``low`` up to ``high``, and at or above ``high``."""
        low, high = sorted(self.cut_offs)
        probe = np.array([np.nextafter(low, -np.inf), low, high])
        below, between, above = (float(v) for v in self.favorable_probability(probe))
        return low, high, below, between, above

    @property
    def random(self) -> bool:
        """Whether anyone in the group is decided by chance."""
        _, _, below, between, above = self.bands
        return any(0.0 < p < 1.0 for p in (below, between, above))


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Accuracy, cost and disparities of an option on the what-if attribute's groups.

    ``counts`` has shape ``(G, 4)`` (TP, FP, TN, FN per group; expected counts for a
    randomised option). ``cost`` is the mean cost per person, counting a false negative
    as 1 and a false positive as the cost ratio. Disparities are spans (max − min) over
    the groups held to the constraints: selection rates (demographic parity), true
    positive rates (equal opportunity), and the larger of the true and false positive
    rate spans (equalized odds).
    """

    counts: np.ndarray
    accuracy: Estimate
    cost: Estimate
    disparities: Mapping[str, Estimate]


@dataclass(frozen=True, eq=False)
class ThresholdChoice:
    """One option: how it decides, and how well it does on the uploaded rows.

    ``id`` is stable (``single``, ``demographic_parity``, ``demographic_parity:fairlearn``,
    ``manual``) so that a record or a review can cite the option. ``cut_offs`` maps every
    group of ``attribute`` to its cut-off (empty for a randomised option, whose ``rules``
    say how each group is decided). ``lawfulness`` is the plain-words note carried by
    every option that uses the attribute when deciding, ``None`` otherwise.
    """

    id: str
    name: str
    strategy: str
    method: Literal["exact", "fairlearn", "manual"]
    attribute: str
    randomized: bool
    tolerance: float | None
    cut_offs: Mapping[str, float]
    uses_attribute: bool
    lawfulness: str | None
    evaluation: Evaluation
    rules: Mapping[str, RandomizedRule] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class TradeoffPoint:
    """One tolerance of a constrained strategy: its cut-offs and how well they do."""

    tolerance: float
    cut_offs: Mapping[str, float]
    evaluation: Evaluation


@dataclass(frozen=True, eq=False)
class TradeoffCurve:
    """A strategy's tolerance sweep: accuracy (or cost) against its targeted disparity."""

    strategy: str
    attribute: str
    disparity: str
    points: tuple[TradeoffPoint, ...]


def _span(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """max − min over the member groups where defined (last axis); nan with fewer than two."""
    defined = members & np.isfinite(values)
    high = np.where(defined, values, -np.inf).max(axis=-1)
    low = np.where(defined, values, np.inf).min(axis=-1)
    return np.where(defined.sum(axis=-1) >= 2, high - low, np.nan)


def statistics(counts: np.ndarray, constrained: np.ndarray, cost_ratio: float
               ) -> dict[str, np.ndarray]:
    """Accuracy, cost and disparities of counts shaped ``(..., G, 4)``."""
    tp, fp, tn, fn = (counts[..., c] for c in (TP, FP, TN, FN))
    n = counts.sum(axis=(-1, -2))
    with np.errstate(divide="ignore", invalid="ignore"):
        selection = (tp + fp) / (tp + fp + tn + fn)
        tpr = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
        fpr = np.where(fp + tn > 0, fp / (fp + tn), np.nan)
        out = {
            "accuracy": (tp + tn).sum(axis=-1) / n,
            "cost": (cost_ratio * fp + fn).sum(axis=-1) / n,
        }
    tpr_span, fpr_span = _span(tpr, constrained), _span(fpr, constrained)
    out["demographic_parity_difference"] = _span(selection, constrained)
    out["equal_opportunity_difference"] = tpr_span
    out["equalized_odds_difference"] = np.where(
        np.isnan(tpr_span), fpr_span, np.where(np.isnan(fpr_span), tpr_span,
                                               np.maximum(tpr_span, fpr_span)))
    return out


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    defined = values[np.isfinite(values)]
    if defined.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(defined, [tail, 1.0 - tail])
    return float(low), float(high)


def evaluate(counts: np.ndarray, *, constrained: np.ndarray, cost_ratio: float, samples: int,
             seed: int, confidence: float) -> Evaluation:
    """Point values from ``counts`` (G, 4) and their multinomial bootstrap intervals."""
    counts = np.asarray(counts)
    point = statistics(counts, constrained, cost_ratio)
    total = float(counts.sum())
    rows = int(round(total))
    if samples > 0 and rows > 0:
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(rows, counts.ravel() / total, size=samples)
        reps = statistics(draws.reshape(samples, *counts.shape), constrained, cost_ratio)
    else:
        reps = {name: np.empty(0) for name in point}

    def estimate(name: str) -> Estimate:
        low, high = _interval(reps[name], confidence)
        return Estimate(float(point[name]), low, high)

    return Evaluation(counts=counts, accuracy=estimate("accuracy"), cost=estimate("cost"),
                      disparities={name: estimate(name) for name in DISPARITIES})
