"""The in-memory source: today's path (files loaded into pandas), kept for small uploads
and as the reference every other source is tested against."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from audit.inputs import AuditInput, AuditSpec, join_inputs
from audit.sources._cells import CellTable, RowSample
from audit.sources._checks import check_profile, check_roles
from audit.sources._profile import ColumnProfile, Profile, column_profile
from audit.sources._reduce import DEFAULT_BINS, Groups, build_cells, scores_from_rows
from audit.sources._sample import RowHash, pick
from audit.sources._values import DistinctValues, kind_of, typed_distinct


def column_files(dataset: AuditInput, predictions: AuditInput | None) -> dict[str, str]:
    """The file each column came from, for messages that name the file."""
    files = {c: dataset.provenance.name for c in dataset.provenance.columns}
    if predictions is not None:
        for column in predictions.provenance.columns:
            files.setdefault(column, predictions.provenance.name)
    return files


class PandasSource:
    """A source over loaded tables: the dataset, and the predictions joined to it.

    Parameters
    ----------
    dataset : AuditInput
        One row per person.
    predictions : AuditInput, optional
        The model's output for the same people, joined by ``id_column`` or row order.
    id_column : str, optional
        The column that identifies a row in both tables.
    """

    engine = "pandas"

    def __init__(self, *, dataset: AuditInput, predictions: AuditInput | None = None,
                 id_column: str | None = None) -> None:
        self.frame, self.warnings = join_inputs(dataset=dataset, predictions=predictions,
                                                id_column=id_column)
        self.files = column_files(dataset, predictions)
        self.id_column = id_column
        self._inputs = (dataset, predictions)
        self._written: dict[tuple[str, ...], pd.DataFrame] = {}

    def joined(self, spec: AuditSpec) -> pd.DataFrame:
        """The joined table with the spec's sensitive columns (and the id) as written in
        their files, as ``audit.engine.audit_inputs`` joins it."""
        key = tuple(c for c in spec.sensitive if c in self.frame.columns)
        if key not in self._written:
            dataset, predictions = self._inputs
            self._written[key] = join_inputs(dataset=dataset, predictions=predictions,
                                             id_column=self.id_column, as_written=key)[0]
        return self._written[key]

    def _where(self, column: str) -> str:
        return self.files.get(column, "the data")

    def profile(self, spec: AuditSpec) -> tuple[Profile, dict[str, tuple[np.ndarray,
                                                                          DistinctValues]]]:
        """The role columns' profile, and each key column's row codes and distinct values."""
        check_roles(spec, columns=[str(c) for c in self.frame.columns], files=self.files)
        frame = self.joined(spec)
        coded: dict[str, tuple[np.ndarray, DistinctValues]] = {}
        profiles: dict[str, ColumnProfile] = {}
        for column in (spec.label, spec.prediction, *spec.sensitive):
            codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
            values = typed_distinct(pd.Series(uniques, dtype=frame[column].dtype))
            coded[column] = (codes.astype(np.int64), values)
            missing = frame[column].isna().to_numpy()
            profiles[column] = column_profile(
                column, self._where(column), values, np.bincount(codes,
                                                                 minlength=len(values.texts)),
                missing_rows=_first_rows(missing))
        score = self._score_profile(spec.score) if spec.score else None
        profile = Profile(
            columns=tuple(str(c) for c in self.frame.columns),
            files=self.files, label=profiles[spec.label], prediction=profiles[spec.prediction],
            sensitive=tuple(profiles[c] for c in spec.sensitive), score=score)
        return profile, coded

    def _score_profile(self, column: str) -> ColumnProfile:
        values = self.frame[column]
        missing = values.isna().to_numpy()
        example = None
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            bad = pd.to_numeric(values, errors="coerce").isna().to_numpy() & ~missing
            if bad.any():
                example = str(values.iloc[int(np.flatnonzero(bad)[0])])
        infinite = np.zeros(len(values), dtype=bool)
        if example is None and not missing.any():
            infinite = np.isinf(pd.to_numeric(values).to_numpy(dtype=float))
        return ColumnProfile(name=column, file=self._where(column), kind=kind_of(values.dtype),
                             missing=int(missing.sum()), missing_rows=_first_rows(missing),
                             texts=(), counts=(), distinct=0, not_numeric=example,
                             infinite=int(infinite.sum()), infinite_rows=_first_rows(infinite))

    def cell_table(self, spec: AuditSpec, *, bins: int = DEFAULT_BINS) -> CellTable:
        """Validate ``spec`` against the table and count its cells.

        Raises
        ------
        ColumnError
            With ``prepare``'s message, for the first problem ``prepare`` finds.
        """
        table, _ = self._cells(spec, bins=bins)
        return table

    def _cells(self, spec: AuditSpec, *, bins: int) -> tuple[CellTable, np.ndarray]:
        profile, coded = self.profile(spec)
        checked = check_profile(spec, profile)
        keys = [coded[c] for c in (*spec.sensitive, spec.label, spec.prediction)]
        index, group = _group_rows(np.column_stack([codes for codes, _ in keys]))
        groups = Groups(values=tuple(values for _, values in keys), index=index,
                        rows=np.bincount(group, minlength=index.shape[0]).astype(np.int64))
        table, group_cell = build_cells(groups, checked, engine=self.engine)
        row_cell = group_cell[group]
        if spec.score:
            label = groups.index[:, len(spec.sensitive)][group]
            favorable = np.array([t == checked.favorable for t in groups.values[-2].texts])
            table = self._scores(table, spec.score, row_cell, favorable[label], bins)
        return table, row_cell

    def _scores(self, table: CellTable, column: str, cell: np.ndarray, y: np.ndarray,
                bins: int) -> CellTable:
        score = pd.to_numeric(self.frame[column]).to_numpy(dtype=float)
        return replace(table, scores=scores_from_rows(score, y, cell, table.cells, bins))

    def sample(self, spec: AuditSpec, *, per_cell: int | np.ndarray, seed: int) -> RowSample:
        """Up to ``per_cell`` rows of every finest cell (``per_cell[k]`` of cell ``k``),
        picked by the seeded row hash."""
        table, row_cell = self._cells(spec, bins=1)
        position = np.arange(len(self.frame), dtype=np.int64)
        kept = pick(RowHash.of(seed).numpy(position), position, row_cell, per_cell)
        return RowSample(frame=self.joined(spec).iloc[kept].reset_index(drop=True),
                         cell=row_cell[kept], position=position[kept] + 1,
                         cell_rows=table.counts.sum(axis=1), per_cell=per_cell, seed=seed)


def _first_rows(missing: np.ndarray) -> tuple[int, ...]:
    return tuple(int(r) + 1 for r in np.flatnonzero(missing)[:5])


def _group_rows(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``codes`` (n, C) and each row's group, in one pass when the
    combinations fit an int64 key."""
    sizes = codes.max(axis=0) + 1
    if float(np.prod(sizes.astype(float))) < 2.0**62:
        key = np.ravel_multi_index(tuple(codes.T), tuple(int(s) for s in sizes))
        distinct, group = np.unique(key, return_inverse=True)
        index = np.column_stack(np.unravel_index(distinct, tuple(int(s) for s in sizes)))
        return index.astype(np.int64), group.reshape(-1)
    index, group = np.unique(codes, axis=0, return_inverse=True)
    return index.astype(np.int64), group.reshape(-1)
