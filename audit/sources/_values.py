"""A column's distinct values as the audit reads them: missing or not, and as text.

``audit.inputs.prepare`` compares labels, predictions and categories as text
(``1.0`` → ``'1'``, ``True`` → ``'True'``, surrounding spaces dropped), after pandas has
typed the column while reading the file. A source that reads a CSV file itself (DuckDB,
Spark) reads every cell as its raw text; `read_distinct` then types the column's
*distinct* raw values exactly as pandas would have typed the whole column, by running
pandas' own reader on them, and turns them into text. Typed sources (Parquet, an
in-memory frame) skip the reading step. Either way only distinct values pass through
Python, never rows.

Ids and sensitive columns are read *as written* instead (``AuditInput.as_written``): the
cell's text without surrounding spaces, missing only when empty, so ``007`` stays
``007`` and ``NA`` is a category (`written_distinct`, `typed_written`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from audit.inputs._prepare import _text

Kind = Literal["integer", "float", "boolean", "text", "other"]

# The cells pandas reads as missing (pandas' default ``na_values``, which its pyarrow CSV
# engine applies to the raw field before typing). tests/audit/sources checks it against
# pandas' own list.
NA_TEXTS: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)


@dataclass(frozen=True)
class DistinctValues:
    """A column's distinct values, typed as pandas types the column.

    ``texts[i]`` is value ``i`` as text, or None when pandas reads it as missing;
    ``numbers`` the values as floats where the column is numeric (nan elsewhere).
    """

    kind: Kind
    texts: tuple[str | None, ...]
    numbers: np.ndarray


def kind_of(dtype: object) -> Kind:
    """The kind of a pandas dtype, as the checks need it."""
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "text"
    return "other"


def typed_distinct(values: pd.Series) -> DistinctValues:
    """Distinct values already typed (an in-memory frame, Parquet): missing and text."""
    missing = values.isna().to_numpy(dtype=bool)
    texts = tuple(None if gone else _text(v)
                  for v, gone in zip(values.tolist(), missing.tolist(), strict=True))
    kind = kind_of(values.dtype)
    if kind in ("integer", "float"):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        numbers = np.full(len(values), np.nan)
    return DistinctValues(kind=kind, texts=texts, numbers=numbers)


def text_of(value: object) -> str:
    """A typed label or prediction as ``prepare`` compares it with the favorable value
    (``1.0`` -> ``'1'``, ``True`` -> ``'True'``)."""
    return _text(value)


def written(value: object) -> str | None:
    """A cell as ``AuditInput.as_written`` hands it on: raw text stripped, a typed value as
    the text a user would have written (``1.0`` -> ``'1'``); None when empty or missing."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def written_distinct(values: Sequence[object]) -> DistinctValues:
    """Distinct cells (raw CSV text, or typed values) read as written."""
    return DistinctValues(kind="text", texts=tuple(written(v) for v in values),
                          numbers=np.full(len(values), np.nan))


def arrow_distinct(values: pa.Array | pa.ChunkedArray) -> DistinctValues:
    """Distinct values from an engine's typed result, converted as pandas reads Parquet."""
    return typed_distinct(pd.Series(values.to_pandas()))


def read_distinct(raw: Sequence[str | None]) -> DistinctValues:
    """Distinct raw CSV cells (None for an empty field), typed as pandas types the column.

    The cells are written as a one-column CSV and read back with the same reader
    ``audit.inputs.read_csv`` uses (pandas' pyarrow engine, or its C engine when a value
    spans lines): the type pandas infers depends only on the set of values, so it is the
    type the whole column would get.
    """
    lines = ["v"]  # every cell quoted: an empty line would be skipped, "" reads as missing
    for cell in raw:
        lines.append('"' + ("" if cell is None else cell.replace('"', '""')) + '"')
    text = "\n".join(lines) + "\n"
    multiline = any(cell is not None and ("\n" in cell or "\r" in cell) for cell in raw)
    frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), engine="c" if multiline else "pyarrow",
                        **({"low_memory": False} if multiline else {}))
    return typed_distinct(frame["v"])


def typed_frame(rows: pa.Table, *, raw: Sequence[str], as_written: Sequence[str] = ()
                ) -> pd.DataFrame:
    """Rows from an engine as pandas would have read them: ``raw`` CSV columns are typed by
    pandas' reader (on these rows only), the others converted as from Parquet; the
    ``as_written`` columns (ids, sensitive columns) as their written text."""
    frame = rows.to_pandas()
    raw = [c for c in raw if c not in set(as_written)]
    for column in as_written:
        if column in frame:
            frame[column] = pd.Series([written(v) for v in rows.column(column).to_pylist()],
                                      index=frame.index, dtype=object)
    if raw:
        buffer = io.BytesIO()
        pacsv.write_csv(rows.select(list(raw)), buffer,
                        pacsv.WriteOptions(quoting_style="all_valid"))
        typed = pd.read_csv(io.BytesIO(buffer.getvalue()), engine="pyarrow")
        for column in raw:
            frame[column] = typed[column].to_numpy() if len(typed) else frame[column]
    return frame
