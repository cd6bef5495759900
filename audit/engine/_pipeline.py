"""From loaded inputs to a finished audit: the path the CLI and the dashboard both take."""

from __future__ import annotations

from dataclasses import dataclass

from audit.engine._audit import run_audit
from audit.engine._types import AuditResult
from audit.inputs import AuditInput, AuditSpec, PreparedData, Provenance, join_inputs, prepare


@dataclass(frozen=True)
class AuditRun:
    """A finished audit with the data it ran on and where that data came from."""

    data: PreparedData
    result: AuditResult
    inputs: tuple[tuple[str, Provenance], ...]
    id_column: str | None
    warnings: tuple[str, ...]


def column_sources(dataset: AuditInput, predictions: AuditInput | None) -> dict[str, str]:
    """The file each column came from, for messages that name the file."""
    sources = {c: dataset.provenance.name for c in dataset.provenance.columns}
    if predictions is not None:
        for column in predictions.provenance.columns:
            sources.setdefault(column, predictions.provenance.name)
    return sources


def audit_inputs(*, dataset: AuditInput, predictions: AuditInput | None, spec: AuditSpec,
                 id_column: str | None = None) -> AuditRun:
    """Join, validate and audit. Raises `AuditInputError` for any mistake in the input."""
    frame, join_warnings = join_inputs(dataset=dataset, predictions=predictions,
                                       id_column=id_column, as_written=spec.sensitive)
    data = prepare(frame, spec, files=column_sources(dataset, predictions), id_column=id_column)
    result = run_audit(data, spec)
    inputs = [("dataset", dataset.provenance)]
    if predictions is not None:
        inputs.append(("predictions", predictions.provenance))
    return AuditRun(data=data, result=result, inputs=tuple(inputs), id_column=id_column,
                    warnings=tuple(join_warnings) + result.warnings)
