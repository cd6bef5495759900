"""The dataset–predictions join, pushed down into the engine, with
``audit.inputs.join_inputs``'s checks and messages.

Ids are compared as text, as ``join_inputs`` compares them: as written in the file,
stripped (``007`` is not ``7``; only an empty cell is a blank id). The checks run as
aggregate queries in ``join_inputs``' order: the id column in both files, no other shared
column, no blank and no repeated id in either file, then every id matched both ways. The
joined relations are then defined as views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from audit._errors import ColumnError, JoinError
from audit._words import clip, quoted
from audit.inputs._join import (
    MSG_ID_BLANK,
    MSG_ID_COLUMN_MISSING,
    MSG_ID_DUPLICATED,
    MSG_ID_NO_MATCH,
    MSG_ID_UNMATCHED,
    MSG_JOIN_BY_ROW_ORDER,
    MSG_OVERLAPPING_COLUMNS,
    MSG_ROW_COUNT_MISMATCH,
)
from audit.sources._dialect import ROW, ColumnType, Dialect


class Engine(Protocol):
    dialect: Dialect
    _data: str
    _rows: str

    def _query(self, sql: str) -> pa.Table: ...

    def _view(self, name: str, sql: str) -> None: ...

    def _positional(self, left: Side, right: Side, *, numbered: bool) -> str: ...

    def _rows_to_numbers(self, values: Sequence[object]) -> list[int]: ...


@dataclass(frozen=True)
class Side:
    """One file of the join: its name, role, relations (plain and numbered), columns."""

    name: str
    role: str
    relation: str
    numbered: str
    columns: tuple[str, ...]
    types: dict[str, ColumnType]


@dataclass(frozen=True)
class Joined:
    """The joined table: its columns (the dataset's, then the predictions' but the id),
    the file of each, how each is held, and what the user should know."""

    columns: tuple[str, ...]
    files: dict[str, str]
    types: dict[str, ColumnType]
    warnings: tuple[str, ...]


def join_sides(engine: Engine, sides: Sequence[Side], id_column: str | None) -> Joined:
    """`join` the dataset (``sides[0]``) to the predictions (``sides[1]``, if any)."""
    types: dict[str, ColumnType] = {}
    for side in reversed(sides):  # a shared id column takes the dataset's type
        types.update(side.types)
    warnings = join(engine, dataset=sides[0], predictions=sides[1] if len(sides) > 1 else None,
                    id_column=id_column)
    columns = list(sides[0].columns)
    files = {c: sides[0].name for c in sides[0].columns}
    for side in sides[1:]:
        columns += [c for c in side.columns if c != id_column]
        for c in side.columns:
            files.setdefault(c, side.name)
    return Joined(columns=tuple(columns), files=files, types=types, warnings=warnings)


def join(engine: Engine, *, dataset: Side, predictions: Side | None,
         id_column: str | None) -> tuple[str, ...]:
    """Check the join and define ``audit_data`` and ``audit_rows``; return the warnings.

    Raises
    ------
    ColumnError
        The id column is missing, or another column is in both files.
    JoinError
        Ids are blank, repeated or unmatched, or the row counts differ without an id.
    """
    d = engine.dialect
    if predictions is None:
        if id_column is not None:
            _require(dataset, id_column)
            _keys(engine, dataset, id_column)
        engine._view(engine._data, f"SELECT * FROM {dataset.relation}")
        engine._view(engine._rows, f"SELECT * FROM {dataset.numbered}")
        return ()
    ds_name, pr_name = clip(dataset.name), clip(predictions.name)
    if id_column is None:
        rows = [_count(engine, side.relation) for side in (dataset, predictions)]
        if rows[0] != rows[1]:
            shared = [c for c in dataset.columns if c in set(predictions.columns)]
            shared.sort(key=lambda c: "id" not in str(c).lower())
            candidates = f" (both files have {quoted(shared)})" if shared else ""
            raise JoinError(MSG_ROW_COUNT_MISMATCH.format(
                dataset=ds_name, dataset_rows=rows[0], predictions=pr_name,
                predictions_rows=rows[1], candidates=candidates))
        _refuse_overlap(dataset, predictions, None)
        engine._view(engine._data, engine._positional(dataset, predictions, numbered=False))
        engine._view(engine._rows, engine._positional(dataset, predictions, numbered=True))
        return (MSG_JOIN_BY_ROW_ORDER.format(dataset=ds_name, predictions=pr_name),)

    _require(dataset, id_column)
    _require(predictions, id_column)
    _refuse_overlap(dataset, predictions, id_column)
    left = _keys(engine, dataset, id_column)
    right = _keys(engine, predictions, id_column)
    matched = engine._query(
        f"SELECT sum(CASE WHEN b.k IS NULL THEN 1 ELSE 0 END) AS left_only, "
        f"sum(CASE WHEN a.k IS NULL THEN 1 ELSE 0 END) AS right_only, "
        f"sum(CASE WHEN a.k IS NOT NULL AND b.k IS NOT NULL THEN 1 ELSE 0 END) AS both "
        f"FROM (SELECT {left.sql()} AS k FROM {dataset.relation}) AS a FULL OUTER JOIN "
        f"(SELECT {right.sql()} AS k FROM {predictions.relation}) AS b ON a.k = b.k"
    ).to_pylist()[0]
    left_only, right_only = int(matched["left_only"] or 0), int(matched["right_only"] or 0)
    both = int(matched["both"] or 0)
    if both == 0:
        raise JoinError(MSG_ID_NO_MATCH.format(
            column=clip(id_column), dataset=ds_name, dataset_count=left_only,
            dataset_examples=quoted(_first_keys(engine, dataset, left, "")),
            predictions=pr_name, predictions_count=right_only,
            predictions_examples=quoted(_first_keys(engine, predictions, right, ""))))
    if left_only or right_only:
        unmatched = (
            _first_keys(engine, dataset, left, _not_in(right, predictions)),
            _first_keys(engine, predictions, right, _not_in(left, dataset)))
        raise JoinError(MSG_ID_UNMATCHED.format(
            column=clip(id_column), dataset=ds_name, dataset_unmatched=left_only,
            dataset_count=left_only + both,
            dataset_examples=_more(unmatched[0], left_only) if left_only else "none",
            predictions=pr_name, predictions_unmatched=right_only,
            predictions_count=right_only + both,
            predictions_examples=_more(unmatched[1], right_only) if right_only else "none"))
    others = ", ".join(f"b.{d.ident(c)}" for c in predictions.columns if c != id_column)
    for view, relation in ((engine._data, dataset.relation), (engine._rows, dataset.numbered)):
        engine._view(view, f"SELECT a.*{', ' + others if others else ''} FROM {relation} AS a "
                           f"JOIN {predictions.relation} AS b ON {left.sql('a')} = "
                           f"{right.sql('b')}")
    return ()


def _count(engine: Engine, relation: str) -> int:
    return int(engine._query(f"SELECT count(*) AS n FROM {relation}").column("n")[0].as_py())


def _require(side: Side, column: str) -> None:
    if column not in side.columns:
        raise ColumnError(MSG_ID_COLUMN_MISSING.format(
            column=clip(column), role=side.role, file=clip(side.name),
            columns=quoted(map(str, side.columns), limit=30)))


def _refuse_overlap(dataset: Side, predictions: Side, id_column: str | None) -> None:
    right = set(predictions.columns)
    shared = [c for c in dataset.columns if c in right and c != id_column]
    if shared:
        raise ColumnError(MSG_OVERLAPPING_COLUMNS.format(
            columns=quoted(map(str, shared), limit=10), dataset=clip(dataset.name),
            predictions=clip(predictions.name)))


@dataclass(frozen=True)
class Key:
    """An id column read as written: its SQL expression, optionally on a table alias."""

    dialect: Dialect
    column: str
    kind: ColumnType

    def sql(self, alias: str = "") -> str:
        return self.dialect.written(self.column, self.kind, alias=alias)


def _keys(engine: Engine, side: Side, column: str) -> Key:
    """Refuse blank and repeated ids; return the id as text. One aggregate query when
    every id is present and distinct; the examples a message names cost one more."""
    d = engine.dialect
    key = Key(d, column, side.types[column])
    blank = d.blank(column, key.kind)
    facts = engine._query(
        f"SELECT count(*) AS n, sum(CASE WHEN {blank} THEN 1 ELSE 0 END) AS blank, "
        f"count(DISTINCT {key.sql()}) AS texts FROM {side.relation}").to_pylist()[0]
    blanks = int(facts["blank"] or 0)
    if blanks:
        first = engine._query(f"SELECT min({d.ident(ROW)}) AS r FROM {side.numbered} "
                              f"WHERE {blank}").column("r")[0].as_py()
        raise JoinError(MSG_ID_BLANK.format(column=clip(column), role=side.role,
                                            file=clip(side.name), count=blanks,
                                            row=engine._rows_to_numbers([first])[0]))
    if int(facts["texts"]) == int(facts["n"]):
        return key
    repeated = engine._query(
        f"SELECT k, min(r) AS second FROM (SELECT k, {d.ident(ROW)} AS r, row_number() OVER "
        f"(PARTITION BY k ORDER BY {d.ident(ROW)}) AS i FROM (SELECT {key.sql()} AS k, "
        f"{d.ident(ROW)} FROM {side.numbered}) AS t) AS u WHERE i = 2 GROUP BY k "
        f"ORDER BY second")
    raise JoinError(MSG_ID_DUPLICATED.format(
        column=clip(column), role=side.role, file=clip(side.name),
        count=repeated.num_rows, examples=quoted(repeated.column("k").to_pylist())))


def _not_in(key: Key, other: Side) -> str:
    return f"NOT IN (SELECT {key.sql()} FROM {other.relation})"


def _first_keys(engine: Engine, side: Side, key: Key, condition: str) -> list[str]:
    where = f"WHERE k {condition}" if condition else ""
    got = engine._query(f"SELECT k FROM (SELECT {key.sql()} AS k, {engine.dialect.ident(ROW)} AS r "
                        f"FROM {side.numbered}) AS t {where} ORDER BY r LIMIT 5")
    return [str(k) for k in got.column("k").to_pylist()]


def _more(first: list[str], total: int) -> str:
    """``quoted`` of a list of ``total`` values of which ``first`` are the first five."""
    shown = ", ".join(repr(clip(v)) for v in first[:5])
    return shown + (f" and {total - 5:,} more" if total > 5 else "")
