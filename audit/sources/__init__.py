"""Sources: where the rows are counted (pandas in memory, DuckDB out of core, Spark on a
cluster), each returning the same small `CellTable`.
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
