"""The DuckDB source: the audit counted where the files are, out of core, no server.

DuckDB scans CSV and Parquet files (a file, a folder or a glob) in parallel and spills to
disk past its memory limit, so a table far larger than memory is counted in one pass and
only the small cell table comes back. CSV cells are read as raw text and typed afterwards
from their distinct values (`audit.sources._values`), so a CSV audited here gives the same
categories as the same file read by pandas.
"""

from __future__ import annotations

import os
import re
import tempfile

import duckdb
import pyarrow as pa

from audit._errors import AuditInputError, CSVFormatError
from audit._words import clip
from audit.inputs._read import _SUPPORTED, MAX_VALUE_CHARS, MSG_RAGGED_ROW, MSG_UNREADABLE
from audit.sources._dialect import ROW, Dialect, column_type
from audit.sources._files import (
    MSG_PARQUET_UNREADABLE,
    Table,
    csv_layout,
    header_only_error,
    is_remote,
    longest_unquoted_line,
    parquet_schema,
    resolve,
)
from audit.sources._joins import Side
from audit.sources._parquet import MSG_NO_ROWS, PARQUET_ENCODING
from audit.sources._sql import SqlSource

DEFAULT_MEMORY = "2GB"
_READ_ERRORS = (duckdb.InvalidInputException, duckdb.IOException)
_RAGGED = re.compile(r"CSV Error on Line: (?P<line>\d+).*?Expected Number of Columns: "
                     r"(?P<expected>\d+) Found: (?P<found>\d+)", re.DOTALL)
_FILE = re.compile(r"^\s*file = (.+)$", re.MULTILINE)


