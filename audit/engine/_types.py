"""The typed objects the engine produces: estimates, per-group metrics, disparities,
adverse-impact tables, aggregates, findings and the `AuditResult` that holds them all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from audit.inputs import AuditSpec, Criterion

Status = Literal["pass", "fail", "inconclusive", "not_judged"]
Basis = Literal["selection_rate", "scoring_rate"]
NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A point value with its confidence interval and the interval's method. ``nan`` means
    undefined (the value, or an interval that cannot be made honestly)."""

    value: float
    ci_low: float
    ci_high: float
    method: str = ""

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)


@dataclass(frozen=True)
class ConfusionCounts:
    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn


@dataclass(frozen=True)
class GroupMetrics:
    """Every rate for one group of one attribute.

    ``denominators`` holds, per rate, the people it rests on (everyone for a selection
    rate, those with a favorable label for a true positive rate, ...). ``small`` says the
    group has fewer people than the spec's ``min_denominator``: its selection rate is too
    few to judge (`judged` says it per rate).

    ``parts`` is the group's value of each column of an intersection, in the attribute's
    column order (``("female", "Black")`` for ``female × Black``): its identity, whatever
    its label; empty for a group of a single column.
    """

    attribute: str
    group: str
    n: int
    counts: ConfusionCounts
    metrics: Mapping[str, Estimate]
    small: bool
    unknown: bool = False
    parts: tuple[str, ...] = ()
    denominators: Mapping[str, int] = field(default_factory=dict)

    def judged(self, metric: str, minimum: int) -> bool:
        """A known group whose ``metric`` rests on at least ``minimum`` people."""
        return not self.unknown and self.denominators.get(metric, self.n) >= minimum


@dataclass(frozen=True)
class Disparity:
    """One group against its attribute's reference group, for one metric.

    ``difference`` is group − reference (Newcombe interval) and ``ratio`` group / reference
    (Koopman interval). ``p_value`` comes from a two-proportion z-test (Fisher's exact test
    when an expected cell is under 5); ``p_adjusted`` is corrected within the attribute's
    test family (`audit.engine._family`) and ``nan`` outside it (the labels' base rate,
    unknown groups, rates resting on too few people). ``small``: either group's rate rests
    on fewer people than ``min_denominator``. ``detectable_difference``: the smallest
    difference the test detects with 80% power at these sizes (judged comparisons only).
    """

    attribute: str
    group: str
    reference: str
    metric: str
    difference: Estimate
    ratio: Estimate
    test: str
    p_value: float
    p_adjusted: float
    significant: bool
    small: bool
    unknown: bool = False
    detectable_difference: float = NAN


@dataclass(frozen=True)
class AdverseImpactRow:
    """One category of an adverse-impact table.

    Every row carries the category's selection counts; a scoring-rate table's rows also
    carry ``scored_above`` (people scoring strictly above the whole sample's median) and
    ``scoring_rate``. ``impact_ratio`` is the row's rate over the comparator's (Koopman
    interval), ``nan`` for unknown categories and for categories under 2% of the data,
    which are left out of the ratios and carry the auditor's ``justification``.
    """

    category: str
    n: int
    selected: int
    selection_rate: float
    impact_ratio: Estimate
    share: float
    under_2_percent: bool
    small: bool
    unknown: bool = False
    test: str = ""
    p_value: float = NAN
    p_adjusted: float = NAN
    scored_above: int | None = None
    scoring_rate: float | None = None
    detectable_difference: float = NAN
    justification: str = ""

    @property
    def rate(self) -> float:
        """The rate of the table's basis: the scoring rate in a scoring table."""
        return self.selection_rate if self.scoring_rate is None else self.scoring_rate

    @property
    def outcomes(self) -> int:
        """The people counted in `rate`'s numerator."""
        return self.selected if self.scored_above is None else self.scored_above


@dataclass(frozen=True)
class AdverseImpactTable:
    """Rates and impact ratios against the highest-rate category (EEOC, NYC LL144).

    ``basis`` is ``selection_rate`` (the model's decisions) or ``scoring_rate`` (the share
    scoring strictly above ``median_score``, the median over the whole sample). The
    comparator (``highest_category``) is the highest-rate category among those not
    excluded: known and at least 2% of the data. Categories under 2% are flagged and kept
    with their counts and rates; rows whose category is unknown are counted in
    ``unknown_count`` and left out of the ratios. ``ll144_only`` marks the sex ×
    race/ethnicity table made for LL144 when it is not itself an audited attribute.
    """

    attribute: str
    highest_category: str
    rows: tuple[AdverseImpactRow, ...]
    unknown_count: int
    unknown_categories: tuple[str, ...]
    basis: Basis = "selection_rate"
    median_score: float | None = None
    ll144_only: bool = False


