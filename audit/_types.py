"""The typed objects that cross the engine's layers.

An *attribute* is a sensitive column (``sex``) or an intersection of several
(``race × sex``); a *group* is one value of it (``female``, ``Black × female``).
A *metric* is one of fairlearn's names (``selection_rate``, ``true_positive_rate``, ...),
computed per group from the four confusion counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

INTERSECTION_SEP = " × "

Status = Literal["pass", "fail", "insufficient_data"]
# how a finding's status is written wherever a person reads it (CLI, Review page, PDF)
STATUS_LABELS: dict[str, str] = {"pass": "PASS", "fail": "FAIL", "insufficient_data": "NO VERDICT"}


@dataclass(frozen=True)
class Provenance:
    """Where one input table came from: enough to prove later which bytes were audited."""

    name: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class AuditInput:
    """One loaded CSV and its provenance. ``frame`` is never mutated after loading."""

    frame: pd.DataFrame
    provenance: Provenance


@dataclass(frozen=True)
class Criterion:
    """A pass/fail rule the audit is judged by.

    ``metric`` is ``impact_ratio`` (selection rate / highest selection rate, four-fifths
    rule), ``equal_opportunity_difference`` (largest gap in true positive rate between
    groups) or ``equalized_odds_difference`` (largest gap in true or false positive rate).
    ``bound`` says which side of ``threshold`` passes.
    """

    metric: Literal[
        "impact_ratio",
        "equal_opportunity_difference",
        "equalized_odds_difference",
        "demographic_parity_difference",
    ]
    threshold: float
    bound: Literal["min", "max"]

    def passes(self, value: float) -> bool:
        if self.bound == "min":
            return value >= self.threshold - 1e-12
        return abs(value) <= self.threshold + 1e-12


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("impact_ratio", 0.8, "min"),
    Criterion("equal_opportunity_difference", 0.1, "max"),
    Criterion("equalized_odds_difference", 0.1, "max"),
)


@dataclass(frozen=True)
class AuditSpec:
    """What to audit and how: column roles, favorable outcome, references and criteria.

    ``favorable`` is the label/prediction value that means the good outcome for the
    person (``1``, ``"approved"``); ``None`` lets the engine infer it for 0/1 and
    true/false columns. ``reference`` maps an attribute to its reference group; the
    default is the attribute's largest group.
    """

    label: str
    prediction: str
    sensitive: tuple[str, ...]
    score: str | None = None
    favorable: str | None = None
    reference: Mapping[str, str] = field(default_factory=dict)
    criteria: tuple[Criterion, ...] = DEFAULT_CRITERIA
    min_group_size: int = 30
    bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 0
    alpha: float = 0.05
    intersections: bool = True

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every attribute audited: each sensitive column, then their intersection."""
        if self.intersections and len(self.sensitive) > 1:
            return (*self.sensitive, INTERSECTION_SEP.join(self.sensitive))
        return self.sensitive


@dataclass(frozen=True)
class SensitiveColumn:
    """One sensitive attribute as integer codes into ``categories`` (no missing codes).

    ``unknown`` lists the categories that mean "not recorded" (``Unknown``, ``N/A``...):
    they are kept as groups, counted, and left out of impact ratios and criteria.
    """

    name: str
    codes: np.ndarray
    categories: tuple[str, ...]
    unknown: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedData:
    """The validated, joined table reduced to what the engine needs.

    ``y_true`` and ``y_pred`` are boolean arrays: True means the favorable outcome.
    ``features`` holds every column that is not a role (label, prediction, score,
    sensitive attribute, id), for explanations and proxy detection.
    """

    frame: pd.DataFrame
    y_true: np.ndarray
    y_pred: np.ndarray
    score: np.ndarray | None
    sensitive: tuple[SensitiveColumn, ...]
    favorable: str
    features: tuple[str, ...]

    @property
    def rows(self) -> int:
        return int(self.y_true.shape[0])


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
    """Every rate for one group of one attribute."""

    attribute: str
    group: str
    n: int
    counts: ConfusionCounts
    metrics: Mapping[str, Estimate]
    small: bool
    unknown: bool = False


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

    def group(self, attribute: str, group: str) -> GroupMetrics:
        for g in self.groups:
            if g.attribute == attribute and g.group == group:
                return g
        raise KeyError(f"no group {group!r} in attribute {attribute!r}")

    def groups_of(self, attribute: str) -> tuple[GroupMetrics, ...]:
        return tuple(g for g in self.groups if g.attribute == attribute)
