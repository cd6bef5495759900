"""The query flow DuckDB and Spark share: profile, count, median and sample in SQL.

An engine subclass reads the files and defines two relations: ``audit_data`` (the joined
table) and ``audit_rows`` (the same with the 1-based dataset row ``__audit_row``, used
only to name rows in messages and to sample). Then, with a score, four scans:

1. profile: rows, approximate distinct values of each key column, the score's range;
2. cells: one plain ``GROUP BY`` over the raw values of the sensitive columns, the label,
   the prediction and the score bin, with exact sums of the quantised score powers. Not
   ``GROUPING SETS ((a), (b), (a, b))``: an attribute's groups are sums of finest cells,
   and raw values are read as text only afterwards (two raw values may be one category),
   so the sums over cells are done in Python on the small result (at most cells × 4 ×
   bins rows). Not ``GROUPING SETS`` for the histograms either: Spark copies every row
   once per set;
3. up to ``RANKS_ROWS`` rows: the rows per cell, label and distinct score (exact AUCs,
   and the exact median and the rows above it); beyond, the median from the one or two
   middle scores, ordered within their bin only, and 4. the rows of the median's bin
   above it, per cell and label.

Without a score only scans 1 and 2 run; the sample then reuses their validation. Error
paths (naming the first rows with a missing cell, the first score that is not a number)
add a query each.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit._errors import ColumnError
from audit._words import clip
from audit.inputs import AuditSpec, Provenance
from audit.inputs._read import MAX_VALUE_CHARS, MSG_VALUE_TOO_LONG
from audit.sources._cells import RANKS_ROWS, CellTable, RowSample, ScoreRanks
from audit.sources._checks import Checked, check_profile, check_roles
from audit.sources._dialect import ROW, ColumnType, Dialect
from audit.sources._files import Table
from audit.sources._joins import Side, join_sides
from audit.sources._profile import ColumnProfile, Profile, column_profile
from audit.sources._reduce import (
    DEFAULT_BINS,
    Groups,
    ScoreScale,
    above_from_bins,
    build_cells,
    cell_of,
    combine,
    median_and_above,
    median_of,
    median_ranks,
    ranks_of,
    score_sums,
    score_table,
)
from audit.sources._sample import RowHash, candidates, pick
from audit.sources._values import (
    DistinctValues,
    arrow_distinct,
    read_distinct,
    typed_frame,
    written_distinct,
)

DATA, ROWS = "audit_data", "audit_rows"
# a key column with more distinct raw values than this is profiled without its counts (it
# is about to fail validation: a label holds two values, a sensitive column at most 50)
CAP = 10_000
DISTINCT_BOUND = 100_000  # distinct values read by `SqlSource.distinct_texts` at most
# a group-by result with more rows than this means some key column has far too many values
# (valid data gives at most cells × 4 × bins rows); the columns are then profiled one by one
GROUPS_CAP = 5_000_000


@dataclass(frozen=True)
class _Validated:
    checked: Checked
    groups: Groups
    scale: ScoreScale | None
    result: pa.Table
    probabilities: bool


class SqlSource:
    """The shared flow; subclasses set ``engine``, ``dialect``, the relations and
    ``_types``, ``columns``, ``files``, ``warnings``, and run queries."""

    engine: str
    dialect: Dialect
    columns: tuple[str, ...]
    files: dict[str, str]
    warnings: tuple[str, ...]
    id_column: str | None = None
    _types: dict[str, ColumnType]
    _data, _rows = DATA, ROWS  # the relations' names (unique per source where views are shared)
    groups_cap = GROUPS_CAP
    _rows_counted: int | None = None

    def _open(self, data: str | os.PathLike[str], predictions: str | os.PathLike[str] | None,
              id_column: str | None) -> None:
        """Read the dataset (and the predictions), check and define the join."""
        self._read_as: dict[str, tuple[Table | str, str, str]] = {}
        sides = [self._side(data, "dataset", "d")]
        self._refuse_long_values(sides[0])
        if predictions is not None:
            sides.append(self._side(predictions, "predictions", "p"))
            self._refuse_long_values(sides[1])
        self._sides = tuple(sides)
        joined = join_sides(self, sides, id_column)
        self.id_column = id_column
        self._types, self.warnings = joined.types, joined.warnings
        self.columns, self.files = joined.columns, joined.files

    def _side(self, path: str | os.PathLike[str], role: str, alias: str) -> Side:
        raise NotImplementedError

    def _refuse_long_values(self, side: Side) -> None:
        """Refuse a text value longer than `MAX_VALUE_CHARS`, as the in-memory reader does
        (its message, naming the first such column and its first such row): one scan of
        the side's text columns."""
        d = self.dialect
        text = [c for c in side.columns if side.types.get(c) in ("raw", "text")]
        if not text:
            return
        longest = self._query("SELECT " + ", ".join(
            f"max(length({d.ident(c)})) AS m{i}" for i, c in enumerate(text))
            + f" FROM {side.relation}").to_pylist()[0]
        column = next((c for i, c in enumerate(text)
                       if (longest[f"m{i}"] or 0) > MAX_VALUE_CHARS), None)
        if column is None:
            return
        c = d.ident(column)
        first = self._query(
            f"SELECT {d.ident(ROW)} AS r, length({c}) AS n FROM {side.numbered} "
            f"WHERE length({c}) > {MAX_VALUE_CHARS} ORDER BY {d.ident(ROW)} LIMIT 1"
        ).to_pylist()[0]
        row = self._side_rows_to_numbers(side.numbered, [first["r"]])[0]
        raise ColumnError(MSG_VALUE_TOO_LONG.format(
            file=side.name, length=int(first["n"]), column=clip(column), row=row,
            limit=MAX_VALUE_CHARS))

    def _read_how(self, role: str, table: Table | str, encoding: str, delimiter: str) -> None:
        """Note what a side was read from, for `provenance`: the resolved table (or a name
        the engine resolves), its encoding (``parquet`` for Parquet) and separator."""
        self._read_as[role] = (table, encoding, delimiter)

    def provenance(self) -> tuple[tuple[str, Provenance], ...]:
        """Each input's `Provenance`, as the in-memory path gives it for the same file: name,
        sha256 of the bytes (of a folder: of its files' sorted hashes), rows, columns,
        encoding, separator. A table of an engine's catalog has the sha256 of its name."""
        out = []
        for side in self._sides:
            table, encoding, delimiter = self._read_as[side.role]
            rows = self._rows_counted if self._rows_counted is not None else int(
                self._query(f"SELECT count(*) AS n FROM {side.relation}").column("n")[0].as_py())
            digest = (table.sha256() if isinstance(table, Table)
                      else hashlib.sha256(table.encode("utf-8")).hexdigest())
            out.append((side.role, Provenance(name=side.name, sha256=digest, rows=rows,
                                              columns=side.columns, encoding=encoding,
                                              delimiter=delimiter)))
        return tuple(out)

    def _view(self, name: str, sql: str) -> None:
        raise NotImplementedError

    def _positional(self, left: Side, right: Side, *, numbered: bool) -> str:
        raise NotImplementedError

    def _query(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def _register(self, name: str, table: pa.Table) -> None:
        raise NotImplementedError

    def _rows_to_numbers(self, values: Sequence[object]) -> list[int]:
        """1-based data rows from values of the ``__audit_row`` column (which an engine
        may number sparsely, in order)."""
        return [int(v) for v in values]  # type: ignore[call-overload]

    def _side_rows_to_numbers(self, numbered: str, values: Sequence[object]) -> list[int]:
        """The same for the rows of one side's ``numbered`` relation."""
        return [int(v) for v in values]  # type: ignore[call-overload]

    def _position_sql(self, row: str) -> str:
        """The 0-based dense row position, as SQL, from the ``__audit_row`` expression."""
        return f"({row} - 1)"

    def _empty_error(self) -> Exception | None:
        """The error for a table without rows, or None when rows were expected."""
        return None

    # --- distinct values ---------------------------------------------------------------

    def _distinct(self, column: str, uniques: pa.Array, *, written: bool = False
                  ) -> DistinctValues:
        if written:  # a sensitive column: as written, only an empty cell missing
            return written_distinct(uniques.to_pylist())
        if self._types[column] == "raw":
            return read_distinct(uniques.to_pylist())
        return arrow_distinct(uniques)

    def distinct_texts(self, column: str, *, limit: int, bound: int = DISTINCT_BOUND
                       ) -> tuple[str, ...]:
        """The sorted distinct values of ``column`` over every row, as text, missing ones
        left out, at most ``limit``: what ``audit.inputs.distinct_values`` gives for the
        whole table held in memory. Only distinct values leave the engine (at most
        ``bound`` of them: a column with more is no category)."""
        c = self.dialect.ident(column)
        got = self._query(f"SELECT DISTINCT {c} AS v FROM {self._data} LIMIT {int(bound)}")
        values = self._distinct(column, got.column("v").combine_chunks())
        return tuple(sorted({t for t in values.texts if t is not None})[:limit])

    def _first_rows(self, condition: str, limit: int = 5) -> list[object]:
        d = self.dialect
        table = self._query(f"SELECT {d.ident(ROW)} AS r FROM {self._rows} WHERE {condition} "
                            f"ORDER BY {d.ident(ROW)} LIMIT {limit}")
        return table.column("r").to_pylist()

    def _missing_rows(self, column: str, *, written: bool = False) -> tuple[int, ...]:
        kind = self._types[column]
        condition = (self.dialect.blank(column, kind) if written
                     else self.dialect.missing(column, kind))
        return tuple(self._rows_to_numbers(self._first_rows(condition)))

    # --- profile -----------------------------------------------------------------------

    def _scan(self, spec: AuditSpec) -> dict[str, Any]:
        """The score's missing and non-numeric cells and its range (only with a score)."""
        d = self.dialect
        parts = ["count(*) AS n"]
        if spec.score:
            kind = self._types[spec.score]
            missing, number = d.missing(spec.score, kind), d.number(spec.score, kind)
            parts += [f"sum(CASE WHEN {missing} THEN 1 ELSE 0 END) AS s_missing",
                      f"sum(CASE WHEN NOT {missing} AND {number} IS NULL THEN 1 ELSE 0 END) "
                      "AS s_bad",
                      f"min(CASE WHEN NOT {missing} THEN {number} END) AS s_low",
                      f"max(CASE WHEN NOT {missing} THEN {number} END) AS s_high"]
        return self._query(f"SELECT {', '.join(parts)} FROM {self._data}").to_pylist()[0]

    def _score_profile(self, column: str, scan: dict[str, Any]) -> ColumnProfile:
        d, kind = self.dialect, self._types[column]
        missing = int(scan["s_missing"] or 0)
        example = None
        if int(scan["s_bad"] or 0):
            condition = f"NOT {d.missing(column, kind)} AND {d.number(column, kind)} IS NULL"
            value = self._query(
                f"SELECT {d.ident(column)} AS v FROM {self._rows} WHERE {condition} "
                f"ORDER BY {d.ident(ROW)} LIMIT 1").column("v").to_pylist()[0]
            example = str(value)
        infinite, rows = 0, ()  # type: tuple[int, tuple[int, ...]]
        if not missing and example is None and not _finite(scan):
            value = d.number(column, kind)
            infinite = int(self._query(f"SELECT count(*) AS n FROM {self._data} WHERE "
                                       f"{d.infinite(value)}").column("n")[0].as_py())
            rows = tuple(self._rows_to_numbers(self._first_rows(d.infinite(value))))
        return ColumnProfile(
            name=column, file=self.files.get(column, "the data"), kind="other",
            missing=missing, missing_rows=self._missing_rows(column) if missing else (),
            texts=(), counts=(), distinct=0, not_numeric=example, infinite=infinite,
            infinite_rows=rows)

    def _alone(self, column: str, *, written: bool = False) -> ColumnProfile:
        """Profile one key column by itself (when some key column has many values)."""
        d, kind = self.dialect, self._types[column]
        c = d.ident(column)
        missing = d.blank(column, kind) if written else d.missing(column, kind)
        counted = self._query(f"SELECT {c} AS v, count(*) AS n FROM {self._data} GROUP BY {c} "
                              f"ORDER BY {c} LIMIT {CAP + 1}")
        file = self.files.get(column, "the data")
        values = self._distinct(column, counted.column("v").combine_chunks(), written=written)
        if counted.num_rows <= CAP:
            profile = column_profile(column, file, values, counted.column("n").to_numpy())
            if profile.missing:
                return column_profile(column, file, values, counted.column("n").to_numpy(),
                                      missing_rows=self._missing_rows(column, written=written))
            return profile
        number = d.number(column, kind)
        facts = self._query(
            f"SELECT sum(CASE WHEN {missing} THEN 1 ELSE 0 END) AS missing, "
            f"min(CASE WHEN NOT {missing} THEN {number} END) AS low, "
            f"max(CASE WHEN NOT {missing} THEN {number} END) AS high FROM {self._data}"
        ).to_pylist()[0]
        distinct = self._query(f"SELECT count(*) AS n FROM (SELECT DISTINCT {c} FROM {self._data} "
                               f"WHERE NOT {missing}) AS t").column("n").to_pylist()[0]
        partial = column_profile(column, file, values, counted.column("n").to_numpy(),
                                 distinct=int(distinct))
        lacking = int(facts["missing"] or 0)
        return ColumnProfile(
            name=column, file=file, kind=partial.kind, missing=lacking,
            missing_rows=self._missing_rows(column, written=written) if lacking else (),
            texts=partial.texts[:CAP], counts=(), distinct=int(distinct),
            low=float("nan") if facts["low"] is None else float(facts["low"]),
            high=float("nan") if facts["high"] is None else float(facts["high"]))

    # --- cells -------------------------------------------------------------------------

    def _group(self, spec: AuditSpec, scale: ScoreScale | None, *,
               limit: int | None = None) -> pa.Table:
        """One plain GROUP BY over the raw keys (and the score bin): cells × 4 × bins rows
        at most, summed in Python. Cheaper in Spark than GROUPING SETS, which copies every
        row once per set."""
        d = self.dialect
        keys = [*spec.sensitive, spec.label, spec.prediction]
        names = [f"k{i}" for i in range(len(keys))]
        select = [f"{d.ident(c)} AS {n}" for c, n in zip(keys, names, strict=True)]
        sums: list[str] = []
        if scale is not None:
            assert spec.score is not None
            value = d.number(spec.score, self._types[spec.score])
            select.append(f"{d.score_bin(value, scale)} AS b")
            names.append("b")
            for p, power in enumerate(d.quantised(value, scale)):
                if power is not None:
                    select.append(f"{power} AS q{p}")
                    sums += d.split_sums(f"q{p}", f"s{p}")
        return self._query(
            f"SELECT {', '.join(names)}, count(*) AS n{''.join(', ' + s for s in sums)} "
            f"FROM (SELECT {', '.join(select)} FROM {self._data}) AS t "
            f"GROUP BY {', '.join(names)}{f' LIMIT {limit}' if limit else ''}")

    def _groups(self, spec: AuditSpec, result: pa.Table, scale: ScoreScale | None) -> Groups:
        keys = [*spec.sensitive, spec.label, spec.prediction]
        names = [f"k{i}" for i in range(len(keys))]
        main = result.group_by(names, use_threads=False).aggregate([("n", "sum")])
        values, index = [], []
        for i, column in enumerate(keys):
            uniques = _uniques(result, i)
            values.append(self._distinct(column, uniques, written=i < len(spec.sensitive)))
            index.append(_positions(main.column(f"k{i}"), uniques))
        groups = Groups(values=tuple(values), index=np.column_stack(index),
                        rows=main.column("n_sum").to_numpy().astype(np.int64))
        if scale is None:
            return groups
        parts = [f"s{p}_{part}" for p, shift in enumerate(scale.shifts) if shift is not None
                 for part in ("high", "low", "n")]
        binned = result.group_by([*names[:-1], "b"], use_threads=False).aggregate(
            [("n", "sum"), *((part, "sum") for part in parts)])
        sums = np.zeros((binned.num_rows, 4), dtype=object)
        sums[...] = 0
        for p, shift in enumerate(scale.shifts):
            if shift is not None:
                terms = (binned.column(f"s{p}_{part}_sum").to_pylist()
                         for part in ("high", "low", "n"))
                sums[:, p] = [combine(*t) for t in zip(*terms, strict=True)]
        return Groups(values=groups.values, index=groups.index, rows=groups.rows,
                      score_index=np.column_stack([_positions(binned.column(f"k{i}"),
                                                              _uniques(result, i))
                                                   for i in range(len(keys) - 1)]),
                      score_bin=binned.column("b").to_numpy(zero_copy_only=False)
                      .astype(np.int64),
                      score_rows=binned.column("n_sum").to_numpy().astype(np.int64),
                      score_sums=sums)

    def _validated(self, spec: AuditSpec, bins: int) -> _Validated:
        check_roles(spec, columns=self.columns, files=self.files)
        scan = self._scan(spec) if spec.score else {}
        score = self._score_profile(spec.score, scan) if spec.score else None
        scale = None
        if spec.score and scan["s_low"] is not None and _finite(scan):
            scale = ScoreScale.of(float(scan["s_low"]), float(scan["s_high"]), bins)
        result = self._group(spec, scale, limit=self.groups_cap + 1)
        if result.num_rows == 0 and (error := self._empty_error()) is not None:
            raise error
        if result.num_rows > self.groups_cap:  # some key column holds far too many values
            keys = (spec.label, spec.prediction, *spec.sensitive)
            alone = {c: self._alone(c, written=c in spec.sensitive) for c in keys}
            check_profile(spec, Profile(
                columns=self.columns, files=self.files,
                label=alone[spec.label], prediction=alone[spec.prediction],
                sensitive=tuple(alone[c] for c in spec.sensitive), score=score))
            result = self._group(spec, scale)
        groups = self._groups(spec, result, scale)
        order = [*spec.sensitive, spec.label, spec.prediction]
        profiles = {}
        for i, column in enumerate(order):
            counts = groups.value_counts(i)
            file = self.files.get(column, "the data")
            profiles[column] = column_profile(column, file, groups.values[i], counts)
            if profiles[column].missing:
                profiles[column] = column_profile(
                    column, file, groups.values[i], counts,
                    missing_rows=self._missing_rows(column, written=i < len(spec.sensitive)))
        checked = check_profile(spec, Profile(
            columns=self.columns, files=self.files,
            label=profiles[spec.label], prediction=profiles[spec.prediction],
            sensitive=tuple(profiles[c] for c in spec.sensitive), score=score))
        probabilities = scale is not None and float(scan["s_low"]) >= 0 and float(
            scan["s_high"]) <= 1
        return _Validated(checked, groups, scale, result, probabilities)

    def cell_table(self, spec: AuditSpec, *, bins: int = DEFAULT_BINS) -> CellTable:
        """Validate ``spec`` against the table and count its cells inside the engine.

        Raises
        ------
        ColumnError
            With ``prepare``'s message, for the first problem ``prepare`` finds.
        """
        v = self._validated(spec, bins)
        self._last = (spec, v)  # the sample reuses the validation: one scan fewer
        self._rows_counted = int(v.groups.rows.sum())  # every row of each side is joined
        table, _ = build_cells(v.groups, v.checked, engine=self.engine)
        if v.scale is None or spec.score is None:
            return table
        sums = score_sums(table, v.groups, v.checked, v.scale)
        ranks = None
        if table.rows <= RANKS_ROWS:  # the rows per distinct score give the median too
            ranks = self._ranks(spec, v, table)
            median, above = median_and_above(ranks, table.cells)
        else:
            median = self._median(spec.score, v.scale, sums.counts)
            in_bin = self._above_in_bin(spec, v, table, median)
            above = above_from_bins(sums.counts, v.scale, median, in_bin)
        return replace(table, scores=score_table(sums, v.scale, median=median, above=above,
                                                 probabilities=v.probabilities, ranks=ranks))

    def _ranks(self, spec: AuditSpec, v: _Validated, table: CellTable) -> ScoreRanks:
        """Rows per finest cell, label and distinct score (exact AUCs): one more scan."""
        assert spec.score is not None
        d = self.dialect
        keys = [*spec.sensitive, spec.label]
        names = ", ".join(f"k{i}" for i in range(len(keys)))
        select = ", ".join(f"{d.ident(c)} AS k{i}" for i, c in enumerate(keys))
        value = d.number(spec.score, self._types[spec.score])
        got = self._query(f"SELECT {names}, v, count(*) AS n FROM (SELECT {select}, {value} "
                          f"AS v FROM {self._data}) AS t GROUP BY {names}, v")
        index = np.column_stack([_positions(got.column(f"k{i}"), _uniques(v.result, i))
                                 for i in range(len(keys))])
        cell = cell_of(table, v.groups, v.checked, index)
        favorable = np.array([t == v.checked.favorable
                              for t in v.groups.values[len(keys) - 1].texts])
        return ranks_of(cell, favorable[index[:, -1]].astype(np.int64),
                        got.column("v").to_numpy(zero_copy_only=False).astype(np.float64),
                        got.column("n").to_numpy().astype(np.int64))

    # --- median ------------------------------------------------------------------------

    def _median(self, column: str, scale: ScoreScale, counts: np.ndarray) -> float:
        d = self.dialect
        value = d.number(column, self._types[column])
        middle: list[float] = []
        ranks = median_ranks(counts)
        for b in sorted({b for b, _ in ranks}):
            in_bin = [r for bb, r in ranks if bb == b]
            first, last = min(in_bin), max(in_bin)
            got = self._query(
                f"SELECT v FROM (SELECT {value} AS v FROM {self._data}) AS t "
                f"WHERE {d.score_bin('v', scale)} = {b} ORDER BY v "
                f"LIMIT {last - first + 1} OFFSET {first}").column("v").to_pylist()
            middle += [float(v) for v in got]
        return median_of(middle)

    def _above_in_bin(self, spec: AuditSpec, v: _Validated, table: CellTable,
                      median: float) -> np.ndarray:
        out = np.zeros((table.cells, 2), dtype=np.int64)
        if np.isnan(median):
            return out
        assert spec.score is not None and v.scale is not None
        checked, groups, scale, result = v.checked, v.groups, v.scale, v.result
        d = self.dialect
        keys = [*spec.sensitive, spec.label]
        value = d.number(spec.score, self._types[spec.score])
        middle = int(scale.bin_of(np.array([median]))[0])
        names = ", ".join(f"k{i}" for i in range(len(keys)))
        select = ", ".join(f"{d.ident(c)} AS k{i}" for i, c in enumerate(keys))
        got = self._query(
            f"SELECT {names}, count(*) AS n FROM (SELECT {select}, {value} AS v FROM {self._data}) "
            f"AS t WHERE {d.score_bin('v', scale)} = {middle} AND v > {d.double(median)} "
            f"GROUP BY {names}")
        if got.num_rows == 0:
            return out
        index = np.column_stack([_positions(got.column(f"k{i}"), _uniques(result, i))
                                 for i in range(len(keys))])
        cell = cell_of(table, groups, checked, index)
        favorable = np.array([t == checked.favorable for t in groups.values[len(keys) - 1]
                              .texts])
        np.add.at(out, (cell, favorable[index[:, -1]].astype(np.int64)),
                  got.column("n").to_numpy().astype(np.int64))
        return out

    # --- sample ------------------------------------------------------------------------

    def sample(self, spec: AuditSpec, *, per_cell: int | np.ndarray, seed: int) -> RowSample:
        """Up to ``per_cell`` rows of every finest cell (``per_cell[k]`` of cell ``k``),
        drawn inside the engine: rows whose seeded hash is below a per-cell bound come
        back, and the smallest are kept."""
        last = getattr(self, "_last", None)
        v = last[1] if last is not None and last[0] == spec else self._validated(spec, bins=1)
        checked, groups, result = v.checked, v.groups, v.result
        table, group_cell = build_cells(groups, checked, engine=self.engine)
        d = self.dialect
        keys = list(spec.sensitive)
        combos = result.group_by([f"k{i}" for i in range(len(keys))],
                                 use_threads=False).aggregate([("n", "sum")])
        quota = np.asarray(per_cell, dtype=np.int64)
        if quota.ndim:  # each raw combination takes its finest cell's quota
            combo_index = np.column_stack([_positions(combos.column(f"k{i}"),
                                                      _uniques(result, i))
                                           for i in range(len(keys))])
            wanted = quota[cell_of(table, groups, checked, combo_index)].tolist()
        else:
            wanted = [int(quota)] * combos.num_rows
        bounds = pa.array([candidates(int(n), int(w)) for n, w in
                           zip(combos.column("n_sum").to_pylist(), wanted, strict=True)],
                          pa.int64())
        bounds_view = f"{self._data}_bounds"
        self._register(bounds_view, combos.drop_columns(["n_sum"]).append_column(
            "bound", bounds))
        hashed = RowHash.of(seed).sql(self._position_sql(f"r.{d.ident(ROW)}"))
        on = " AND ".join(f"r.{d.ident(c)} = t.k{i}" for i, c in enumerate(keys))
        got = self._query(
            f"SELECT r.*, {hashed} AS audit_hash FROM {self._rows} AS r JOIN {bounds_view} AS t "
            f"ON {on} WHERE {hashed} < t.bound")
        index = np.column_stack([_positions(got.column(c), _uniques(result, i))
                                 for i, c in enumerate(keys)])
        cell = cell_of(table, groups, checked, index)
        position = np.array(self._rows_to_numbers(got.column(ROW).to_pylist()), dtype=np.int64)
        kept = pick(got.column("audit_hash").to_numpy().astype(np.int64), position, cell,
                    per_cell)
        rows = got.drop_columns([ROW, "audit_hash"]).take(pa.array(kept))
        return RowSample(frame=self._frame(rows, spec), cell=cell[kept], position=position[kept],
                         cell_rows=table.counts.sum(axis=1), per_cell=per_cell, seed=seed)

    def _frame(self, rows: pa.Table, spec: AuditSpec) -> pd.DataFrame:
        """The sampled rows as the in-memory path holds them: ids and sensitive columns as
        written, the others as pandas would have typed them."""
        written = [*spec.sensitive, *([self.id_column] if self.id_column else [])]
        return typed_frame(rows, raw=[c for c in rows.column_names
                                      if self._types.get(c) == "raw"], as_written=written)


def _finite(scan: dict[str, Any]) -> bool:
    """The score's smallest and largest values are finite numbers."""
    return all(scan[k] is not None and math.isfinite(float(scan[k])) for k in ("s_low", "s_high"))


def _uniques(result: pa.Table, key: int) -> pa.Array:
    """The distinct raw values of key column ``key`` of a group-by result."""
    return pc.unique(result.column(f"k{key}").combine_chunks())


def _positions(values: pa.ChunkedArray | pa.Array, uniques: pa.Array) -> np.ndarray:
    """The index of each of ``values`` in ``uniques`` (nulls match a null)."""
    found = pc.index_in(values, value_set=uniques, skip_nulls=False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


__all__: Sequence[str] = ["DATA", "ROW", "ROWS", "SqlSource"]
