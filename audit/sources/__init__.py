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
``AuditInput`` for the in-memory path.
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
})

__all__ = [
    "Attribute",
    "CellTable",
    "DEFAULT_BINS",
    "DuckDBSource",
    "PandasSource",
    "RANKS_ROWS",
    "RowSample",
    "ScoreRanks",
    "ScoreTable",
    "SparkSource",
    "proportional_quotas",
    "read_parquet",
    "scores_from_rows",
    "spark_session",
    "stratified_rows",
    "text_of",
]
