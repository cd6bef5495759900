"""Sources: where the rows are counted, each returning the same small `CellTable`.

A *source* holds a table (a dataset, optionally joined to a predictions table by id or by
row order) and answers two questions about it for an `AuditSpec`:

- ``cell_table(spec)``: the confusion counts of every *finest cell* (one observed
  combination of the sensitive columns' values), each sensitive column's categories, and
  with a score the per-cell score histograms, exact power sums and median
  (`CellTable`, `ScoreTable`). Every statistic of the audit is a function of these sums;
- ``sample(spec, per_cell=..., seed=...)``: a stratified, seeded sample of rows drawn
  inside the engine, for what needs rows (explanations, proxies, consistency)
  (`RowSample`).

Three sources, one contract:

- `PandasSource`: loaded tables in memory (today's path, and the reference in tests);
- `DuckDBSource`: CSV or Parquet files, folders or globs scanned by an embedded DuckDB,
  out of core under a memory limit;
- `SparkSource`: the same in Spark (``local[*]`` or a cluster), also ``table:NAME``;
  PySpark is an optional extra (`spark_session` says how to install it when missing).

Bad input gets ``audit.inputs``' own messages from every source: the checks run over a
profile of the role columns (missing cells and the rows holding them, distinct values,
numeric range), not over the rows. `read_parquet` loads a Parquet table into an
``AuditInput`` for the in-memory path.
"""

from __future__ import annotations

from audit.sources._cells import Attribute, CellTable, RowSample, ScoreTable
from audit.sources._duckdb import DuckDBSource
from audit.sources._pandas import PandasSource
from audit.sources._parquet import read_parquet
from audit.sources._spark import SparkSource, spark_session

__all__ = [
    "Attribute",
    "CellTable",
    "DuckDBSource",
    "PandasSource",
    "RowSample",
    "ScoreTable",
    "SparkSource",
    "read_parquet",
    "spark_session",
]
