"""Explanations of an audit whose rows stayed where they are (DuckDB, Spark).

`explain_run` runs `audit.explain.explain_source` for a finished `SourceRun`: on a seeded
sample stratified by finest cell, drawn inside the source's engine, with the figures that
are about every audited row (rows audited, each group's selection rate) taken from the
audit itself. The CLI's ``--explain`` with ``--engine duckdb|spark`` and the dashboard's
Explanations page for a large upload both call it, so both give the same numbers.
`explain_uploads` opens the DuckDB source on the uploads held on disk and calls it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from audit._errors import AuditInputError
from audit.engine._pipeline import SourceRun
from audit.inputs import AuditInput

FILES_GONE = (
    "The files of this audit ({files}) are no longer the ones on the Upload page, so the "
    "sample cannot be drawn from them. Fix: upload them again and run the audit, then "
    "compute the explanations."
)

if TYPE_CHECKING:
    from audit.explain import Explanations, LoadedModel


def explain_run(source: Any, run: SourceRun, *, sample_size: int, seed: int,
                intersections: bool = True, model: LoadedModel | None = None,
                leave_out: Sequence[str] = (), keep: Sequence[str] = (),
                drop: Sequence[str] = ()) -> Explanations:
    """`audit.explain.explain_source` for ``run``, audited by ``source`` (still open).

    ``drop``: columns removed from the sample first (direct identifiers). Raises
    `AuditInputError` when the model or the settings do not fit.
    """
    from audit.explain import explain_source  # SHAP and its kin load on use

    rates = {(g.attribute, g.group): g.metrics["selection_rate"].value
             for g in run.result.groups}
    return explain_source(
        source, run.result.spec, cell_rows=run.sample.cell_rows,
        favorable=run.result.favorable, references=run.result.references,
        selection_rates=rates, model=model, sample_size=sample_size, seed=seed,
        intersections=intersections, leave_out=leave_out, keep=keep, drop=drop,
        files=getattr(source, "files", None))


def explain_uploads(run: SourceRun, *, dataset: AuditInput, predictions: AuditInput | None,
                    sample_size: int, model: LoadedModel | None = None,
                    leave_out: Sequence[str] = (), keep: Sequence[str] = ()) -> Explanations:
    """`explain_run` for uploads held on disk (``AuditInput.on_disk``) and audited by
    DuckDB (``audit_uploads``), with the audit's seed and its choice of intersections
    (as the dashboard's in-memory path explains). The columns left out of an upload
    (``provenance.columns`` not in its ``frame``: the identifiers the user left out) are
    left out of the sample too.

    Raises `ValueError` when an input is not held on disk, and `AuditInputError` when the
    inputs are not the audit's, or the model or the settings do not fit.
    """
    from audit.sources import DuckDBSource  # DuckDB loads on use

    files = [f for f in (dataset, predictions) if f is not None]
    if [f.provenance.sha256 for f in files] != [p.sha256 for _, p in run.inputs]:
        names = " and ".join(p.name for _, p in run.inputs)
        raise AuditInputError(FILES_GONE.format(files=names))
    if any(f.on_disk is None for f in files):
        raise ValueError("explain_uploads needs inputs held on disk (audit_uploads' DuckDB "
                         "path); explain an in-memory audit with audit.explain.explain")
    kept = {str(c) for f in files for c in f.frame.columns}
    drop = sorted({str(c) for f in files for c in f.provenance.columns} - kept)
    paths = [f.on_disk.path for f in files if f.on_disk is not None]
    with DuckDBSource(paths[0], predictions=paths[1] if len(paths) > 1 else None,
                      id_column=run.id_column) as source:
        spec = run.result.spec
        return explain_run(source, run, sample_size=sample_size, seed=spec.seed,
                           intersections=spec.intersections, model=model,
                           leave_out=leave_out, keep=keep, drop=drop)
