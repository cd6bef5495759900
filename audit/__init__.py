"""Fairness audit engine: group metrics, disparities, explanations and audit records.

Words used throughout:

- *attribute*: a sensitive column (``sex``) or an intersection of several
  (``race × sex``); a *group* is one of its values (``female``, ``Black × female``).
- *metric*: one of fairlearn's per-group rates (``selection_rate``,
  ``true_positive_rate``, ...), each derived from the group's confusion counts.
- *disparity*: a group against its attribute's reference group, as a difference
  (group − reference) and a ratio (group / reference).
- *finding*: one criterion (four-fifths rule, equal opportunity, equalized odds)
  judged on one attribute, in plain words.

Typical use::

    from audit import AuditSpec, audit_inputs, read_path

    run = audit_inputs(dataset=read_path("data.csv"), predictions=None,
                       spec=AuditSpec(label="y", prediction="p", sensitive=("sex",)))
    run.result.findings

Names are imported on first use, so ``import audit`` stays fast for the CLI.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # types
    "AuditInput": "audit._types",
    "AuditResult": "audit._types",
    "AuditSpec": "audit._types",
    "Criterion": "audit._types",
    "DEFAULT_CRITERIA": "audit._types",
    "Estimate": "audit._types",
    "Finding": "audit._types",
    "GroupMetrics": "audit._types",
    "PreparedData": "audit._types",
    "Provenance": "audit._types",
    # errors
    "AuditInputError": "audit._errors",
    "CSVFormatError": "audit._errors",
    "ColumnError": "audit._errors",
    "JoinError": "audit._errors",
    # loading and auditing
    "AuditRun": "audit._pipeline",
    "audit_inputs": "audit._pipeline",
    "join_inputs": "audit._load",
    "prepare": "audit._prepare",
    "read_csv": "audit._load",
    "read_path": "audit._load",
    "run_audit": "audit._engine",
    "crosscheck": "audit._crosscheck",
    # explanations
    "Explanations": "audit._explain",
    "LoadedModel": "audit._model_io",
    "TRUSTED_TYPES": "audit._model_io",
    "detect_proxies": "audit._proxy",
    "explain": "audit._explain",
    "load_model": "audit._model_io",
    # privacy and limits
    "IdentifierColumn": "audit._privacy",
    "Limits": "audit._limits",
    "find_identifiers": "audit._privacy",
    "suppress_small_cells": "audit._privacy",
    # records
    "AuditRecord": "audit._record",
    "HistoryStore": "audit._history",
    "Review": "audit._record",
    "compare": "audit._compare",
    "fingerprint": "audit._record",
    "metrics_csv": "audit._record",
    "record_to_dict": "audit._record",
    "render_pdf": "audit._pdf",
    "to_json": "audit._record",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
