"""Where ``python -m audit run`` counts the rows: ``--engine pandas|duckdb|spark``.

- ``pandas``: the files are loaded into memory (CSV with ``read_path``, Parquet with
  ``read_parquet``), within the upload limits;
- ``duckdb``: an embedded DuckDB counts CSV or Parquet files, folders or globs out of
  core; only the cell table and stratified samples come back (``--explain`` explains one,
  and the record says so);
- ``spark``: the same in Spark (``--spark-master``, ``--spark-conf``), also
  ``table:NAME`` for a table of the session's catalog.

``auto`` (the default) takes DuckDB for Parquet, for a folder or glob, and for a CSV file
above `duckdb_above_bytes` (``AUDIT_DUCKDB_ABOVE_MB``, default 100), and pandas otherwise.
Every engine gives the same ``audit.json`` for the same files (the engine is named under
``environment.engine``) and the same message for the same mistake.
"""

from __future__ import annotations

import argparse
import glob
import os
from collections.abc import Sequence
from typing import Any

from audit._errors import AuditInputError
from audit.inputs import AuditInput, Limits, read_path
from audit.inputs._read import MSG_FILE_NOT_FOUND  # read_path's own words, for every engine
from audit.sources import duckdb_above_bytes, is_parquet  # shared with the dashboard

ENGINES = ("auto", "pandas", "duckdb", "spark")
TABLE_PREFIX = "table:"
NEEDS_ROWS = (
    "{option} needs the rows in memory, and the {engine} engine keeps them where they are. "
    "Fix: run with --engine pandas (files up to the upload limit), or leave {option} out."
)
BAD_SPARK_CONF = (
    "--spark-conf {value!r} is not of the form KEY=VALUE. Fix: write it like "
    "--spark-conf spark.executor.memory=4g."
)
TABLE_NEEDS_SPARK = (
    "{path!r} names a table of a Spark catalog, which only the spark engine reads. Fix: add "
    "--engine spark (and --spark-master URL for a cluster)."
)


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="where the rows are counted: pandas (in memory), duckdb (out of "
                        "core, embedded), spark (a cluster); auto: duckdb for Parquet, "
                        "folders, globs and large CSV files, pandas otherwise")
    parser.add_argument("--spark-master", default="local[*]", metavar="URL",
                        help="with --engine spark: local[*], local[2], spark://host:7077, yarn")
    parser.add_argument("--spark-conf", action="append", default=[], metavar="KEY=VALUE",
                        help="with --engine spark: a Spark setting (repeat for more)")


def choose_engine(engine: str, paths: Sequence[str | None]) -> str:
    """The engine ``--engine`` asks for; for ``auto``, by format and size."""
    given = [p for p in paths if p]
    if engine != "auto":
        if engine != "spark":
            for path in given:
                if path.startswith(TABLE_PREFIX):
                    raise AuditInputError(TABLE_NEEDS_SPARK.format(path=path))
        return engine
    if any(p.startswith(TABLE_PREFIX) for p in given):
        return "spark"
    for path in given:
        if glob.has_magic(path) or os.path.isdir(path) or is_parquet(path):
            return "duckdb"
        if os.path.isfile(path) and os.path.getsize(path) > duckdb_above_bytes():
            return "duckdb"
    return "pandas"


def refuse_row_options(args: argparse.Namespace, engine: str) -> None:
    """A model, the cross-check and bands need every row: only the pandas engine.
    (``--explain`` runs on a sample drawn inside the engine: `audit.explain.explain_source`.)

    ``--bin`` stays here: quantile bands (``age=q4``) need the whole column's quantiles, and
    a band's category has to be checked and sorted as ``prepare`` does before any count."""
    for option, used in (("--model", args.model), ("--crosscheck", args.crosscheck),
                         ("--bin", getattr(args, "bin", None))):
        if used and engine != "pandas":
            raise AuditInputError(NEEDS_ROWS.format(option=option, engine=engine))


def load(path: str, limits: Limits) -> AuditInput:
    """One input for the pandas engine: Parquet (a file, folder or glob) or a CSV file."""
    if glob.has_magic(path) or os.path.isdir(path) or is_parquet(path):
        from audit.sources import read_parquet  # pyarrow.parquet loads on use

        return read_parquet(path, max_bytes=limits.max_bytes, max_rows=limits.max_rows)
    return read_path(path, max_bytes=limits.max_bytes, max_rows=limits.max_rows)


def _conf(values: Sequence[str]) -> dict[str, str]:
    conf = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip():
            raise AuditInputError(BAD_SPARK_CONF.format(value=value))
        conf[key.strip()] = setting.strip()
    return conf


def _exists(path: str | None) -> None:
    """A plain path that names nothing gets ``read_path``'s message, whatever the engine."""
    if path and not path.startswith(TABLE_PREFIX) and "://" not in path \
            and not glob.has_magic(path) and not os.path.exists(path):
        raise AuditInputError(MSG_FILE_NOT_FOUND.format(path=path))


def open_source(engine: str, args: argparse.Namespace) -> Any:
    """The DuckDB or Spark source over ``--data`` (and ``--predictions``)."""
    _exists(args.data)
    _exists(args.predictions)
    from audit.sources import DuckDBSource, SparkSource, spark_session  # loaded on use

    if engine == "duckdb":
        return DuckDBSource(args.data, predictions=args.predictions, id_column=args.id_column)
    conf = _conf(args.spark_conf)
    session = spark_session(args.spark_master, conf)
    return SparkSource(args.data, predictions=args.predictions, id_column=args.id_column,
                       spark=session)
