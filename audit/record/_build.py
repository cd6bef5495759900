"""The audit record: what was audited, what was found, what was decided (JSON contract).

`build_record` is the one path from a finished run to the record, taken by the CLI and
the dashboard alike. ``record_to_dict`` produces the layout described in DESIGN.md and in
``audit/audit.schema.json``; everything exported (JSON, PDF, CSV, history) is built from
that one dictionary, so every copy of a number is the same number. Undefined values
(a rate with an empty denominator) are ``null``.
"""

from __future__ import annotations

import functools
import math
import platform
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Literal, Protocol

from audit.engine import AdverseImpactRow, AuditResult, AuditRun, Estimate, Finding, SourceRun
from audit.inputs import AuditSpec, Provenance
from audit.record._context import AuditContext

SCHEMA_VERSION = "1.1"
DECISIONS = ("approve", "approve_with_conditions", "reject")
PACKAGES = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels", "scikit-learn", "fairlearn",
            "aif360", "shap", "plotly", "streamlit")


class _ToDict(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Review:
    """The board's review. ``finding_notes`` is keyed by `finding_id`; ``approvals`` are the
    reviewers' sign-offs (each filed in the history as its own row: `HistoryStore.approve`)."""

    reviewers: tuple[str, ...]
    decision: Literal["approve", "approve_with_conditions", "reject"]
    notes: str = ""
    conditions: str = ""
    finding_notes: Mapping[str, str] = field(default_factory=dict)
    reviewed_at: str = ""
    approvals: tuple[_ToDict, ...] = ()  # audit.record.Approval

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(
                f"decision must be one of {', '.join(DECISIONS)}; got {self.decision!r}")


@dataclass(frozen=True)
class AuditRecord:
    result: AuditResult
    inputs: tuple[tuple[str, Provenance], ...]
    id_column: str | None = None
    explanations: _ToDict | None = None
    review: Review | None = None
    crosscheck: _ToDict | None = None
    dropped_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    whatif: Mapping[str, Any] | None = None
    context: AuditContext | None = None
    presets: tuple[str, ...] = ()
    audit_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(default_factory=lambda: now_utc())
    environment: Mapping[str, str] = field(default_factory=lambda: environment())


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def environment() -> dict[str, str]:
    """Python and the versions of the packages every number depends on."""
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """Read once per process: each `metadata.version` parses a package's METADATA file, and
    the Review page builds a record on every rerun."""
    versions = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return tuple(versions)


def finding_id(finding: Finding) -> str:
    """A stable key for a finding: ``<criterion metric>:<attribute>``."""
    return f"{finding.criterion.metric}:{finding.attribute}"


def _num(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _estimate(e: Estimate) -> dict[str, Any]:
    """``{value, ci_low, ci_high, method}``: the method that made the interval (null when
    there is no interval)."""
    has_interval = _num(e.ci_low) is not None and _num(e.ci_high) is not None
    return {"value": _num(e.value), "ci_low": _num(e.ci_low), "ci_high": _num(e.ci_high),
            "method": e.method if e.method and has_interval else None}


def _group_metric(e: Estimate, denominator: int | None) -> dict[str, Any]:
    out = _estimate(e)
    if denominator is not None:
        out["denominator"] = denominator
    return out


def spec_to_dict(spec: AuditSpec, id_column: str | None = None) -> dict[str, Any]:
    return {
        "label": spec.label,
        "prediction": spec.prediction,
        "score": spec.score,
        "sensitive": list(spec.sensitive),
        "favorable": spec.favorable,
        "outcome_meaning": spec.outcome_meaning.strip(),
        "reference": dict(spec.reference),
        "id_column": id_column,
        "criteria": [{"metric": c.metric, "threshold": c.threshold, "bound": c.bound}
                     for c in spec.criteria],
        "judgement": spec.judgement,
        "min_denominator": spec.min_denominator,
        "min_group_size": spec.min_denominator,  # its former name, for schema-1.0 readers
        "bootstrap": spec.bootstrap,
        "confidence": spec.confidence,
        "seed": spec.seed,
        "alpha": spec.alpha,
        "unknown_values": list(spec.unknown_values),
        "sex_column": spec.sex_column,
        "race_column": spec.race_column,
        "under_2_percent_justification": spec.under_2_percent_justification,
        "max_intersection_cells": spec.max_intersection_cells,
        "bins": [{"column": b.column, "cuts": list(b.cuts), "quantiles": b.quantiles}
                 for b in spec.bins],
    }


def _impact_row(r: AdverseImpactRow) -> dict[str, Any]:
    row = {
        "category": r.category, "n": r.n, "selected": r.selected,
        "selection_rate": _num(r.selection_rate), "impact_ratio": _estimate(r.impact_ratio),
        "share": _num(r.share), "under_2_percent": r.under_2_percent, "small": r.small,
        "unknown": r.unknown, "test": r.test, "p_value": _num(r.p_value),
        "p_adjusted": _num(r.p_adjusted),
        "detectable_difference": _num(r.detectable_difference),
        "justification": r.justification or None,
    }
    if r.scoring_rate is not None:
        row.update(scoring_rate=_num(r.scoring_rate), scored_above=r.scored_above)
    return row


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "id": finding_id(f), "criterion": f.criterion.metric,
        "threshold": f.criterion.threshold, "bound": f.criterion.bound,
        "attribute": f.attribute, "status": f.status, **_estimate(f.estimate),
        "groups": list(f.groups), "significant": f.significant, "message": f.message,
        "judgement": f.judgement,
        "tests": [{"metric": t.metric, "test": t.test, "p_value": _num(t.p_value),
                   "p_adjusted": _num(t.p_adjusted), "groups": list(t.groups)}
                  for t in f.tests],
        "people_needed": _num(f.people_needed), "scale": _num(f.scale),
        "judged_groups": list(f.judged), "not_judged": list(f.not_judged),
    }


def result_to_dict(result: AuditResult) -> dict[str, Any]:
    """The computed part of the record: groups, disparities, adverse impact, findings."""
    statuses = [f.status for f in result.findings]
    return {
        "summary": {
            "rows": result.rows,
            "favorable": result.favorable,
            "outcome_meaning": result.outcome_meaning,
            "bands": {column: {"cuts": list(cuts), "labels": list(labels)}
                      for column, (cuts, labels) in result.bands.items()},
            "passed": result.passed,
            "verdict": result.verdict,
            "references": dict(result.references),
            "bootstrap_samples": result.bootstrap_samples,
            "failed": statuses.count("fail"),
            "inconclusive": statuses.count("inconclusive"),
            "not_judged": statuses.count("not_judged"),
            "insufficient": statuses.count("not_judged"),  # its former name
            "judgement": result.spec.judgement,
            "min_denominator": result.spec.min_denominator,
            "test_family": result.test_family,
            "ll144_roles": {"sex": result.sex_column, "race_ethnicity": result.race_column},
        },
        "groups": [
            {
                "attribute": g.attribute, "group": g.group, "n": g.n,
                "counts": {"tp": g.counts.tp, "fp": g.counts.fp, "tn": g.counts.tn,
                           "fn": g.counts.fn},
                "small": g.small, "unknown": g.unknown,
                "metrics": {name: _group_metric(e, g.denominators.get(name))
                            for name, e in g.metrics.items()},
                **({"parts": list(g.parts)} if g.parts else {}),
            }
            for g in result.groups
        ],
        "disparities": [
            {
                "attribute": d.attribute, "group": d.group, "reference": d.reference,
                "metric": d.metric, "difference": _estimate(d.difference),
                "ratio": _estimate(d.ratio), "test": d.test, "p_value": _num(d.p_value),
                "p_adjusted": _num(d.p_adjusted), "significant": d.significant, "small": d.small,
                "unknown": d.unknown, "detectable_difference": _num(d.detectable_difference),
            }
            for d in result.disparities
        ],
        "adverse_impact": [
            {
                "attribute": t.attribute, "basis": t.basis,
                "highest_category": t.highest_category, "median_score": _num(t.median_score),
                "ll144_only": t.ll144_only,
                "unknown_count": t.unknown_count, "unknown_categories": list(t.unknown_categories),
                "rows": [_impact_row(r) for r in t.rows],
            }
            for t in result.adverse_impact
        ],
        "aggregates": [
            {
                "attribute": a.attribute, "metric": a.metric, "group": a.group,
                "reference": a.reference, "source": a.source, "convention": a.convention,
                **_estimate(a.estimate), "undefined_replicates": a.undefined_replicates,
            }
            for a in result.aggregates
        ],
        "findings": [_finding(f) for f in result.findings],
        "warnings": list(result.warnings),
    }


def review_to_dict(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "reviewers": list(review.reviewers), "decision": review.decision, "notes": review.notes,
        "conditions": review.conditions, "finding_notes": dict(review.finding_notes),
        "reviewed_at": review.reviewed_at or now_utc(),
        "approvals": [approval.to_dict() for approval in review.approvals],
    }


def record_to_dict(record: AuditRecord) -> dict[str, Any]:
    """The JSON record (contract). Validates against ``audit/audit.schema.json``."""
    computed = result_to_dict(record.result)
    return {
        "schema_version": SCHEMA_VERSION,
        "audit_id": record.audit_id,
        "created_at": record.created_at,
        "inputs": [
            {"role": role, "name": p.name, "sha256": p.sha256, "rows": p.rows,
             "columns": list(p.columns), "encoding": p.encoding, "delimiter": p.delimiter,
             **({"dropped_columns": list(record.dropped_columns[role])}
                if record.dropped_columns.get(role) else {})}
            for role, p in record.inputs
        ],
        "spec": spec_to_dict(record.result.spec, record.id_column),
        **computed,
        "explanations": record.explanations.to_dict() if record.explanations else None,
        "crosscheck": record.crosscheck.to_dict() if record.crosscheck else None,
        "whatif": dict(record.whatif) if record.whatif is not None else None,
        "context": _context(record).to_dict(),
        "presets": list(record.presets),
        "environment": dict(record.environment),
        "review": review_to_dict(record.review),
    }


def _context(record: AuditRecord) -> AuditContext:
    """The record's context, whose outcome meaning is the spec's when the spec states one:
    one meaning for the sentences and the context."""
    context = record.context or AuditContext()
    meaning = record.result.outcome_meaning
    if meaning and context.use.outcome_meaning != meaning:
        context = replace(context, use=replace(context.use, outcome_meaning=meaning))
    return context


def dropped_columns(run: AuditRun | SourceRun) -> dict[str, tuple[str, ...]]:
    """For each input role, the columns of the file that the audit did not receive (a
    source reads every column: none)."""
    if isinstance(run, SourceRun):
        return {}
    used = set(map(str, run.data.frame.columns))
    out = {}
    for role, provenance in run.inputs:
        missing = tuple(c for c in provenance.columns if c not in used)
        if missing:
            out[role] = missing
    return out


def build_record(run: AuditRun | SourceRun, *, explanations: _ToDict | None = None,
                 review: Review | None = None, crosscheck: _ToDict | None = None,
                 context: AuditContext | None = None, presets: Sequence[str] = (),
                 audit_id: str | None = None, created_at: str | None = None,
                 whatif: Mapping[str, Any] | None = None,
                 engine: str | None = None) -> dict[str, Any]:
    """The JSON record of a finished run: the one path the CLI and the dashboard both take.

    ``engine`` names where the rows were counted, kept under ``environment.engine``:
    ``pandas`` for an `AuditRun` (rows in memory), a `SourceRun` its own (``duckdb``,
    ``spark``).

    The record names the columns of each file that the audit did not receive (identifier
    columns left out on upload) under ``inputs[].dropped_columns``, says what was audited
    and why (``context``), and which regulatory checklists the board chose (``presets``).
    ``whatif`` is the what-if analysis the board considered, as
    ``WhatIfReport.to_dict(chosen=...)`` gives it (the ``whatif.json`` contract: every
    option, and the id of the one chosen, if any); the record holds it under ``whatif``
    (``null`` without one).
    """
    identity: dict[str, str] = {}
    if audit_id is not None:
        identity["audit_id"] = audit_id
    if created_at is not None:
        identity["created_at"] = created_at
    engine = run.engine if isinstance(run, SourceRun) else (engine or "pandas")
    extra: dict[str, Mapping[str, str]] = {"environment": {**environment(), "engine": engine}}
    return record_to_dict(AuditRecord(
        result=run.result, inputs=run.inputs, id_column=run.id_column,
        explanations=explanations, review=review, crosscheck=crosscheck,
        dropped_columns=dropped_columns(run), whatif=whatif, context=context,
        presets=tuple(presets), **identity, **extra))  # type: ignore[arg-type]
