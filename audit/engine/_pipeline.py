"""From loaded inputs to a finished audit: the path the CLI and the dashboard both take."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from audit._errors import AuditInputError
from audit.engine._audit import audit_cells, consistency_per_cell, run_audit
from audit.engine._types import AuditResult
from audit.inputs import AuditInput, AuditSpec, PreparedData, Provenance, join_inputs, prepare
from audit.sources import CellTable, RowSample


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
    if dataset.on_disk is not None or (predictions is not None
                                       and predictions.on_disk is not None):
        raise ValueError("audit_inputs was given an input held on disk (only its first rows "
                         "are in memory); audit it with audit_uploads")
    frame, join_warnings = join_inputs(dataset=dataset, predictions=predictions,
                                       id_column=id_column,
                                       as_written=[c for c in spec.sensitive
                                                   if spec.bins_of(c) is None])
    data = prepare(frame, spec, files=column_sources(dataset, predictions), id_column=id_column)
    result = run_audit(data, spec)
    inputs = [("dataset", dataset.provenance)]
    if predictions is not None:
        inputs.append(("predictions", predictions.provenance))
    return AuditRun(data=data, result=result, inputs=tuple(inputs), id_column=id_column,
                    warnings=tuple(join_warnings) + result.warnings)


class Source(Protocol):
    """What `audit_source` asks of a source (``audit.sources``: pandas, DuckDB, Spark)."""

    engine: str
    warnings: tuple[str, ...]
    id_column: str | None

    def cell_table(self, spec: AuditSpec) -> CellTable: ...

    def sample(self, spec: AuditSpec, *, per_cell: int | np.ndarray, seed: int
               ) -> RowSample: ...

    def provenance(self) -> tuple[tuple[str, Provenance], ...]: ...


@dataclass(frozen=True)
class SourceRun:
    """A finished audit counted by a source where the data lives: no rows in memory, only
    the stratified ``sample`` (consistency ran on it)."""

    result: AuditResult
    inputs: tuple[tuple[str, Provenance], ...]
    id_column: str | None
    warnings: tuple[str, ...]
    engine: str
    sample: RowSample


def audit_source(source: Source, spec: AuditSpec) -> SourceRun:
    """Validate, count and audit inside ``source``'s engine: the same result, number for
    number, as `audit_inputs` on the same files. Raises `AuditInputError` with the message
    the in-memory path gives for the same mistake."""
    table = source.cell_table(spec)
    sample = source.sample(spec, per_cell=consistency_per_cell(table), seed=spec.seed)
    result = audit_cells(table, spec, sample=sample, id_column=source.id_column)
    return SourceRun(result=result, inputs=source.provenance(), id_column=source.id_column,
                     warnings=tuple(source.warnings) + result.warnings, engine=source.engine,
                     sample=sample)


NEEDS_ALL_ON_DISK = (
    "{big} is counted out of core by DuckDB, so {small} must be read the same way, and its "
    "upload is no longer on the page. Fix: upload {small} again, then run the audit."
)
BANDS_NEED_ROWS = (
    "Bands of a numeric column ({columns}) need every row in memory, and {file} is counted "
    "out of core by DuckDB. Fix: audit the column's values as they are (choose no bands), "
    "or write the bands into the file as a column of their own."
)


def audit_uploads(*, dataset: AuditInput, predictions: AuditInput | None, spec: AuditSpec,
                  id_column: str | None = None) -> AuditRun | SourceRun:
    """Audit uploaded files where they are: in memory (`audit_inputs`), or, when they are
    held on disk (``AuditInput.on_disk``, files above the in-memory threshold), counted by
    DuckDB out of core (`audit_source`): the same result, number for number.

    Raises `AuditInputError` for any mistake in the input, for bands of a numeric column
    out of core, and when only one of two files is held on disk.
    """
    files = [f for f in (dataset, predictions) if f is not None]
    on_disk = [f for f in files if f.on_disk is not None]
    if not on_disk:
        return audit_inputs(dataset=dataset, predictions=predictions, spec=spec,
                            id_column=id_column)
    in_memory = [f for f in files if f.on_disk is None]
    if in_memory:
        raise AuditInputError(NEEDS_ALL_ON_DISK.format(big=on_disk[0].provenance.name,
                                                       small=in_memory[0].provenance.name))
    if spec.bins:
        raise AuditInputError(BANDS_NEED_ROWS.format(columns=", ".join(b.column for b in spec.bins),
                                                     file=on_disk[0].provenance.name))
    from audit.sources import DuckDBSource  # DuckDB loads on use

    paths = [f.on_disk.path for f in files if f.on_disk is not None]
    with DuckDBSource(paths[0], predictions=paths[1] if len(paths) > 1 else None,
                      id_column=id_column) as source:
        run = audit_source(source, spec)
    names = {"dataset": dataset.provenance, "predictions": predictions.provenance
             if predictions is not None else None}
    # the upload's own names and hashes (the private copy's name may have been made safe)
    inputs = tuple((role, names[role] or provenance) for role, provenance in run.inputs)
    return replace(run, inputs=inputs)
