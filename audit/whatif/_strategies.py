"""The named strategies, as fixed cut-offs found by an exact search over the sweep.

- ``single``: one cut-off for everyone, the most accurate (or, with a cost ratio ``k``,
  the one of lowest cost, a false positive costing ``k`` false negatives);
- ``max_accuracy``: each group's own most accurate (or lowest-cost) cut-off;
- ``demographic_parity``, ``equal_opportunity``, ``equalized_odds``: per-group cut-offs of
  lowest total cost subject to the selection rates, true positive rates, or true and
  false positive rates of the groups the audit judges being within ``tolerance``.

Groups the audit does not judge (unknown category, fewer than ``min_group_size`` rows) are
not held to a constraint: each gets its own best cut-off. Ties go to the first candidate
found, so the answer is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from audit import AuditInputError, AuditSpec, PreparedData

from ._groups import groups_of
from ._options import TARGETS, Evaluation, ThresholdChoice, TradeoffCurve, TradeoffPoint, evaluate
from ._search import Search, Solution, reverse
from ._sweep import Sweep, build_sweep, require_score
from .words import (
    BAD_COST_RATIO,
    BAD_TOLERANCE,
    COST_NAMES,
    COST_OBJECTIVE,
    EXACT_SUFFIX,
    LAWFULNESS_NOTE,
    NO_STRATEGY,
    RULE_WORDS,
    SAME_DECISION_FOR_ALL,
    SCORE_REVERSED,
    STRATEGY_NAMES,
    THINNED_SEARCH,
    TOO_FEW_GROUPS,
    UNCONSTRAINED_GROUPS,
    UNDEFINED_RATE,
    UNKNOWN_ATTRIBUTE,
    UNKNOWN_OPTION,
    UNKNOWN_STRATEGY,
)

Strategy = Literal["single", "max_accuracy", "demographic_parity", "equal_opportunity",
                   "equalized_odds"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
CONSTRAINED: tuple[Strategy, ...] = ("demographic_parity", "equal_opportunity", "equalized_odds")
# the tolerances of the trade-off curves (the requested tolerance is added)
TOLERANCE_LADDER = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 1.0)
RATES_OF = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("true_positive_rate",),
    "equalized_odds": ("true_positive_rate", "false_positive_rate"),
}


@dataclass(frozen=True, eq=False)
class WhatIfPlan:
    """The fixed cut-off options and trade-off curves of one attribute (no re-audit yet).

    ``constrained`` lists the groups held to the parity constraints: those the audit
    judges. ``warnings`` are sentences for the user (a score that runs backwards).
    """

    attribute: str
    sweep: Sweep
    constrained: tuple[str, ...]
    tolerance: float
    cost_ratio: float
    options: tuple[ThresholdChoice, ...]
    tradeoffs: tuple[TradeoffCurve, ...]
    warnings: tuple[str, ...]
    samples: int
    seed: int
    confidence: float

    def option(self, option_id: str) -> ThresholdChoice:
        for option in self.options:
            if option.id == option_id:
                return option
        raise AuditInputError(UNKNOWN_OPTION.format(
            value=option_id, options=", ".join(repr(o.id) for o in self.options)))


@dataclass(frozen=True)
class Settings:
    """Checked options of one what-if run."""

    attribute: str
    strategies: tuple[Strategy, ...]
    tolerance: float
    cost_ratio: float
    seed: int


def check_settings(data: PreparedData, spec: AuditSpec, *, attribute: str | None,
                   strategies: Iterable[str] | str, tolerance: float, cost_ratio: float,
                   seed: int | None) -> Settings:
    """Check every option once, at the entry point; raise `AuditInputError` with the fix."""
    require_score(data, spec.score)
    chosen = attribute if attribute is not None else spec.attributes[0]
    if chosen not in spec.attributes:
        raise AuditInputError(UNKNOWN_ATTRIBUTE.format(
            attribute=chosen, attributes=", ".join(repr(a) for a in spec.attributes)))
    names = (strategies,) if isinstance(strategies, str) else tuple(strategies)
    allowed = ", ".join(STRATEGIES)
    if not names:
        raise AuditInputError(NO_STRATEGY.format(allowed=allowed))
    for name in names:
        if name not in STRATEGIES:
            raise AuditInputError(UNKNOWN_STRATEGY.format(value=name, allowed=allowed))
    if not _number(tolerance) or not 0.0 <= float(tolerance) <= 1.0:
        raise AuditInputError(BAD_TOLERANCE.format(value=tolerance))
    if not _number(cost_ratio) or not float(cost_ratio) > 0.0:
        raise AuditInputError(BAD_COST_RATIO.format(value=cost_ratio))
    # the single cut-off, which does not use the attribute, is always offered
    ordered = tuple(s for s in STRATEGIES if s in names or s == "single")
    return Settings(attribute=chosen, strategies=ordered, tolerance=float(tolerance),
                    cost_ratio=float(cost_ratio), seed=spec.seed if seed is None else int(seed))


def option_name(strategy: str, *, tolerance: float, cost_ratio: float = 1.0) -> str:
    """The plain-words name of a strategy's fixed cut-off option at ``tolerance``.

    A point of a trade-off curve is named as the option of its strategy would be at that
    point's tolerance: ``option_name("equal_opportunity", tolerance=0.05)`` is "Equal
    opportunity (true positive rates within 0.05), fixed cut-offs".

    Raises
    ------
    AuditInputError
        For a strategy not in `STRATEGIES`.
    """
    if strategy not in STRATEGIES:
        raise AuditInputError(UNKNOWN_STRATEGY.format(value=strategy,
                                                      allowed=", ".join(STRATEGIES)))
    names = COST_NAMES if cost_ratio != 1.0 and strategy in COST_NAMES else STRATEGY_NAMES
    name = names[strategy].format(tolerance=tolerance)
    return name + EXACT_SUFFIX if strategy in CONSTRAINED else name


def _number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def plan(data: PreparedData, spec: AuditSpec, *, attribute: str | None = None,
         strategies: Sequence[Strategy] = STRATEGIES, tolerance: float = 0.02,
         cost_ratio: float = 1.0, seed: int | None = None) -> WhatIfPlan:
    """The fixed cut-off options of ``strategies`` and their trade-off curves.

    This is the fast part of `whatif`: one sweep, then an exact search per strategy and
    per tolerance of the trade-off curves, with bootstrap intervals; nothing is audited
    again. A page can draw the Pareto chart from it and audit an option on demand with
    `apply_thresholds`.

    Parameters
    ----------
    data : PreparedData
        Validated arrays from `audit.prepare`, with a score.
    spec : AuditSpec
        Supplies ``min_group_size`` (which groups are judged), ``bootstrap``,
        ``confidence`` and ``seed``.
    attribute : str, optional
        The attribute whose groups get cut-offs; by default the first sensitive column.
    strategies : sequence of {'single', 'max_accuracy', 'demographic_parity',
        'equal_opportunity', 'equalized_odds'}
        ``single`` is always included: it does not use the attribute.
    tolerance : float, default 0.02
        The largest acceptable span of the constrained rates, from 0 to 1.
    cost_ratio : float, default 1
        A false positive costs this many false negatives; 1 maximises accuracy.
    seed : int, optional
        Bootstrap seed; by default ``spec.seed``.

    Raises
    ------
    AuditInputError
        Without a score, or for an unknown attribute or strategy, a tolerance outside
        [0, 1] or a cost ratio that is not positive.
    """
    settings = check_settings(data, spec, attribute=attribute, strategies=strategies,
                              tolerance=tolerance, cost_ratio=cost_ratio, seed=seed)
    return plan_checked(data, spec, settings)


def plan_checked(data: PreparedData, spec: AuditSpec, settings: Settings) -> WhatIfPlan:
    assert data.score is not None
    groups = groups_of(data, settings.attribute)
    swept = build_sweep(data, groups, data.score)
    constrained = ~groups.unknown & (groups.sizes >= spec.min_group_size)
    planner = _Planner(swept, constrained, settings, spec, data.favorable)
    options = tuple(planner.option(s) for s in settings.strategies)
    tradeoffs = tuple(planner.tradeoff(s) for s in settings.strategies if s in CONSTRAINED)
    return WhatIfPlan(
        attribute=settings.attribute, sweep=swept,
        constrained=tuple(label for label, c in zip(groups.labels, constrained, strict=True)
                          if c),
        tolerance=settings.tolerance, cost_ratio=settings.cost_ratio, options=options,
        tradeoffs=tradeoffs, warnings=_warnings(swept, data.favorable),
        samples=spec.bootstrap, seed=settings.seed, confidence=spec.confidence)


def _warnings(swept: Sweep, favorable: str) -> tuple[str, ...]:
    everyone = swept.overall
    if everyone.positives == 0 or everyone.negatives == 0:
        return ()
    rates = everyone.counts[::-1]
    tpr = rates[:, 0] / everyone.positives
    fpr = rates[:, 1] / everyone.negatives
    auc = float(np.trapezoid(tpr, fpr))
    return (SCORE_REVERSED.format(favorable=favorable, auc=auc),) if auc < 0.5 else ()


class _Planner:
    """Options of one sweep; each constrained search is built once for every tolerance."""

    def __init__(self, swept: Sweep, constrained: np.ndarray, settings: Settings,
                 spec: AuditSpec, favorable: str) -> None:
        self.sweep = swept
        self.favorable = favorable
        self.constrained = constrained
        self.settings = settings
        self.spec = spec
        self.costs = [g.cost(settings.cost_ratio) for g in swept.groups]
        self.best = [int(np.argmin(c)) for c in self.costs]
        # every strategy searches the same candidates: one sparse table per group
        self.candidates = [reverse(c) for c in self.costs]
        self.searches: dict[str, Search] = {}

    def evaluation(self, counts: np.ndarray) -> Evaluation:
        return evaluate(counts, constrained=self.constrained,
                        cost_ratio=self.settings.cost_ratio, samples=self.spec.bootstrap,
                        seed=self.settings.seed, confidence=self.spec.confidence)

    def _per_group(self, indices: Sequence[int]) -> tuple[dict[str, float], np.ndarray]:
        cut_offs = {g.group: float(g.cut_offs[j]) for g, j in zip(self.sweep.groups, indices,
                                                                  strict=True)}
        counts = np.array([g.counts[j] for g, j in zip(self.sweep.groups, indices,
                                                        strict=True)])
        return cut_offs, counts

    def _search(self, strategy: str) -> Search:
        if strategy not in self.searches:
            rates = []
            for metric in RATES_OF[strategy]:
                per_group = []
                for g, group_sweep in enumerate(self.sweep.groups):
                    denominator = {"selection_rate": group_sweep.n,
                                   "true_positive_rate": group_sweep.positives,
                                   "false_positive_rate": group_sweep.negatives}[metric]
                    held = bool(self.constrained[g]) and denominator > 0
                    per_group.append(group_sweep.rate(metric) if held else None)
                rates.append(per_group)
            self.searches[strategy] = Search(self.candidates, rates)
        return self.searches[strategy]

    def _name(self, strategy: str) -> str:
        return option_name(strategy, tolerance=self.settings.tolerance,
                           cost_ratio=self.settings.cost_ratio)

    def option(self, strategy: Strategy) -> ThresholdChoice:
        notes: list[str] = []
        if self.settings.cost_ratio != 1.0:
            notes.append(COST_OBJECTIVE.format(ratio=self.settings.cost_ratio))
        if strategy == "single":
            everyone = self.sweep.overall
            cut = float(everyone.cut_offs[int(np.argmin(everyone.cost(self.settings.cost_ratio)))])
            cut_offs = {g.group: cut for g in self.sweep.groups}
            counts = np.array([g.counts_at(cut) for g in self.sweep.groups])
        elif strategy == "max_accuracy":
            cut_offs, counts = self._per_group(self.best)
        else:
            solution = self._search(strategy).solve(self.settings.tolerance)
            cut_offs, counts = self._per_group(solution.indices)
            notes.extend(self._notes(strategy, solution))
        attribute = self.sweep.attribute
        per_group = strategy != "single"
        return ThresholdChoice(
            id=strategy, name=self._name(strategy), strategy=strategy, method="exact",
            attribute=attribute, randomized=False,
            tolerance=self.settings.tolerance if strategy in CONSTRAINED else None,
            cut_offs=cut_offs, uses_attribute=per_group,
            lawfulness=LAWFULNESS_NOTE.format(attribute=attribute) if per_group else None,
            evaluation=self.evaluation(counts), notes=tuple(notes))

    def _notes(self, strategy: str, solution: Solution) -> list[str]:
        notes = []
        labels = self.sweep.labels
        left_out = [f"{labels[g]} (n={self.sweep.groups[g].n})"
                    for g in np.flatnonzero(~self.constrained)]
        if left_out:
            notes.append(UNCONSTRAINED_GROUPS.format(minimum=self.spec.min_group_size,
                                                     groups=", ".join(left_out)))
        for metric in RATES_OF[strategy]:
            if metric == "selection_rate":
                continue
            positives = metric == "true_positive_rate"
            undefined = [labels[g] for g in np.flatnonzero(self.constrained)
                         if (self.sweep.groups[g].positives if positives
                             else self.sweep.groups[g].negatives) == 0]
            if undefined:
                notes.append(UNDEFINED_RATE.format(
                    groups=", ".join(undefined), verb="has" if len(undefined) == 1 else "have",
                    outcome=(repr(self.favorable) if positives
                             else f"other than {self.favorable!r}"),
                    rate="the true positive rate" if positives else "the false positive rate"))
        search = self._search(strategy)
        if not search.involved:
            notes.append(TOO_FEW_GROUPS.format(attribute=self.sweep.attribute,
                                               rule=RULE_WORDS[strategy]))
        if solution.kept is not None:
            notes.append(THINNED_SEARCH.format(groups=len(search.involved),
                                               candidates=solution.candidates,
                                               kept=solution.kept))
        same = []
        for g in search.involved:
            last = self.sweep.groups[g].cut_offs.size - 1
            chosen, best = solution.indices[g], self.best[g]
            if chosen in (0, last) and best not in (0, last):
                same.append(labels[g])
        if same:
            notes.append(SAME_DECISION_FOR_ALL.format(
                rule=RULE_WORDS[strategy], tolerance=self.settings.tolerance,
                groups=", ".join(same)))
        return notes

    def tradeoff(self, strategy: Strategy) -> TradeoffCurve:
        tolerances = sorted(set(TOLERANCE_LADDER) | {self.settings.tolerance})
        points = []
        for tolerance in tolerances:
            cut_offs, counts = self._per_group(self._search(strategy).solve(tolerance).indices)
            points.append(TradeoffPoint(tolerance=tolerance, cut_offs=cut_offs,
                                        evaluation=self.evaluation(counts)))
        return TradeoffCurve(strategy=strategy, attribute=self.sweep.attribute,
                             disparity=TARGETS[strategy],
                             points=tuple(points))