class DuckDBSource(SqlSource):
    """A source that counts inside an embedded DuckDB.

    Parameters
    ----------
    data : str or path-like
        The dataset: a CSV or Parquet file, a folder of them, or a glob.
    predictions : str or path-like, optional
        The model's output for the same people, joined inside DuckDB.
    id_column : str, optional
        The column that identifies a row in both tables; without it, row order.
    memory_limit : str
        DuckDB's memory limit (``SET memory_limit``); past it, work spills to disk.
    threads : int, optional
        Worker threads (default: DuckDB's, one per core).
    temp_directory : str, optional
        Where spilled data goes (default: a folder under the system's temporary folder).

    Raises
    ------
    AuditInputError
        A path that holds no table, a file that is not CSV or Parquet, a bad header, or a
        join that does not line up (``join_inputs``' messages).
    """

    engine = "duckdb"
    dialect = Dialect("duckdb")

    def __init__(self, data: str | os.PathLike[str], *,
                 predictions: str | os.PathLike[str] | None = None,
                 id_column: str | None = None, memory_limit: str = DEFAULT_MEMORY,
                 threads: int | None = None, temp_directory: str | None = None) -> None:
        self._con = duckdb.connect(":memory:")
        spill = temp_directory or os.path.join(tempfile.gettempdir(), "audit-duckdb")
        self._con.execute(f"SET memory_limit = {self.dialect.text(memory_limit)}")
        self._con.execute(f"SET temp_directory = {self.dialect.text(spill)}")
        self._con.execute("SET preserve_insertion_order = true")
        if threads is not None:
            self._con.execute(f"SET threads = {int(threads)}")
        self._tables: list[Table] = []
        self._delimiters: dict[str, str] = {}
        self._csv: dict[str, Table] = {}  # a CSV side's relation -> its table
        self._open(data, predictions, id_column)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> DuckDBSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def tables(self) -> tuple[Table, ...]:
        """The resolved tables (dataset first), for provenance."""
        return tuple(self._tables)

    def _side(self, path: str | os.PathLike[str], role: str, alias: str) -> Side:
        table = resolve(path)
        self._tables.append(table)
        files = "[" + ", ".join(self.dialect.text(f) for f in table.files) + "]"
        if table.format == "csv":
            layout = csv_layout(table)
            if layout.header_only:
                raise header_only_error(table)
            typed = ", ".join(f"{self.dialect.text(c)}: 'VARCHAR'" for c in layout.columns)
            encoding = "utf-8" if layout.encoding.startswith("utf-8") else "latin-1"
            scan = (f"read_csv({files}, auto_detect = false, header = true, "
                    f"delim = {self.dialect.text(layout.delimiter)}, quote = '\"', "
                    f"escape = '\"', columns = {{{typed}}}, encoding = '{encoding}')")
            self._delimiters[table.name] = layout.delimiter
            self._csv[f"audit_{alias}"] = table
            self._read_how(role, table, layout.encoding, layout.delimiter)
            columns = layout.columns
            types = {c: column_type(pa.string(), raw=True) for c in columns}
        else:
            schema = parquet_schema(table)
            scan = f"read_parquet({files})"
            self._read_how(role, table, PARQUET_ENCODING, "")
            columns = tuple(schema.names)
            types = {f.name: column_type(f.type, raw=False) for f in schema}
        relation, numbered = f"audit_{alias}", f"audit_{alias}_rows"
        self._view(relation, f"SELECT * FROM {scan}")
        self._view(numbered, f"SELECT row_number() OVER () AS {self.dialect.ident(ROW)}, * "
                             f"FROM {scan}")
        return Side(name=table.name, role=role, relation=relation, numbered=numbered,
                    columns=tuple(columns), types=types)

    def _refuse_long_values(self, side: Side) -> None:
        """As `SqlSource._refuse_long_values`, but a local CSV file without quotation marks
        whose longest line is within the value limit is checked from its bytes (a fast
        pass a chunk at a time) instead of a scan that parses every column."""
        table = self._csv.get(side.relation)
        if table is not None and not any(is_remote(f) for f in table.files) and all(
                (n := longest_unquoted_line(f)) is not None and n <= MAX_VALUE_CHARS
                for f in table.files):
            return
        super()._refuse_long_values(side)

    # --- engine primitives --------------------------------------------------------------

    def _query(self, sql: str) -> pa.Table:
        try:
            return self._con.sql(sql).to_arrow_table()
        except _READ_ERRORS as err:
            raise self._read_error(err) from err

    def _view(self, name: str, sql: str) -> None:
        try:
            self._con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
        except _READ_ERRORS as err:
            raise self._read_error(err) from err

    def _register(self, name: str, table: pa.Table) -> None:
        self._con.register(name, table)

    def _positional(self, left: Side, right: Side, *, numbered: bool) -> str:
        picked = ", ".join(f"b.{self.dialect.ident(c)}" for c in right.columns)
        relation = left.numbered if numbered else left.relation
        return f"SELECT a.*, {picked} FROM {relation} AS a POSITIONAL JOIN {right.relation} AS b"

    def _empty_error(self) -> Exception | None:
        table = self._tables[0]
        if table.format == "csv":
            return header_only_error(table)
        return AuditInputError(MSG_NO_ROWS.format(file=table.name))

    def _read_error(self, err: Exception) -> AuditInputError:
        detail = clip(str(err).strip().splitlines()[0] if str(err).strip() else
                      type(err).__name__)
        table = next((t for t in self._tables if any(os.path.basename(f) in str(err)
                                                     for f in t.files)), self._tables[0])
        if table.format != "csv":
            return AuditInputError(MSG_PARQUET_UNREADABLE.format(file=table.name, detail=detail))
        ragged = _RAGGED.search(str(err))
        if ragged is None:
            return CSVFormatError(MSG_UNREADABLE.format(file=table.name, detail=detail))
        line, expected, found = (int(g) for g in ragged.group("line", "expected", "found"))
        named = _FILE.search(str(err))
        file = clip(os.path.basename(named.group(1).strip())) if named else table.name
        return CSVFormatError(MSG_RAGGED_ROW.format(
            file=file, line=line, found=found, expected=expected,
            delimiter=_SUPPORTED[self._delimiters.get(table.name, ",")]))
