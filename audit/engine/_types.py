"""The typed objects the engine produces: estimates, per-group metrics, disparities,
adverse-impact tables, aggregates, findings and the `AuditResult` that holds them all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from audit.inputs import AuditSpec, Criterion

Status = Literal["pass", "fail", "insufficient_data"]


@dataclass(frozen=True)
class Estimate:
    """A point value with its bootstrap confidence interval. ``nan`` means undefined."""

    value: float
    ci_low: float
    ci_high: float

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


@dataclass(frozen=True)
class Disparity:
    """One group against its attribute's reference group, for one metric.

    ``difference`` is group − reference and ``ratio`` group / reference. ``p_value``
    comes from a two-proportion z-test (Fisher's exact test when an expected cell is
    under 5); ``p_adjusted`` is Holm-corrected over the audit's distinct tests of judged
    groups (``audit._engine._correct``) and ``nan`` for the others (labels' base rate,
    unknown or small groups).
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


@dataclass(frozen=True)
class AdverseImpactRow:
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
    p_value: float = float("nan")
    p_adjusted: float = float("nan")


@dataclass(frozen=True)
class AdverseImpactTable:
    """Selection rates and impact ratios against the highest-rate category (EEOC, LL144).

    Categories under 2% of the data are flagged, not dropped; rows whose category is
    unknown are counted in ``unknown_count`` and left out of the ratios.
    """

    attribute: str
    highest_category: str
    rows: tuple[AdverseImpactRow, ...]
    unknown_count: int
    unknown_categories: tuple[str, ...]


@dataclass(frozen=True)
class Aggregate:
    """A single-number fairness summary for one attribute, as fairlearn or aif360 define it."""

    attribute: str
    metric: str
    estimate: Estimate
    source: Literal["fairlearn", "aif360"]
    convention: str
    group: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Finding:
    """One criterion judged on one attribute, in plain words."""

    criterion: Criterion
    attribute: str
    status: Status
    estimate: Estimate
    groups: tuple[str, ...]
    message: str
    significant: bool | None = None


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

    @property
    def verdict(self) -> Literal["pass", "fail", "no_verdict"]:
        """``fail`` if any criterion failed; ``no_verdict`` if none failed but one could not
        be judged (too few groups large enough); ``pass`` only if every criterion passed."""
        if any(f.status == "fail" for f in self.findings):
            return "fail"
        if any(f.status == "insufficient_data" for f in self.findings) or not self.findings:
            return "no_verdict"
        return "pass"

    @property
    def passed(self) -> bool:
        """Every criterion passed (a criterion that could not be judged did not pass)."""
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
