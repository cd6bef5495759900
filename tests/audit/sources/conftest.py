"""Builders for the sources' tests: files written to disk so that every source reads the
same bytes (the one Spark session, `spark`, is in tests/audit/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from audit.inputs import AuditInput, AuditSpec, read_path
from audit.sources import DuckDBSource, PandasSource, read_parquet

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "sample_data"


def load(path: Path) -> AuditInput:
    """A table as the in-memory path loads it: CSV with read_path, Parquet with
    read_parquet."""
    if path.is_dir() or path.suffix == ".parquet":
        return read_parquet(path)
    return read_path(path)


def pandas_source(data: Path, predictions: Path | None = None,
                  id_column: str | None = None) -> PandasSource:
    return PandasSource(dataset=load(data), predictions=load(predictions) if predictions else None,
                        id_column=id_column)


def duckdb_source(data: Path, predictions: Path | None = None,
                  id_column: str | None = None) -> DuckDBSource:
    return DuckDBSource(data, predictions=predictions, id_column=id_column,
                        memory_limit="500MB", threads=2)


def spark_builder(spark) -> Callable[..., object]:
    from audit.sources import SparkSource

    def build(data: Path, predictions: Path | None = None, id_column: str | None = None):
        return SparkSource(data, predictions=predictions, id_column=id_column, spark=spark)
    return build


def write(frame: pd.DataFrame, folder: Path, name: str, fmt: str) -> Path:
    """Write ``frame`` as CSV (pandas' to_csv) or Parquet (pyarrow) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:  # a column of text and numbers is written as text, as a CSV would hold it
        mixed = {c: frame[c].map(lambda v: v if v is None or pd.isna(v) else str(v))
                 for c in frame.columns
                 if frame[c].dtype == object and frame[c].dropna().map(type).nunique() > 1}
        table = pa.Table.from_pandas(frame.assign(**mixed), preserve_index=False)
        pq.write_table(table, path)
    return path


def random_tables(seed: int, rows: int, *, labels: tuple[str, str], with_score: bool,
                  join: str, unknown: bool, numeric_codes: bool
                  ) -> tuple[pd.DataFrame, pd.DataFrame | None, AuditSpec, str | None]:
    """A random audit: string (or 0/1) labels, a group with no favorable label, unknown
    categories (and ``NA``, a category as written), scores with ties, and a predictions
    file joined by id (whole numbers, or digits with leading zeros kept as written) or by
    row order.

    Returns the dataset, the predictions (None when the dataset holds them), the spec and
    the id column.
    """
    rng = np.random.default_rng(seed)
    sexes = ["female", "male"] + (["Unknown"] if unknown else [])
    races = ["Asian", "Black", "White", "Hispanic"] + (["not reported", "NA"] if unknown else [])
    sex = rng.choice(sexes, size=rows)
    race = rng.choice(races, size=rows, p=None)
    favorable, other = labels
    base = np.where(race == "Black", 0.0, 0.5)  # a group with no favorable label
    y = rng.random(rows) < base
    y_hat = np.where(rng.random(rows) < 0.8, y, ~y)
    frame = pd.DataFrame({
        "person": [f"{i:05d}" for i in rng.permutation(rows)] if join != "int" else
        rng.permutation(rows) * 7 + 3,
        "sex": sex,
        "race": race,
        "band": rng.integers(1, 4, size=rows) if numeric_codes else rng.choice(["a", "b"], rows),
        "income": rng.normal(50, 10, size=rows).round(2),
        "outcome": np.where(y, favorable, other),
    })
    predictions = pd.DataFrame({
        "person": frame["person"],
        "decision": np.where(y_hat, favorable, other),
    })
    if with_score:
        score = np.clip(0.5 * y_hat + rng.normal(0.25, 0.2, size=rows), 0, 1)
        predictions["risk"] = np.round(score, 2) if seed % 2 else score
    spec = AuditSpec(label="outcome", prediction="decision",
                     sensitive=("sex", "race", "band"), score="risk" if with_score else None,
                     favorable=favorable)
    if join == "none":
        return frame.join(predictions.drop(columns=["person"])), None, spec, None
    if join == "order":
        return frame.drop(columns=["person"]), predictions.drop(columns=["person"]), spec, None
    shuffled = predictions.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return frame, shuffled, spec, "person"
