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

The package is grouped by stage, each a subpackage with a small public face::

    inputs/   read, join, leave identifiers out, limits, prepare, guess roles
    engine/   counts, statistics, scores, aggregates, findings, the pipeline
    explain/  surrogate or uploaded model, SHAP gap attribution, proxies
    record/   build the record; export JSON, CSV, PDF; suppress; compare; history
    views/    plotly figures and display tables
    cli/      ``python -m audit``

``_errors`` (the exception tree) and ``_words`` (status labels, criterion names, number
formats, the pass tolerance) serve every stage. Code outside ``audit/`` imports from
``audit`` or from a stage's face, never from a private module. Names are imported on
first use, so ``import audit`` stays fast for the CLI.
"""

from __future__ import annotations

from audit._lazy import lazy_names

_EXPORTS: dict[str, str] = {
    # errors
    "AuditInputError": "audit._errors",
    "CSVFormatError": "audit._errors",
    "ColumnError": "audit._errors",
    "HistoryError": "audit._errors",
    "JoinError": "audit._errors",
    # words
    "CRITERION_NAMES": "audit._words",
    "CRITERION_TITLES": "audit._words",
    "DECISION_CHOICES": "audit._words",
    "DECISION_LABELS": "audit._words",
    "DEFAULT_UNKNOWN_VALUES": "audit._words",
    "JUDGEMENT_WORDS": "audit._words",
    "IN_HISTORY": "audit._words",
    "NOTES_LEFT_OVER": "audit._words",
    "NOT_SIGNED": "audit._words",
    "PDF_FAILED": "audit._words",
    "PASS_TOLERANCE": "audit._words",
    "SAVED_TO_HISTORY": "audit._words",
    "SEALED": "audit._words",
    "SIGNED_BY": "audit._words",
    "SIGNING_KEY_UNUSABLE": "audit._words",
    "STATUS_LABELS": "audit._words",
    "STATUS_WORDS": "audit._words",
    "TOO_FEW": "audit._words",
    "UNDER_2_PERCENT_JUSTIFICATION": "audit._words",
    "VERDICT_LABELS": "audit._words",
    "format_against": "audit._words",
    "format_estimate": "audit._words",
    "format_interval": "audit._words",
    "format_number": "audit._words",
    "format_p": "audit._words",
    "format_percent": "audit._words",
    "outcome_label": "audit._words",
    "outcome_verb": "audit._words",
    "reference_note": "audit._words",
    "rule_name": "audit._words",
    "second_look": "audit._words",
    "second_looks": "audit._words",
    "status_label": "audit._words",
    "verdict_detail": "audit._words",
    "verdict_label": "audit._words",
    "verdict_of": "audit._words",
    # inputs
    "AuditInput": "audit.inputs",
    "AuditSpec": "audit.inputs",
    "Criterion": "audit.inputs",
    "DEFAULT_CRITERIA": "audit.inputs",
    "IdentifierColumn": "audit.inputs",
    "Limits": "audit.inputs",
    "PreparedData": "audit.inputs",
    "Provenance": "audit.inputs",
    "find_identifiers": "audit.inputs",
    "join_inputs": "audit.inputs",
    "prepare": "audit.inputs",
    "read_csv": "audit.inputs",
    "read_path": "audit.inputs",
    # engine
    "AuditResult": "audit.engine",
    "AuditRun": "audit.engine",
    "Estimate": "audit.engine",
    "Finding": "audit.engine",
    "GroupMetrics": "audit.engine",
    "audit_inputs": "audit.engine",
    "crosscheck": "audit.engine",
    "run_audit": "audit.engine",
    # explanations
    "Explanations": "audit.explain",
    "LoadedModel": "audit.explain",
    "TRUSTED_TYPES": "audit.explain",
    "detect_proxies": "audit.explain",
    "explain": "audit.explain",
    "load_model": "audit.explain",
    # records
    "AuditRecord": "audit.record",
    "HistoryStore": "audit.record",
    "Review": "audit.record",
    "build_record": "audit.record",
    "compare": "audit.record",
    "fingerprint": "audit.record",
    "metrics_csv": "audit.record",
    "record_to_dict": "audit.record",
    "render_pdf": "audit.record",
    "suppress_small_cells": "audit.record",
    "to_json": "audit.record",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
