"""The results of the what-if analysis and their ``whatif.json`` form.

`WhatIfOption` is one option after the engine audited its decisions again;
`WhatIfReport` is everything for one attribute, with ``to_dict`` (the contract) and
``to_json`` (sorted keys, UTF-8, ``null`` for undefined values).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from audit import AuditInputError, AuditResult, Estimate, outcome_verb

from ._fairlearn import SkippedOption
from ._options import Evaluation, ThresholdChoice, TradeoffCurve
from ._strategies import WhatIfPlan
from ._sweep import OperatingPoint, RocCurve
from .words import (
    RANDOMIZATION_NOTE,
    RANDOMIZED_BANDS,
    RANDOMIZED_ONE_CUT,
    UNKNOWN_OPTION,
)

GroupRates = Mapping[str, Mapping[str, Mapping[str, float]]]


@dataclass(frozen=True, eq=False)
class WhatIfBefore:
    """The uploaded decisions: how well they do, and the engine's audit of them."""

    evaluation: Evaluation
    audit: AuditResult
    group_rates: GroupRates


@dataclass(frozen=True, eq=False)
class WhatIfOption:
    """One option after the engine audited its decisions again.

    ``group_rates`` maps attribute → group → ``selection_rate``, ``true_positive_rate``,
    ``false_positive_rate`` (expected values for a randomised option) for every audited
    attribute; ``audit`` is the engine's result for the option's decisions (for a
    randomised option, one seeded draw of them, as ``criteria_note`` says).
    """

    choice: ThresholdChoice
    audit: AuditResult
    group_rates: GroupRates
    criteria_note: str | None = None

    @property
    def id(self) -> str:
        return self.choice.id

    @property
    def name(self) -> str:
        return self.choice.name

    def to_dict(self) -> dict[str, Any]:
        """This option as an entry of ``whatif.json``'s ``options``."""
        choice = self.choice
        attribute = choice.attribute
        out: dict[str, Any] = {
            "id": choice.id,
            "name": choice.name,
            "strategy": choice.strategy,
            "method": choice.method,
            "randomized": choice.randomized,
            "tolerance": choice.tolerance,
            "uses_attribute": choice.uses_attribute,
            "lawfulness": choice.lawfulness,
            "notes": list(choice.notes) + ([self.criteria_note] if self.criteria_note else []),
            **_outcome(choice.evaluation, self.audit, self.group_rates),
        }
        if choice.randomized:
            rules = choice.rules
            out["thresholds"] = {attribute: {g: [_num(c) for c in r.cut_offs]
                                             for g, r in rules.items()}}
            out["probabilities"] = {attribute: {g: [_num(p) for p in r.probabilities]
                                                for g, r in rules.items()}}
            out["score_ignored"] = {attribute: {
                g: {"probability": _num(r.ignore_score),
                    "favorable_probability": _num(r.favorable_if_ignored)}
                for g, r in rules.items()}}
            out["randomization"] = randomization_words(choice, self.audit.favorable,
                                                       self.audit.outcome_meaning)
        else:
            out["thresholds"] = {attribute: {g: _num(c) for g, c in choice.cut_offs.items()}}
            out["randomization"] = None
        return out


