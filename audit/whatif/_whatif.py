"""``whatif``: every option's decisions audited again by the engine, before and after.

For a fixed cut-off option the decisions are ``score >= cut-off of the person's group``;
they replace the uploaded ones (``dataclasses.replace(data, y_pred=...)``) and
`audit.run_audit` audits them with the same spec, so every rate, interval and criterion
outcome of the "after" view comes from the engine. The score metrics (ROC AUC, Brier,
calibration) do not depend on the decisions and are left out of the "after" audits
(``score=None``), which keeps each one fast. A randomised option's accuracy and group
rates are its expected values; its criteria come from the engine's audit of one seeded
draw of its decisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from audit import AuditInputError, AuditResult, AuditSpec, PreparedData, run_audit

from ._fairlearn import SkippedOption, fairlearn_options
from ._groups import Groups, groups_of
from ._options import Evaluation, ThresholdChoice, evaluate
from ._report import WhatIfBefore, WhatIfOption, WhatIfReport
from ._strategies import CONSTRAINED, STRATEGIES, Strategy, check_settings, plan_checked
from ._sweep import group_counts, rates_of
from .words import (
    AFTER_AUDIT,
    BAD_CUT_OFF,
    INTERVALS,
    LAWFULNESS_NOTE,
    MANUAL_NAMES,
    MISSING_THRESHOLDS,
    PROGRESS_AUDIT,
    PROGRESS_BEFORE,
    PROGRESS_DONE,
    PROGRESS_FAIRLEARN,
    PROGRESS_SEARCH,
    RANDOMIZED_CRITERIA,
    UNKNOWN_GROUPS,
)

GROUP_RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")
Progress = Callable[[float, str], None]


def whatif(data: PreparedData, spec: AuditSpec, *, attribute: str | None = None,
           strategies: Sequence[Strategy] = STRATEGIES, tolerance: float = 0.02,
           cost_ratio: float = 1.0, seed: int | None = None, randomized: bool = True,
           before: AuditResult | None = None, progress: Progress | None = None
           ) -> WhatIfReport:
    """Options for deciding from the score, each audited again by the engine.

    Parameters
    ----------
    data : PreparedData
        Validated arrays from `audit.prepare`, with a score (higher meaning more likely
        favorable).
    spec : AuditSpec
        The audit's spec: criteria, ``min_group_size``, ``bootstrap``, ``confidence``,
        ``seed``. Every option is audited with it.
    attribute : str, optional
        Whose groups get cut-offs: a sensitive column or the intersection
        (`AuditSpec.attributes`); by default the first sensitive column.
    strategies : sequence of {'single', 'max_accuracy', 'demographic_parity',
        'equal_opportunity', 'equalized_odds'}, default all
        ``single`` is always included: it does not use the attribute.
    tolerance : float, default 0.02
        The largest acceptable span of the constrained rates.
    cost_ratio : float, default 1
        A false positive costs this many false negatives (1: maximise accuracy).
    seed : int, optional
        Seed of the bootstrap and of the randomised options' draw; default ``spec.seed``.
    randomized : bool, default True
        Also compute fairlearn's ``ThresholdOptimizer`` options (slow on large data).
    before : AuditResult, optional
        The engine's audit of the uploaded decisions, when already computed.
    progress : callable(fraction, step), optional
        Called before each step with the share done and the step in plain words.

    Returns
    -------
    WhatIfReport
        Its ``to_dict()`` is the ``whatif.json`` contract.

    Raises
    ------
    AuditInputError
        Without a score column (the message says how to map one), or for an unknown
        attribute or strategy, a tolerance outside [0, 1] or a cost ratio that is not
        positive.

    Examples
    --------
    >>> report = whatif(data, spec, attribute="sex", tolerance=0.02)  # doctest: +SKIP
    >>> report.option("equal_opportunity").choice.cut_offs  # doctest: +SKIP
    {'female': 0.4812, 'male': 0.5377}
    """
    settings = check_settings(data, spec, attribute=attribute, strategies=strategies,
                              tolerance=tolerance, cost_ratio=cost_ratio, seed=seed)
    assert data.score is not None
    fairlearn_steps = sum(s in CONSTRAINED for s in settings.strategies) if randomized else 0
    # search, fairlearn fits, the uploaded decisions, then one audit per option
    steps = 2 + 2 * fairlearn_steps + len(settings.strategies)
    done = [0]

    def step(words: str) -> None:
        if progress is not None:
            progress(min(done[0] / steps, 1.0), words)
        done[0] += 1

    step(PROGRESS_SEARCH.format(attribute=settings.attribute))
    plan = plan_checked(data, spec, settings)
    groups = plan.sweep.partition
    constrained = np.array([label in plan.constrained for label in groups.labels])

    def evaluation(counts: np.ndarray) -> Evaluation:
        return evaluate(counts, constrained=constrained, cost_ratio=settings.cost_ratio,
                        samples=spec.bootstrap, seed=settings.seed,
                        confidence=spec.confidence)

    fair: tuple[ThresholdChoice, ...] = ()
    skipped: tuple[SkippedOption, ...] = ()
    if randomized:
        fair, skipped = fairlearn_options(
            data, plan.sweep, settings, evaluation,
            progress=lambda s: step(PROGRESS_FAIRLEARN.format(strategy=s)))
    step(PROGRESS_BEFORE)
    before_result = before if before is not None else run_audit(data, spec)
    before_view = WhatIfBefore(
        evaluation=evaluation(group_counts(groups, data.y_true, data.y_pred)),
        audit=before_result, group_rates=rates_from_audit(before_result))
    options = []
    for choice in (*plan.options, *fair):
        step(PROGRESS_AUDIT.format(name=choice.name))
        options.append(_audited(data, spec, groups, choice, settings.seed))
    if progress is not None:
        progress(1.0, PROGRESS_DONE)
    notes = (AFTER_AUDIT, INTERVALS.format(confidence=spec.confidence, samples=spec.bootstrap,
                                           seed=settings.seed))
    return WhatIfReport(plan=plan, before=before_view, options=tuple(options),
                        skipped=skipped, favorable=data.favorable, score=spec.score,
                        notes=notes)


def apply_thresholds(data: PreparedData, spec: AuditSpec, *,
                     thresholds: Mapping[str, float] | float, attribute: str | None = None,
                     cost_ratio: float = 1.0, seed: int | None = None,
                     name: str | None = None) -> WhatIfOption:
    """Audit the decisions of cut-offs set by hand (the dashboard's sliders).

    Parameters
    ----------
    thresholds : float or mapping of group to float
        One cut-off for everyone, or one per group of ``attribute``; a score at or above
        its cut-off gets the favorable outcome.
    name : str, optional
        The option's name in plain words (a board that loaded a trade-off point's
        cut-offs keeps its name); by default it says the cut-offs were set by hand.

    Other parameters are those of `whatif`.

    Raises
    ------
    AuditInputError
        For a group without a cut-off, an unknown group, or a cut-off that is not a
        finite number; and as `whatif` does.
    """
    settings = check_settings(data, spec, attribute=attribute, strategies=STRATEGIES,
                              tolerance=0.0, cost_ratio=cost_ratio, seed=seed)
    assert data.score is not None
    groups = groups_of(data, settings.attribute)
    cut_offs = _checked_thresholds(thresholds, groups, data.favorable)
    cuts = np.array([cut_offs[label] for label in groups.labels])
    decisions = data.score >= cuts[groups.index]
    constrained = ~groups.unknown & (groups.sizes >= spec.min_group_size)
    per_group = len(set(cut_offs.values())) > 1
    choice = ThresholdChoice(
        id="manual", name=name or MANUAL_NAMES["per_group" if per_group else "single"],
        strategy="manual", method="manual", attribute=settings.attribute, randomized=False,
        tolerance=None, cut_offs=cut_offs, uses_attribute=per_group,
        lawfulness=LAWFULNESS_NOTE.format(attribute=settings.attribute) if per_group else None,
        evaluation=evaluate(group_counts(groups, data.y_true, decisions),
                            constrained=constrained, cost_ratio=settings.cost_ratio,
                            samples=spec.bootstrap, seed=settings.seed,
                            confidence=spec.confidence))
    after = run_audit(replace(data, y_pred=decisions, score=None), spec)
    return WhatIfOption(choice=choice, audit=after, group_rates=rates_from_audit(after))


def _checked_thresholds(thresholds: Mapping[str, float] | float, groups: Groups,
                        favorable: str) -> dict[str, float]:
    labels = groups.labels
    if not isinstance(thresholds, Mapping):
        thresholds = dict.fromkeys(labels, thresholds)
    unknown = [g for g in thresholds if g not in labels]
    if unknown:
        raise AuditInputError(UNKNOWN_GROUPS.format(
            groups=", ".join(repr(g) for g in unknown), attribute=groups.attribute,
            all_groups=", ".join(repr(g) for g in labels)))
    missing = [g for g in labels if g not in thresholds]
    if missing:
        raise AuditInputError(MISSING_THRESHOLDS.format(
            groups=", ".join(repr(g) for g in missing), attribute=groups.attribute,
            all_groups=", ".join(repr(g) for g in labels)))
    out = {}
    for group in labels:
        value = thresholds[group]
        if (isinstance(value, bool) or not isinstance(value, int | float | np.number)
                or not math.isfinite(float(value))):
            raise AuditInputError(BAD_CUT_OFF.format(group=group, value=value,
                                                     favorable=favorable))
        out[group] = float(value)
    return out


def _audited(data: PreparedData, spec: AuditSpec, groups: Groups, choice: ThresholdChoice,
             seed: int) -> WhatIfOption:
    assert data.score is not None
    if not choice.randomized:
        cuts = np.array([choice.cut_offs[label] for label in groups.labels])
        decisions = data.score >= cuts[groups.index]
        after = run_audit(replace(data, y_pred=decisions, score=None), spec)
        return WhatIfOption(choice=choice, audit=after, group_rates=rates_from_audit(after))
    probability = np.zeros(data.rows)
    for g, label in enumerate(groups.labels):
        rows = groups.index == g
        probability[rows] = choice.rules[label].favorable_probability(data.score[rows])
    drawn = np.random.default_rng(seed).random(data.rows) < probability
    after = run_audit(replace(data, y_pred=drawn, score=None), spec)
    expected = {attribute: _expected_rates(groups_of(data, attribute), data.y_true, probability)
                for attribute in spec.attributes}
    return WhatIfOption(choice=choice, audit=after, group_rates=expected,
                        criteria_note=RANDOMIZED_CRITERIA.format(seed=seed))


def _expected_rates(groups: Groups, y_true: np.ndarray, probability: np.ndarray
                    ) -> dict[str, dict[str, float]]:
    size = len(groups.labels)
    counts = np.zeros((size, 4))
    counts[:, 0] = np.bincount(groups.index, weights=probability * y_true, minlength=size)
    counts[:, 1] = np.bincount(groups.index, weights=probability * ~y_true, minlength=size)
    positives = np.bincount(groups.index, weights=y_true, minlength=size)
    counts[:, 2] = groups.sizes - positives - counts[:, 1]
    counts[:, 3] = positives - counts[:, 0]
    rates = rates_of(counts)
    return {label: {m: float(rates[m][g]) for m in GROUP_RATES}
            for g, label in enumerate(groups.labels)}


def rates_from_audit(result: AuditResult) -> dict[str, dict[str, dict[str, float]]]:
    """attribute → group → the three rates a what-if view shows, from the engine."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for group in result.groups:
        out.setdefault(group.attribute, {})[group.group] = {
            m: group.metrics[m].value for m in GROUP_RATES}
    return out
