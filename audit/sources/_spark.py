"""The Spark source: the audit counted on a cluster (or ``local[*]``), where the data is.

The same queries as DuckDB's (`audit.sources._sql`), in Spark SQL, over Parquet, CSV or a
table of the session's catalog (``table:NAME``). Results come back through Arrow
(``toArrow``), never through pandas. PySpark is an optional extra, imported only here.

Rows are numbered by ``monotonically_increasing_id``, in the order Spark reads them: the
file's order for one file; for several, the order in which Spark packs them into
partitions (by size), so a message about a folder may name other rows than DuckDB does,
and the sample may pick other rows. The dense row numbers a message names, and the row
positions the sample hash uses, come from the row counts of each partition, computed
only when needed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from audit._errors import AuditInputError, CSVFormatError
from audit._words import clip
from audit.inputs._read import MSG_UNREADABLE
from audit.sources._dialect import ROW, ColumnType, Dialect, column_type
from audit.sources._files import (
    MSG_PARQUET_UNREADABLE,
    Table,
    csv_layout,
    header_only_error,
    is_remote,
    parquet_schema,
    resolve,
)
from audit.sources._joins import Side
from audit.sources._parquet import MSG_NO_ROWS, PARQUET_ENCODING
from audit.sources._sql import SqlSource

MSG_NO_SPARK = (
    "The Spark engine needs PySpark, which is not installed here ({detail}). Install the "
    "Spark extra with: pip install .[spark] (it needs a Java 17 runtime, for example "
    "Debian's openjdk-17-jre-headless), or choose the duckdb or pandas engine."
)
MSG_NO_TABLE = (
    "Spark's catalog has no table {name!r} (asked for as {given!r}). Expected the name of a "
    "table or view the Spark session can read. Check the name (and its database, as "
    "db.table), then run the command again."
)
TABLE_PREFIX = "table:"
_PARTITION_BITS = 33  # monotonically_increasing_id: partition index << 33 | row in partition
DEFAULT_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}


def spark_session(master: str = "local[*]", conf: Mapping[str, str] | None = None) -> Any:
    """A SparkSession for ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``).

    Raises
    ------
    AuditInputError
        PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise AuditInputError(MSG_NO_SPARK.format(detail=clip(str(err)))) from err
    builder = SparkSession.builder.master(master).appName("fairness-audit")
    local = {"spark.sql.shuffle.partitions": "4"} if master.startswith("local") else {}
    for key, value in {**DEFAULT_CONF, **local, **dict(conf or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class SparkSource(SqlSource):
    """A source that counts inside Spark.

    Parameters
    ----------
    data : str or path-like
        A CSV or Parquet file, folder or glob (local, or a URI such as ``s3a://...`` that
        Spark reads itself), or ``table:NAME`` for a table of the session's catalog.
    predictions : str or path-like, optional
        The model's output, in the same forms, joined inside Spark.
    id_column : str, optional
        The column that identifies a row in both tables; without it, row order.
    spark : SparkSession, optional
        An existing session; otherwise one is started for ``master`` with ``conf``.
    master : str
        Where to run when no session is given: ``local[*]``, ``local[2]``, ``spark://...``.
    conf : mapping of str to str, optional
        Spark settings for a new session (``spark.executor.memory`` ...).
    delimiter : str, optional
        The separator of a remote CSV (a local one is detected, as for uploads).

    Raises
    ------
    AuditInputError
        PySpark is missing, a path or table does not exist, a bad header, or a join that
        does not line up (``join_inputs``' messages).
    """

    engine = "spark"
    dialect = Dialect("spark")

    def __init__(self, data: str | os.PathLike[str], *,
                 predictions: str | os.PathLike[str] | None = None,
                 id_column: str | None = None, spark: Any = None, master: str = "local[*]",
                 conf: Mapping[str, str] | None = None, delimiter: str | None = None) -> None:
        self.spark = spark if spark is not None else spark_session(master, conf)
        self.spark.conf.set("spark.sql.caseSensitive", "true")  # columns match exactly
        from pyspark.errors import PySparkException

        self._errors: tuple[type[BaseException], ...] = (PySparkException,)
        self._tables: list[Table | str] = []
        self._offsets: dict[str, dict[int, int]] = {}
        self._delimiter = delimiter
        token = uuid.uuid4().hex[:12]  # temp views are shared by the session: names of our own
        self._data, self._rows, self._prefix = f"audit_data_{token}", f"audit_rows_{token}", token
        self._open(data, predictions, id_column)

    def _read(self, path: str, role: str) -> tuple[Any, str, bool]:
        """The DataFrame of ``path``, its name for messages, and whether it is raw CSV."""
        given = os.fspath(path)
        if given.startswith(TABLE_PREFIX):
            name = given[len(TABLE_PREFIX):].strip()
            if not self.spark.catalog.tableExists(name):
                raise AuditInputError(MSG_NO_TABLE.format(name=name, given=given))
            self._tables.append(given)
            self._read_how(role, given, "table", "")
            return self.spark.table(name), name, False
        reader = self.spark.read
        if is_remote(given):
            self._tables.append(given)
            name = clip(given.rstrip("/").rsplit("/", 1)[-1])
            if given.lower().endswith((".csv", ".tsv", ".txt")):
                self._read_how(role, given, "utf-8", self._delimiter or ",")
                return self._csv(reader, [given], self._delimiter or ",", "UTF-8", None), name, True
            self._read_how(role, given, PARQUET_ENCODING, "")
            return reader.parquet(given), name, False
        table = resolve(given)
        self._tables.append(table)
        if table.format == "csv":
            layout = csv_layout(table)
            if layout.header_only:
                raise header_only_error(table)
            encoding = "UTF-8" if layout.encoding.startswith("utf-8") else "ISO-8859-1"
            frame = self._csv(reader, list(table.files), layout.delimiter, encoding,
                              list(layout.columns))
            self._read_how(role, table, layout.encoding, layout.delimiter)
            return frame, table.name, True
        parquet_schema(table)
        self._read_how(role, table, PARQUET_ENCODING, "")
        return reader.parquet(*table.files), table.name, False

    @staticmethod
    def _csv(reader: Any, files: list[str], delimiter: str, encoding: str,
             names: list[str] | None) -> Any:
        frame = reader.options(header=True, inferSchema=False, sep=delimiter, quote='"',
                               escape='"', encoding=encoding, mode="FAILFAST").csv(files)
        return frame.toDF(*names) if names else frame.toDF(*[c.strip() for c in frame.columns])

    def _side(self, path: str | os.PathLike[str], role: str, alias: str) -> Side:
        from pyspark.sql import functions as F

        frame, name, raw = self._read(os.fspath(path), role)
        types = {f.name: _spark_type(f.dataType, raw=raw) for f in frame.schema.fields}
        relation, numbered = f"audit_{alias}_{self._prefix}", f"audit_{alias}_rows_{self._prefix}"
        frame.createOrReplaceTempView(relation)
        frame.select(F.monotonically_increasing_id().alias(ROW), "*").createOrReplaceTempView(
            numbered)
        return Side(name=name, role=role, relation=relation, numbered=numbered,
                    columns=tuple(frame.columns), types=types)

    # --- engine primitives --------------------------------------------------------------

    def _query(self, sql: str) -> pa.Table:
        try:
            return self.spark.sql(sql).toArrow()
        except self._errors as err:
            converted = self._read_error(err)
            if converted is None:
                raise
            raise converted from err

    def _view(self, name: str, sql: str) -> None:
        self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def _register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def _partition_offsets(self, numbered: str) -> dict[int, int]:
        """The first dense row (0-based) of each partition of ``numbered``."""
        if numbered not in self._offsets:
            got = self._query(f"SELECT shiftright({self.dialect.ident(ROW)}, "
                              f"{_PARTITION_BITS}) AS p, count(*) AS n FROM {numbered} "
                              "GROUP BY 1 ORDER BY 1").to_pylist()
            offsets, total = {}, 0
            for row in got:
                offsets[int(row["p"])] = total
                total += int(row["n"])
            self._offsets[numbered] = offsets
        return self._offsets[numbered]

    def _dense(self, numbered: str, row: str) -> str:
        offsets = self._partition_offsets(numbered)
        cases = " ".join(f"WHEN {p} THEN {o}" for p, o in offsets.items())
        mask = (1 << _PARTITION_BITS) - 1
        return (f"(CASE shiftright({row}, {_PARTITION_BITS}) {cases} END + ({row} & {mask}))"
                if offsets else f"({row} & {mask})")

    def _rows_to_numbers(self, values: Sequence[object]) -> list[int]:
        return self._side_rows_to_numbers(f"audit_d_rows_{self._prefix}", values)

    def _side_rows_to_numbers(self, numbered: str, values: Sequence[object]) -> list[int]:
        offsets = self._partition_offsets(numbered)
        mask = (1 << _PARTITION_BITS) - 1
        return [offsets[int(v) >> _PARTITION_BITS] + (int(v) & mask) + 1  # type: ignore[call-overload]
                for v in values]

    def _position_sql(self, row: str) -> str:
        return self._dense(f"audit_d_rows_{self._prefix}", row)

    def _positional(self, left: Side, right: Side, *, numbered: bool) -> str:
        d = self.dialect
        picked = ", ".join(f"b.{d.ident(c)}" for c in right.columns)
        mine = ", ".join(f"a.{d.ident(c)}" for c in
                         ((ROW, *left.columns) if numbered else left.columns))
        return (f"SELECT {mine}, {picked} FROM "
                f"(SELECT *, {self._dense(left.numbered, d.ident(ROW))} AS audit_pos FROM "
                f"{left.numbered}) AS a JOIN (SELECT *, "
                f"{self._dense(right.numbered, d.ident(ROW))} AS audit_pos FROM "
                f"{right.numbered}) AS b ON a.audit_pos = b.audit_pos")

    def _empty_error(self) -> Exception | None:
        first = self._tables[0]
        if isinstance(first, Table):
            if first.format == "csv":
                return header_only_error(first)
            return AuditInputError(MSG_NO_ROWS.format(file=first.name))
        return AuditInputError(MSG_NO_ROWS.format(file=first))

    def _read_error(self, err: BaseException) -> Exception | None:
        """The user's error for a file Spark could not read; None for anything else."""
        text = str(err)
        if "MALFORMED" not in text.upper() and "FileNotFound" not in text:
            return None
        first = self._tables[0]
        name = first.name if isinstance(first, Table) else first
        detail = clip(text.strip().splitlines()[0] if text.strip() else type(err).__name__)
        if isinstance(first, Table) and first.format == "csv":
            return CSVFormatError(MSG_UNREADABLE.format(file=name, detail=detail))
        return AuditInputError(MSG_PARQUET_UNREADABLE.format(file=name, detail=detail))


def _spark_type(data_type: Any, *, raw: bool) -> ColumnType:
    from pyspark.sql import types as T

    if raw:
        return "raw"
    if isinstance(data_type, T.FloatType | T.DoubleType):
        return column_type(pa.float64(), raw=False)
    if isinstance(data_type, T.IntegralType | T.DecimalType):
        return column_type(pa.int64(), raw=False)
    if isinstance(data_type, T.BooleanType):
        return column_type(pa.bool_(), raw=False)
    if isinstance(data_type, T.StringType):
        return column_type(pa.string(), raw=False)
    return "other"