@dataclass(frozen=True, eq=False)
class WhatIfReport:
    """Everything the what-if analysis found for one attribute: the contract of whatif.json.

    ``plan`` holds the sweep, the fixed cut-off options and the trade-off curves;
    ``options`` every option (fixed cut-offs first, then fairlearn's) with the engine's
    audit of its decisions; ``before`` the uploaded decisions; ``skipped`` the options
    that could not be computed, with the reason.
    """

    plan: WhatIfPlan
    before: WhatIfBefore
    options: tuple[WhatIfOption, ...]
    skipped: tuple[SkippedOption, ...]
    favorable: str
    score: str | None
    notes: tuple[str, ...]

    @property
    def attribute(self) -> str:
        return self.plan.attribute

    @property
    def tradeoffs(self) -> tuple[TradeoffCurve, ...]:
        return self.plan.tradeoffs

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.plan.warnings

    def roc_curves(self) -> tuple[RocCurve, ...]:
        return self.plan.sweep.roc_curves()

    def option(self, option_id: str) -> WhatIfOption:
        for option in self.options:
            if option.id == option_id:
                return option
        raise AuditInputError(UNKNOWN_OPTION.format(
            value=option_id, options=", ".join(repr(o.id) for o in self.options)))

    def with_option(self, option: WhatIfOption) -> WhatIfReport:
        """This report with ``option`` among its options (replacing one with the same id).

        For cut-offs set by hand (`apply_thresholds`, id ``manual``) that a board wants in
        its record: ``report.with_option(manual).to_dict(chosen="manual")``.
        """
        kept = tuple(o for o in self.options if o.id != option.id)
        return replace(self, options=(*kept, option))

    def to_dict(self, *, chosen: str | None = None) -> dict[str, Any]:
        """The ``whatif.json`` contract; ``chosen`` is the id of the option a board chose.

        Shape (``null`` wherever a value is undefined)::

            {"attribute", "favorable", "score", "objective": "accuracy" | "cost",
             "cost_ratio", "tolerance", "groups": [...], "constrained_groups": [...],
             "operating_points": {attribute: {group: {selection_rate, true_positive_rate,
                                                      false_positive_rate, counts}}},
             "before": OUTCOME,
             "options": [{"id", "name", "strategy", "method": "exact" | "fairlearn",
                          "randomized", "tolerance",
                          "thresholds": {attribute: {group: cut_off}},  # randomised:
                                                       # [cut_off_0, cut_off_1]
                          "probabilities": {attribute: {group: [p0, p1]}},  # randomised
                          "score_ignored": {attribute: {group: {probability,
                                            favorable_probability}}},  # randomised
                          "randomization": str | null, "uses_attribute",
                          "lawfulness": str | null, "notes": [...], **OUTCOME}],
             "tradeoffs": [{"strategy", "disparity", "points": [{"tolerance",
                            "thresholds", "accuracy", "cost", "disparity"}]}],
             "skipped": [{"strategy", "method", "reason"}], "warnings", "notes",
             "bootstrap", "confidence", "seed", "chosen"}

        where OUTCOME is ``{"accuracy", "cost", "intervals": {"accuracy", "cost"},
        "disparities": {name: {value, ci_low, ci_high}}, "group_rates": {attribute:
        {group: {selection_rate, true_positive_rate, false_positive_rate}}},
        "criteria": [{"id", "criterion", "attribute", "threshold", "status", "value",
        "ci_low", "ci_high"}], "verdict"}``. A decision is favorable when the score is at
        or above the cut-off; a group's "nobody" cut-off is the float just above its
        highest score.
        """
        if chosen is not None:
            self.option(chosen)
        plan = self.plan
        return {
            "attribute": plan.attribute,
            "favorable": self.favorable,
            "score": self.score,
            "objective": "accuracy" if plan.cost_ratio == 1.0 else "cost",
            "cost_ratio": plan.cost_ratio,
            "tolerance": plan.tolerance,
            "groups": list(plan.sweep.labels),
            "constrained_groups": list(plan.constrained),
            "operating_points": {plan.attribute: {
                p.group: _operating_point(p) for p in plan.sweep.operating_points}},
            "before": _outcome(self.before.evaluation, self.before.audit,
                               self.before.group_rates),
            "options": [option.to_dict() for option in self.options],
            "tradeoffs": [_tradeoff(curve) for curve in plan.tradeoffs],
            "skipped": [{"strategy": s.strategy, "method": s.method, "reason": s.reason}
                        for s in self.skipped],
            "warnings": list(plan.warnings),
            "notes": list(self.notes),
            "bootstrap": plan.samples,
            "confidence": plan.confidence,
            "seed": plan.seed,
            "chosen": chosen,
        }

    def to_json(self, *, chosen: str | None = None) -> str:
        """``to_dict`` as JSON text: sorted keys, UTF-8 characters kept, ``null`` for nan."""
        return json.dumps(self.to_dict(chosen=chosen), sort_keys=True, ensure_ascii=False,
                          indent=2, allow_nan=False)


def randomization_words(choice: ThresholdChoice, favorable: str, meaning: str = "") -> str:
    """What the randomisation means for the people decided, group by group (``a score below
    0.3 is approved with probability 10.0%`` with the outcome's meaning, else ``gets '1'``)."""
    sentences = [RANDOMIZATION_NOTE]
    gets = outcome_verb(favorable, meaning, plural=False)
    for group, rule in choice.rules.items():
        low, high, below, between, above = rule.bands
        if low == high:
            sentences.append(RANDOMIZED_ONE_CUT.format(group=group, low=low, below=below,
                                                       above=above, gets=gets))
        else:
            sentences.append(RANDOMIZED_BANDS.format(group=group, low=low, high=high,
                                                     below=below, between=between, above=above,
                                                     gets=gets))
    return " ".join(sentences)


def _num(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _estimate(estimate: Estimate) -> dict[str, float | int | None]:
    return {"value": _num(estimate.value), "ci_low": _num(estimate.ci_low),
            "ci_high": _num(estimate.ci_high)}


def _criteria(result: AuditResult) -> list[dict[str, Any]]:
    return [{
        "id": f"{f.criterion.metric}:{f.attribute}",
        "criterion": f.criterion.metric,
        "attribute": f.attribute,
        "threshold": f.criterion.threshold,
        "status": f.status,
        "value": _num(f.estimate.value),
        "ci_low": _num(f.estimate.ci_low),
        "ci_high": _num(f.estimate.ci_high),
    } for f in result.findings]


def _outcome(evaluation: Evaluation, result: AuditResult, rates: GroupRates) -> dict[str, Any]:
    return {
        "accuracy": _num(evaluation.accuracy.value),
        "cost": _num(evaluation.cost.value),
        "intervals": {"accuracy": _estimate(evaluation.accuracy),
                      "cost": _estimate(evaluation.cost)},
        "disparities": {name: _estimate(e) for name, e in evaluation.disparities.items()},
        "group_rates": {a: {g: {m: _num(v) for m, v in r.items()} for g, r in groups.items()}
                        for a, groups in rates.items()},
        "criteria": _criteria(result),
        "verdict": result.verdict,
    }


def _operating_point(point: OperatingPoint) -> dict[str, Any]:
    return {"selection_rate": _num(point.selection_rate),
            "true_positive_rate": _num(point.true_positive_rate),
            "false_positive_rate": _num(point.false_positive_rate),
            "counts": {"tp": point.tp, "fp": point.fp, "tn": point.tn, "fn": point.fn}}


def _tradeoff(curve: TradeoffCurve) -> dict[str, Any]:
    return {
        "strategy": curve.strategy,
        "disparity": curve.disparity,
        "points": [{
            "tolerance": point.tolerance,
            "thresholds": {curve.attribute: {g: _num(c) for g, c in point.cut_offs.items()}},
            "accuracy": _estimate(point.evaluation.accuracy),
            "cost": _estimate(point.evaluation.cost),
            "disparity": _estimate(point.evaluation.disparities[curve.disparity]),
        } for point in curve.points],
    }
