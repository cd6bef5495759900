"""Every source gives the same cell table for the same files.

The in-memory source is checked first against the engine's own path (``prepare`` and
``count_cells``) and against direct numpy computations of the score facts; DuckDB and
Spark are then checked against it on random files: string labels, a group with no
favorable label, unknown categories, intersections that never occur, scores with ties,
and predictions joined by id (numbers or text) or by row order, in CSV and in Parquet.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from audit.engine._counts import count_cells
from audit.inputs import INTERSECTION_SEP, AuditSpec, join_inputs, prepare
from audit.sources import CellTable, PandasSource

from .conftest import (
    SAMPLES,
    duckdb_source,
    load,
    pandas_source,
    random_tables,
    spark_builder,
    write,
)

LABELS = [("approved", "denied"), ("1", "0"), ("Hired", "rejected"), ("True", "False")]
CASES = dict(
    seed=st.integers(0, 2**31 - 1), rows=st.integers(12, 160), labels=st.sampled_from(LABELS),
    with_score=st.booleans(), join=st.sampled_from(["none", "int", "text", "order"]),
    unknown=st.booleans(), numeric_codes=st.booleans(), fmt=st.sampled_from(["csv", "parquet"]),
)
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]


def files(folder: Path, seed: int, rows: int, fmt: str, **knobs: object
          ) -> tuple[Path, Path | None, AuditSpec, str | None]:
    dataset, predictions, spec, id_column = random_tables(seed, rows, **knobs)  # type: ignore[arg-type]
    data = write(dataset, folder, "dataset", fmt)
    extra = write(predictions, folder, "predictions", fmt) if predictions is not None else None
    return data, extra, spec, id_column


def reference_check(source: PandasSource, table: CellTable, spec: AuditSpec, data, extra,
                    id_column) -> None:
    """The pandas source against ``prepare`` + ``count_cells`` and numpy."""
    frame, _ = join_inputs(dataset=load(data), predictions=load(extra) if extra else None,
                           id_column=id_column, as_written=spec.sensitive)
    prepared = prepare(frame, spec, id_column=id_column)
    counted = count_cells(prepared)
    assert np.array_equal(table.counts, counted.cells)
    assert [a.categories for a in table.attributes] == [s.categories for s in prepared.sensitive]
    assert [a.unknown for a in table.attributes] == [s.unknown for s in prepared.sensitive]
    names = [INTERSECTION_SEP.join(a.categories[c] for a, c in zip(table.attributes, row,
                                                                      strict=True))
             for row in table.codes.tolist()]
    assert tuple(names) == counted.groupings[-1].labels
    assert table.favorable == prepared.favorable
    if spec.score is None:
        assert table.scores is None
        return
    scores = table.scores
    assert scores is not None
    s, y, cell = prepared.score, prepared.y_true, counted.row_cell
    assert scores.median == np.median(s)
    for k in range(table.cells):
        for label in (0, 1):
            mine = s[(cell == k) & (y == bool(label))]
            assert scores.counts[k, label].sum() == mine.size
            assert scores.above_median[k, label] == int((mine > np.median(s)).sum())
            for p in range(4):
                exact = math.fsum(float(Fraction(v) ** (p + 1)) for v in mine)
                slack = scores.quanta[p] * (mine.size / 2 + 1) + 1e-12 * abs(exact)
                assert abs(scores.moments[k, label, p] - exact) <= slack
    edges = scores.edges
    position = np.repeat(np.arange(scores.bins), scores.counts.sum(axis=(0, 1)))
    ordered = np.sort(s)
    assert np.all(ordered >= edges[position] - 1e-9) and np.all(ordered <= edges[position + 1]
                                                                   + 1e-9)
    if 0 < y.sum() < y.size:  # the histogram AUC is within its stated bound of the exact one
        negatives, positives = scores.counts[:, 0].sum(axis=0), scores.counts[:, 1].sum(axis=0)
        below = np.cumsum(negatives) - negatives
        auc = (positives * (below + negatives / 2)).sum() / (positives.sum() * negatives.sum())
        assert abs(auc - roc_auc_score(y, s)) <= scores.auc_error_bound() + 1e-12


@settings(max_examples=30, deadline=None, suppress_health_check=SLOW)
@given(**CASES)
def test_the_pandas_source_counts_what_prepare_and_count_cells_count(tmp_path_factory, seed, rows,
                                                                     fmt, **knobs):
    data, extra, spec, id_column = files(tmp_path_factory.mktemp("p"), seed, rows, fmt, **knobs)
    source = pandas_source(data, extra, id_column)
    reference_check(source, source.cell_table(spec, bins=50), spec, data, extra, id_column)


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(**CASES)
def test_duckdb_counts_what_pandas_counts(tmp_path_factory, seed, rows, fmt, **knobs):
    data, extra, spec, id_column = files(tmp_path_factory.mktemp("d"), seed, rows, fmt, **knobs)
    expected = pandas_source(data, extra, id_column).cell_table(spec, bins=50)
    with duckdb_source(data, extra, id_column) as source:
        got = source.cell_table(spec, bins=50)
    assert got.engine == "duckdb" and expected.engine == "pandas"
    assert got.same_as(expected)


@settings(max_examples=4, deadline=None, suppress_health_check=SLOW)
@given(**CASES)
def test_spark_counts_what_pandas_counts(spark, tmp_path_factory, seed, rows, fmt, **knobs):
    data, extra, spec, id_column = files(tmp_path_factory.mktemp("s"), seed, rows, fmt, **knobs)
    expected = pandas_source(data, extra, id_column).cell_table(spec, bins=50)
    got = spark_builder(spark)(data, extra, id_column).cell_table(spec, bins=50)
    assert got.same_as(expected)


SAMPLE_SPECS = [
    ("lending_applicants.csv", "lending_predictions.csv", "applicant_id",
     AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
               favorable="approved")),
    ("hiring.csv", None, None,
     AuditSpec(label="qualified", prediction="shortlisted", favorable="1", score="score",
               sensitive=("gender", "ethnicity", "age_band"))),
]


@pytest.mark.parametrize(("data", "extra", "id_column", "spec"), SAMPLE_SPECS)
def test_the_sample_files_give_one_table_in_pandas_and_duckdb(data, extra, id_column, spec):
    paths = (SAMPLES / data, SAMPLES / extra if extra else None, id_column)
    source = pandas_source(*paths)
    expected = source.cell_table(spec)
    reference_check(source, expected, spec, *paths)
    with duckdb_source(*paths) as duck:
        assert duck.cell_table(spec).same_as(expected)


@pytest.mark.parametrize(("data", "extra", "id_column", "spec"), SAMPLE_SPECS)
def test_the_sample_files_give_one_table_in_spark(spark, data, extra, id_column, spec):
    paths = (SAMPLES / data, SAMPLES / extra if extra else None, id_column)
    expected = pandas_source(*paths).cell_table(spec)
    assert spark_builder(spark)(*paths).cell_table(spec).same_as(expected)


def test_spark_counts_a_table_of_its_catalog(spark, tmp_path):
    from audit._errors import AuditInputError
    from audit.sources import SparkSource
    from audit.sources._spark import MSG_NO_TABLE

    path = write(load(SAMPLES / "hiring.csv").frame, tmp_path, "hiring", "parquet")
    spark.read.parquet(str(path)).createOrReplaceTempView("audit_test_hiring")
    spec = SAMPLE_SPECS[1][3]
    got = SparkSource("table:audit_test_hiring", spark=spark).cell_table(spec)
    assert got.same_as(pandas_source(path).cell_table(spec))
    with pytest.raises(AuditInputError) as info:
        SparkSource("table:no_such_table", spark=spark)
    assert str(info.value) == MSG_NO_TABLE.format(name="no_such_table",
                                                  given="table:no_such_table")


def test_a_parquet_folder_and_its_glob_count_as_the_whole_file(tmp_path):
    frame = load(SAMPLES / "hiring.csv").frame
    for i, start in enumerate(range(0, len(frame), 700)):
        write(frame.iloc[start:start + 700], tmp_path / "parts", f"part-{i:03d}", "parquet")
    (tmp_path / "parts" / "_SUCCESS").write_bytes(b"")
    spec = SAMPLE_SPECS[1][3]
    expected = pandas_source(SAMPLES / "hiring.csv").cell_table(spec)
    for path in (tmp_path / "parts", f"{tmp_path}/parts/part-*.parquet"):
        with duckdb_source(Path(path)) as source:
            assert source.cell_table(spec).same_as(expected)
        assert pandas_source(Path(path)).cell_table(spec).same_as(expected)


@pytest.mark.parametrize(("encoding", "separator", "ending"), [
    ("utf-8-sig", ";", "\r\n"), ("latin-1", "\t", "\n"), ("utf-8", ",", "\r\n")])
def test_csv_dialects_count_alike(tmp_path, encoding: str, separator: str, ending: str):
    """Byte order mark, Latin-1, semicolons and tabs, CRLF, quoted separators and a value
    spanning lines: DuckDB reads the categories pandas reads."""
    rng = np.random.default_rng(5)
    race = rng.choice(["Black, African", "Métis", "White", 'Say "no"', "two\nlines"], 300)
    frame = load(SAMPLES / "hiring.csv").frame.head(300).assign(ethnicity=race)
    path = tmp_path / "dialect.csv"
    frame.to_csv(path, sep=separator, index=False, encoding=encoding, lineterminator=ending)
    spec = SAMPLE_SPECS[1][3]
    expected = pandas_source(path).cell_table(spec)
    assert "two\nlines" in expected.attributes[1].categories
    with duckdb_source(path) as source:
        assert source.cell_table(spec).same_as(expected)
