"""Sources: where the rows are counted, each returning the same small `CellTable`.

A *source* holds a table (a dataset, optionally joined to a predictions table by id or by
row order) and answers two questions about it for an `AuditSpec`:

- ``cell_table(spec)``: the confusion counts of every *finest cell* (one observed
  combination of the sensitive columns' values), each sensitive column's categories, and
  with a score the per-cell score histograms, exact power sums and median
  (`CellTable`, `ScoreTable`). Every statistic of the audit is a function of these sums;
- ``sample(spec, per_cell=..., seed=...)``: a stratified, seeded sample of rows drawn
  inside the engine, for what needs rows (explanations, proxies, consistency)
  (`RowSample`): up to ``per_cell`` rows of every finest cell, or ``per_cell[k]`` of
  cell ``k`` (`proportional_quotas`: in proportion to the cells' sizes).

Three sources, one contract:

- `PandasSource`: loaded tables in memory (today's path, and the reference in tests);
- `DuckDBSource`: CSV or Parquet files, folders or globs scanned by an embedded DuckDB,
  out of core under a memory limit;
- `SparkSource`: the same in Spark (``local[*]`` or a cluster), also ``table:NAME``;
  PySpark is an optional extra (`spark_session` says how to install it when missing).

Bad input gets ``audit.inputs``' own messages from every source: the checks run over a
profile of the role columns (missing cells and the rows holding them, distinct values,
numeric range), not over the rows. `read_parquet` loads a Parquet table into an
``AuditInput`` for the in-memory path. For uploads (the dashboard): `read_upload` reads a
CSV or Parquet upload in memory; `upload_engine` sends files above `duckdb_above_bytes`
(``AUDIT_DUCKDB_ABOVE_MB``, shared with the CLI) to DuckDB, and `spill_upload` writes
such a file to a private temporary file, keeping only its first rows in memory.
"""

from __future__ import annotations

from audit._lazy import lazy_names
from audit.sources._cells import (
    RANKS_ROWS,
    Attribute,
    CellTable,
    RowSample,
    ScoreRanks,
    ScoreTable,
)
from audit.sources._pandas import PandasSource
from audit.sources._reduce import DEFAULT_BINS, scores_from_rows
from audit.sources._sample import proportional_quotas, stratified_rows
from audit.sources._values import text_of

# the engines load on first use: importing the face (as the engine does) loads no DuckDB
__getattr__, __dir__ = lazy_names(__name__, {
    "DuckDBSource": "audit.sources._duckdb",
    "SparkSource": "audit.sources._spark",
    "read_parquet": "audit.sources._parquet",
    "spark_session": "audit.sources._spark",
    **{name: "audit.sources._uploads" for name in (
        "DEFAULT_DUCKDB_ABOVE_MB", "NEEDS_ROWS_IN_MEMORY", "OUT_OF_CORE", "OUT_OF_CORE_WITH",
        "PREVIEW_ROWS", "duckdb_above_bytes", "is_parquet", "needs_rows_note",
        "out_of_core_note", "read_upload", "spill_upload", "upload_engine", "upload_values")},
})

__all__ = [
    "Attribute",
    "CellTable",
    "DEFAULT_BINS",
    "DEFAULT_DUCKDB_ABOVE_MB",
    "DuckDBSource",
    "NEEDS_ROWS_IN_MEMORY",
    "OUT_OF_CORE",
    "OUT_OF_CORE_WITH",
    "PREVIEW_ROWS",
    "PandasSource",
    "RANKS_ROWS",
    "RowSample",
    "ScoreRanks",
    "ScoreTable",
    "SparkSource",
    "duckdb_above_bytes",
    "is_parquet",
    "needs_rows_note",
    "out_of_core_note",
    "proportional_quotas",
    "read_parquet",
    "read_upload",
    "scores_from_rows",
    "spark_session",
    "spill_upload",
    "stratified_rows",
    "text_of",
    "upload_engine",
    "upload_values",
]
