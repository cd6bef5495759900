"""Explanations where the data lives: on a stratified sample a source draws in its engine.

DuckDB and Spark keep the rows where they are; `explain_source` asks the source for a
seeded sample stratified by finest cell, in proportion to each cell's size with at least
`MIN_ROWS_PER_GROUP` rows of every cell (`audit.sources.proportional_quotas`), of
`DRAWN_ROWS` rows (as many as the in-memory path fits its surrogate and scores its
proxies on), and runs `explain` on it unchanged. Only the figures that are about every
audited row are taken from the audit itself: the rows audited and each group's selection
rate. `DrawnSample` says so in the record.

When the data has no more rows than are drawn, the sample is every row, in row order, and
the explanations are those of the in-memory path, number for number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from audit.explain._explain import explain
from audit.explain._model_io import LoadedModel
from audit.explain._result import DrawnSample, Explanations
from audit.explain._surrogate import MIN_ROWS_PER_GROUP, SURROGATE_ROWS
from audit.inputs import AuditSpec, prepare
from audit.sources import RowSample, proportional_quotas

DRAWN_ROWS = SURROGATE_ROWS
ON_A_SAMPLE = (
    "{files} {verb} counted by DuckDB out of memory, so the explanations and proxies are "
    "computed on a stratified sample of {rows:,} of the {whose} {population:,} rows, drawn "
    "from the {where} on disk: seeded, in proportion to each group's size, with at least "
    "{minimum} rows of every group (all rows of a smaller one). The rows audited and each "
    "group's selection rate are the whole {whose}, as on the Fairness page."
)
ON_EVERY_ROW = (
    "{files} {verb} counted by DuckDB out of memory; the {whose} {population:,} rows are no "
    "more than the {drawn:,} rows an explanation is computed on, so the explanations and "
    "proxies are computed on every row, read from the {where} on disk: the numbers are "
    "those of an audit held in memory."
)


def drawn_rows(population: int, sample_size: int) -> int:
    """How many rows `explain_source` draws from ``population`` rows: every row up to
    `DRAWN_ROWS` (or ``sample_size``, if larger), else that many."""
    return min(int(population), max(DRAWN_ROWS, int(sample_size)))


def drawn_note(names: Sequence[str], *, population: int, sample_size: int) -> str:
    """What the dashboard says about explanations of uploads counted out of core: the
    stratified sample they run on (``population`` audited rows, ``sample_size`` rows
    explained), in plain words."""
    names = list(names)
    several = len(names) > 1
    words = dict(files=" and ".join(names), verb="are" if several else "is",
                 whose="files'" if several else "file's", where="files" if several else "file",
                 population=int(population))
    rows = drawn_rows(population, sample_size)
    if rows >= population:
        return ON_EVERY_ROW.format(**words, drawn=max(DRAWN_ROWS, int(sample_size)))
    return ON_A_SAMPLE.format(**words, rows=rows, minimum=MIN_ROWS_PER_GROUP)


class RowSource(Protocol):
    """What `explain_source` asks of a source (``audit.sources``)."""

    engine: str
    id_column: str | None

    def sample(self, spec: AuditSpec, *, per_cell: int | np.ndarray, seed: int
               ) -> RowSample: ...


def draw(source: RowSource, spec: AuditSpec, *, cell_rows: np.ndarray, rows: int = DRAWN_ROWS,
         seed: int = 0) -> RowSample:
    """The stratified sample `explain_source` explains: ``rows`` rows in proportion to
    ``cell_rows`` (each finest cell's size), at least `MIN_ROWS_PER_GROUP` of each cell."""
    quotas = proportional_quotas(np.asarray(cell_rows, dtype=np.int64), rows,
                                 MIN_ROWS_PER_GROUP)
    return source.sample(spec, per_cell=quotas, seed=seed)


def explain_source(
    source: RowSource,
    spec: AuditSpec,
    *,
    cell_rows: np.ndarray,
    favorable: str,
    references: Mapping[str, str],
    selection_rates: Mapping[tuple[str, str], float],
    model: LoadedModel | None = None,
    sample_size: int = 2000,
    seed: int = 0,
    intersections: bool = True,
    leave_out: Sequence[str] = (),
    keep: Sequence[str] = (),
    drop: Sequence[str] = (),
    files: Mapping[str, str] | None = None,
) -> Explanations:
    """`explain` on a sample drawn inside ``source``'s engine (see the module's words).

    Parameters
    ----------
    source : DuckDBSource, SparkSource or PandasSource
        Where the rows are.
    spec : AuditSpec
        The spec the audit ran with.
    cell_rows : ndarray of shape (K,)
        Each finest cell's size in the whole data (``RowSample.cell_rows`` of the audit's
        consistency sample).
    favorable, references, selection_rates
        From the audit of every row (``AuditResult.favorable``, ``.references`` and each
        group's ``selection_rate`` keyed by ``(attribute, group)``).
    model, sample_size, seed, intersections, leave_out, keep
        As `explain`; ``sample_size`` rows of the drawn sample are explained.
    drop : sequence of str
        Columns removed from the sample before anything else (direct identifiers).
    files : mapping of str to str, optional
        The file each column came from, for messages.
    """
    population = int(np.asarray(cell_rows).sum())
    sample = draw(source, spec, cell_rows=cell_rows, rows=max(DRAWN_ROWS, sample_size),
                  seed=seed)
    order = np.argsort(sample.position, kind="stable")
    frame = sample.frame.iloc[order].reset_index(drop=True)
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    data = prepare(frame, replace(spec, favorable=favorable), files=files,
                   id_column=source.id_column)
    explained = explain(data, references=references, model=model, sample_size=sample_size,
                        seed=seed, intersections=intersections, leave_out=leave_out,
                        keep=keep)
    gaps = tuple(replace(g, group_rate=selection_rates.get((g.attribute, g.group), g.group_rate),
                         reference_rate=selection_rates.get((g.attribute, g.reference),
                                                            g.reference_rate))
                 for g in explained.gap_attribution)
    per_cell = np.bincount(sample.cell, minlength=len(sample.cell_rows))
    drawn = DrawnSample(engine=source.engine, rows=len(frame), population_rows=population,
                        seed=seed, min_per_cell=MIN_ROWS_PER_GROUP,
                        per_cell=tuple(int(n) for n in per_cell))
    return replace(explained, population_rows=population, gap_attribution=gaps, drawn=drawn)
