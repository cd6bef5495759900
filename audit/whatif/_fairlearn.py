"""The constrained strategies from fairlearn's ``ThresholdOptimizer``, on the uploaded scores.

The board uploads scores, not a model, so the "model" handed to fairlearn is a pass-through
estimator whose ``predict`` returns the score column (``prefit=True``,
``predict_method="predict"``). fairlearn's answer may be randomised: per group, two
thresholds and the probability of using each (and, for equalized odds, a probability of
ignoring the score). Its rules say ``score > t``; we state each as our cut-off, the
group's lowest score above ``t``, which decides every uploaded row the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from audit import PreparedData

from ._options import Evaluation, RandomizedRule, ThresholdChoice
from ._strategies import CONSTRAINED, Settings
from ._sweep import FN, FP, TN, TP, GroupSweep, Sweep
from .words import (
    FAIRLEARN_ACCURACY_ONLY,
    FAIRLEARN_DEGENERATE,
    FAIRLEARN_EO_EXACT,
    FAIRLEARN_EXACT_EO_NAME,
    FAIRLEARN_SUFFIX,
    LAWFULNESS_NOTE,
    STRATEGY_NAMES,
)

FAIRLEARN_CONSTRAINTS = {
    "demographic_parity": "demographic_parity",
    "equal_opportunity": "true_positive_rate_parity",
    "equalized_odds": "equalized_odds",
}


@functools.cache
def score_column() -> type:
    """The class of a fitted "model" whose prediction is the score column (column 0 of
    ``X``). Made on first use, so that importing the what-if stage imports no scikit-learn."""
    from sklearn.base import BaseEstimator

    class ScoreColumn(BaseEstimator):  # type: ignore[misc]
        def fit(self, X: object, y: object = None, **kwargs: object) -> ScoreColumn:  # noqa: N803
            return self

        def predict(self, X: object) -> np.ndarray:  # noqa: N803
            return np.asarray(X)[:, 0]

        def __sklearn_is_fitted__(self) -> bool:
            return True

    return ScoreColumn


@dataclass(frozen=True)
class SkippedOption:
    """An option that could not be computed on this data, and why (in plain words)."""

    strategy: str
    method: str
    reason: str


def fit_threshold_optimizer(score: np.ndarray, y_true: np.ndarray, groups: np.ndarray,
                            constraint: str, tolerance: float | None) -> dict[str, object]:
    """fairlearn's ``interpolation_dict`` for the scores, labels and group labels."""
    from fairlearn.postprocessing import ThresholdOptimizer

    optimizer = ThresholdOptimizer(estimator=score_column()(), constraints=constraint,
                                   objective="accuracy_score", prefit=True,
                                   predict_method="predict", tol=tolerance)
    optimizer.fit(score.reshape(-1, 1), y_true.astype(np.int64), sensitive_features=groups)
    return dict(optimizer.interpolated_thresholder_.interpolation_dict)


def _cut_off(group: GroupSweep, operation: object) -> float:
    """Our cut-off for fairlearn's ``score > t`` on this group's rows."""
    assert getattr(operation, "operator") == ">"  # noqa: B009 - fairlearn's own name
    t = float(getattr(operation, "threshold"))  # noqa: B009
    index = int(np.searchsorted(group.cut_offs[:-1], t, side="right"))
    return float(group.cut_offs[index])


def rule_of(group: GroupSweep, interpolation: object) -> RandomizedRule:
    bunch = dict(interpolation)  # type: ignore[call-overload]
    operations = (bunch["operation0"], bunch["operation1"])
    return RandomizedRule(
        cut_offs=(_cut_off(group, operations[0]), _cut_off(group, operations[1])),
        probabilities=(float(bunch["p0"]), float(bunch["p1"])),
        ignore_score=float(bunch.get("p_ignore", 0.0)),
        favorable_if_ignored=float(bunch.get("prediction_constant", 0.0)),
        fairlearn_thresholds=(float(operations[0].threshold), float(operations[1].threshold)),
    )


