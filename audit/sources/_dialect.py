"""The few SQL spellings that differ between DuckDB and Spark SQL, and the expressions
built from them: a column's missing cells, its numeric value, an id as text, a score's
bin and quantised powers.

Both engines evaluate these with IEEE double arithmetic and exact 64-bit integer sums, so
the numbers they return are the bits numpy computes in the pandas source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from audit.sources._reduce import SHIFT, SPLIT, ScoreScale
from audit.sources._values import NA_TEXTS

# the characters Python's str.strip() removes, as a regular-expression class that RE2
# (DuckDB) and java.util.regex (Spark) both read
_SPACE = (r"[\t\n\x{0B}\f\r \x{1C}-\x{1F}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}"
          r"\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]")

ColumnType = Literal["raw", "float", "number", "boolean", "text", "other"]
ROW = "__audit_row"  # the 1-based dataset row (or an engine's increasing row id)


def column_type(arrow_type: pa.DataType, *, raw: bool) -> ColumnType:
    """How a column is held: ``raw`` CSV text, or typed as in Parquet."""
    if raw:
        return "raw"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_integer(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or (
            str(arrow_type) == "string_view"):
        return "text"
    return "other"


@dataclass(frozen=True)
class Dialect:
    """Identifier quoting, string literals and regular expressions of one engine."""

    name: Literal["duckdb", "spark"]

    def ident(self, name: str) -> str:
        if self.name == "duckdb":
            return '"' + name.replace('"', '""') + '"'
        return "`" + name.replace("`", "``") + "`"

    def text(self, value: str) -> str:
        if self.name == "duckdb":
            return "'" + value.replace("'", "''") + "'"
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def double(self, value: float) -> str:
        """A double literal with exactly the bits of ``value`` (parsed from its repr)."""
        if not math.isfinite(value):
            raise ValueError(f"no SQL literal for {value!r}")
        return f"CAST({self.text(repr(float(value)))} AS DOUBLE)"

    def varchar(self) -> str:
        return "VARCHAR" if self.name == "duckdb" else "STRING"

    def stripped(self, expr: str) -> str:
        """``expr`` without leading and trailing white space, as ``str.strip()`` does."""
        pattern = self.text(f"^{_SPACE}+|{_SPACE}+$")
        if self.name == "duckdb":
            return f"regexp_replace({expr}, {pattern}, '', 'g')"
        return f"regexp_replace({expr}, {pattern}, '')"

    def matches(self, expr: str, pattern: str) -> str:
        """``expr`` matches the whole of ``pattern``."""
        if self.name == "duckdb":
            return f"regexp_full_match({expr}, {self.text(pattern)})"
        return f"({expr} RLIKE {self.text('^(?:' + pattern + ')$')})"

    def in_list(self, expr: str, values: Sequence[str]) -> str:
        return f"{expr} IN ({', '.join(self.text(v) for v in values)})"

    # --- expressions over one column -----------------------------------------------------

    def missing(self, column: str, kind: ColumnType) -> str:
        """True where pandas would read the cell as missing."""
        c = self.ident(column)
        if kind == "raw":
            return f"({c} IS NULL OR {self.in_list(c, NA_TEXTS)})"
        if kind == "float":
            return f"({c} IS NULL OR isnan({c}))"
        return f"({c} IS NULL)"

    def number(self, column: str, kind: ColumnType) -> str:
        """The cell as a double; NULL where it is not a number."""
        c = self.ident(column)
        if kind in ("float", "number", "boolean"):
            return f"CAST({c} AS DOUBLE)"
        if kind in ("raw", "text"):
            return f"TRY_CAST({c} AS DOUBLE)"
        return f"TRY_CAST(CAST({c} AS {self.varchar()}) AS DOUBLE)"

    def infinite(self, expr: str) -> str:
        return f"(abs({expr}) = CAST('Infinity' AS DOUBLE))"

    def blank(self, column: str, kind: ColumnType, alias: str = "") -> str:
        """True where the cell is missing as written (``AuditInput.as_written``): empty or
        white space only; ``NA`` and ``null`` are text like any other."""
        c = (alias + "." if alias else "") + self.ident(column)
        if kind in ("raw", "text"):
            return f"({c} IS NULL OR {self.stripped(c)} = '')"
        if kind == "float":
            return f"({c} IS NULL OR isnan({c}))"
        return f"({c} IS NULL)"

    def written(self, column: str, kind: ColumnType, *, alias: str = "") -> str:
        """An id as ``audit.inputs.join_inputs`` compares it: the text written in the file,
        stripped (``007`` stays ``007``); a typed value as its text (``1.0`` -> ``'1'``)."""
        c = (alias + "." if alias else "") + self.ident(column)
        text = self.varchar()
        if kind in ("raw", "text"):
            return self.stripped(c)
        if kind == "boolean":
            return f"CASE WHEN {c} THEN 'True' ELSE 'False' END"
        if kind == "float":
            return (f"CASE WHEN {c} = floor({c}) AND abs({c}) < 1e18 THEN "
                    f"CAST(CAST({c} AS BIGINT) AS {text}) ELSE CAST({c} AS {text}) END")
        return self.stripped(f"CAST({c} AS {text})")

    def score_bin(self, value: str, scale: ScoreScale) -> str:
        raw = f"CAST(floor(({value} - {self.double(scale.low)}) / {self.double(scale.width)}) " \
              "AS BIGINT)"
        return f"least({raw}, {scale.bins - 1})"

    def quantised(self, value: str, scale: ScoreScale) -> list[str | None]:
        """The quantised powers of ``value`` (BIGINT), as `ScoreScale.quantised`."""
        square = f"({value} * {value})"
        powers = (value, square, f"({square} * {value})", f"({square} * {square})")
        out: list[str | None] = []
        for power, shift in zip(powers, scale.shifts, strict=True):
            if shift is None:
                out.append(None)
            else:
                factor = self.double(math.ldexp(1.0, shift))
                out.append(f"CAST(floor({power} * {factor} + {self.double(0.5)}) AS BIGINT)")
        return out

    def split_sums(self, expr: str, name: str) -> list[str]:
        """Exact sums of a quantised power (|q| < 2**52) in 64-bit integers, which both
        engines add far faster than DECIMAL: ``q + 2**52`` split into its high and low 26
        bits, each summed, and the count (`audit.sources._reduce.combine` adds them up)."""
        shifted = f"({expr} + {SHIFT})"
        divide = "//" if self.name == "duckdb" else "div"
        return [f"sum({shifted} {divide} {SPLIT}) AS {name}_high",
                f"sum({shifted} % {SPLIT}) AS {name}_low", f"count({expr}) AS {name}_n"]