@dataclass(frozen=True)
class Aggregate:
    """A single-number fairness summary for one attribute, as fairlearn or aif360 define it.

    ``undefined_replicates`` counts the bootstrap replicates in which the value was
    undefined (a ratio whose denominator rate was 0, ...): they are left out of the
    percentile interval, and said so.
    """

    attribute: str
    metric: str
    estimate: Estimate
    source: Literal["fairlearn", "aif360"]
    convention: str
    group: str | None = None
    reference: str | None = None
    undefined_replicates: int = 0


@dataclass(frozen=True)
class Test:
    """One test behind a finding: the omnibus test that a rate is equal in every judged
    group (span criteria), or the comparison of the lowest-ratio group with the comparator
    (the four-fifths rule). ``p_adjusted`` is the same number as wherever else this test
    appears (one p-value per comparison)."""

    metric: str
    test: str
    p_value: float
    p_adjusted: float
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One criterion judged on one attribute, in plain words.

    ``status`` is ``pass``, ``fail``, ``inconclusive`` or ``not_judged``. ``groups`` names a
    pair only when it is supported: for a span criterion, the omnibus test is significant
    and the pair's simultaneous interval excludes 0; for the four-fifths rule, the lowest
    category and the comparator. ``people_needed`` is, for an inconclusive finding, about
    how many more people per group would decide it (``scale`` times the present numbers;
    ``inf`` when no amount would). ``not_judged`` lists the groups left out and why.
    """

    criterion: Criterion
    attribute: str
    status: Status
    estimate: Estimate
    groups: tuple[str, ...]
    message: str
    significant: bool | None = None
    tests: tuple[Test, ...] = ()
    people_needed: float = NAN
    scale: float = NAN
    judged: tuple[str, ...] = ()
    not_judged: tuple[str, ...] = ()
    judgement: str = "interval"


@dataclass(frozen=True)
class AuditResult:
    """Everything ``run_audit`` computed. Immutable; safe to cache and share."""

    spec: AuditSpec
    favorable: str
    rows: int
    groups: tuple[GroupMetrics, ...]
    disparities: tuple[Disparity, ...]
    adverse_impact: tuple[AdverseImpactTable, ...]
    aggregates: tuple[Aggregate, ...]
    findings: tuple[Finding, ...]
    references: Mapping[str, str]
    warnings: tuple[str, ...] = ()
    bootstrap_samples: int = 0
    test_family: str = ""
    sex_column: str | None = None
    race_column: str | None = None

    @property
    def verdict(self) -> Literal["pass", "fail", "inconclusive", "no_verdict"]:
        """``fail`` if any criterion failed; else ``inconclusive`` if any is inconclusive;
        else ``pass`` if any criterion was judged; else ``no_verdict``."""
        statuses = {f.status for f in self.findings}
        if "fail" in statuses:
            return "fail"
        if "inconclusive" in statuses:
            return "inconclusive"
        return "pass" if "pass" in statuses else "no_verdict"

    @property
    def passed(self) -> bool:
        """The verdict is a pass: nothing failed or was inconclusive, and something was
        judged (a criterion that could not be judged neither passes nor blocks a pass)."""
        return self.verdict == "pass"

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attributes audited, in order: each sensitive column, then the intersection
        (or, beyond ``spec.max_intersection_cells``, the pairwise intersections)."""
        return tuple(dict.fromkeys(g.attribute for g in self.groups))

    def group(self, attribute: str, group: str) -> GroupMetrics:
        for g in self.groups:
            if g.attribute == attribute and g.group == group:
                return g
        raise KeyError(f"no group {group!r} in attribute {attribute!r}")

    def groups_of(self, attribute: str) -> tuple[GroupMetrics, ...]:
        return tuple(g for g in self.groups if g.attribute == attribute)

    def impact_table(self, attribute: str, basis: Basis = "selection_rate"
                     ) -> AdverseImpactTable | None:
        """The adverse-impact table of ``attribute`` on ``basis``, if there is one."""
        return next((t for t in self.adverse_impact
                     if t.attribute == attribute and t.basis == basis), None)