def expected_counts(group: GroupSweep, rule: RandomizedRule) -> np.ndarray:
    """Expected TP, FP, TN, FN of the group under the rule (exact, from the sweep)."""
    (c0, c1), (p0, p1) = rule.cut_offs, rule.probabilities
    by_score = p0 * group.counts_at(c0) + p1 * group.counts_at(c1)
    q = rule.favorable_if_ignored
    ignored = np.zeros(4)
    ignored[[TP, FP, TN, FN]] = (q * group.positives, q * group.negatives,
                                 (1 - q) * group.negatives, (1 - q) * group.positives)
    return (1 - rule.ignore_score) * by_score + rule.ignore_score * ignored


def _deterministic_cut_off(group: GroupSweep, rule: RandomizedRule) -> float:
    """The cut-off of a rule that decides nobody by chance."""
    low, high, below, between, above = rule.bands
    if below >= 1.0:
        return float(group.cut_offs[0])
    if between >= 1.0:
        return low
    return high if above >= 1.0 else float(group.cut_offs[-1])


def fairlearn_options(data: PreparedData, swept: Sweep, settings: Settings,
                      evaluation: Callable[[np.ndarray], Evaluation],
                      progress: Callable[[str], None] | None = None
                      ) -> tuple[tuple[ThresholdChoice, ...], tuple[SkippedOption, ...]]:
    """fairlearn's option for each constrained strategy in ``settings``."""
    wanted = [s for s in settings.strategies if s in CONSTRAINED]
    if not wanted:
        return (), ()
    one_outcome = [g.group for g in swept.groups if g.positives == 0 or g.negatives == 0]
    if one_outcome:
        reason = FAIRLEARN_DEGENERATE.format(
            groups=", ".join(repr(g) for g in one_outcome), attribute=swept.attribute,
            verb="has" if len(one_outcome) == 1 else "have")
        return (), tuple(SkippedOption(strategy=s, method="fairlearn", reason=reason)
                         for s in wanted)
    assert data.score is not None
    labels = np.array(swept.labels, dtype=object)[swept.partition.index]
    attribute = swept.attribute
    options = []
    for strategy in wanted:
        if progress is not None:
            progress(strategy)
        constraint = FAIRLEARN_CONSTRAINTS[strategy]
        exact_eo = strategy == "equalized_odds"
        relaxed = None if exact_eo or settings.tolerance == 0 else settings.tolerance
        interpolation = fit_threshold_optimizer(data.score, data.y_true, labels, constraint,
                                                relaxed)
        rules = {g.group: rule_of(g, interpolation[g.group]) for g in swept.groups}
        counts = np.array([expected_counts(g, rules[g.group]) for g in swept.groups])
        randomized = any(rule.random for rule in rules.values())
        cut_offs = {} if randomized else {
            g.group: _deterministic_cut_off(g, rules[g.group]) for g in swept.groups}
        notes = []
        if exact_eo:
            notes.append(FAIRLEARN_EO_EXACT)
        if settings.cost_ratio != 1.0:
            notes.append(FAIRLEARN_ACCURACY_ONLY.format(ratio=settings.cost_ratio))
        name = (FAIRLEARN_EXACT_EO_NAME if exact_eo else
                STRATEGY_NAMES[strategy].format(tolerance=settings.tolerance) + FAIRLEARN_SUFFIX)
        options.append(ThresholdChoice(
            id=f"{strategy}:fairlearn", name=name, strategy=strategy, method="fairlearn",
            attribute=attribute, randomized=randomized,
            tolerance=None if exact_eo else settings.tolerance, cut_offs=cut_offs,
            uses_attribute=True, lawfulness=LAWFULNESS_NOTE.format(attribute=attribute),
            evaluation=evaluation(counts), rules=rules, notes=tuple(notes)))
    return tuple(options), ()
