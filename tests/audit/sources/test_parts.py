"""The sources' parts: the public face, the missing-value texts, the score formulas, the
row hash and the stratified sample."""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction

import duckdb
import numpy as np
import pytest
from pandas._libs.parsers import STR_NA_VALUES

import audit.sources
from audit.inputs import AuditSpec
from audit.sources._dialect import Dialect
from audit.sources._reduce import ScoreScale
from audit.sources._sample import PRIME, RowHash
from audit.sources._spark import MSG_NO_SPARK
from audit.sources._values import NA_TEXTS, read_distinct

from .conftest import ROOT, SAMPLES, duckdb_source, pandas_source, spark_builder

LENDING = (SAMPLES / "lending_applicants.csv", SAMPLES / "lending_predictions.csv",
           "applicant_id")
LENDING_SPEC = AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                         favorable="approved")


def test_the_face_is_sorted_and_resolves():
    assert audit.sources.__doc__
    assert list(audit.sources.__all__) == sorted(audit.sources.__all__)
    for name in audit.sources.__all__:
        assert getattr(audit.sources, name) is not None


def test_importing_the_sources_loads_no_pyspark():
    code = "import sys, audit.sources; print('pyspark' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.stdout.strip() == "False", done.stderr


def test_without_pyspark_the_message_says_how_to_install_it():
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "from audit.sources import spark_session\n"
            "try:\n    spark_session()\nexcept Exception as err:\n"
            "    print(type(err).__name__); print(err)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    kind, message = done.stdout.strip().split("\n", 1)
    assert kind == "AuditInputError"
    detail = message[message.index("(") + 1:message.index(")")]
    assert message == MSG_NO_SPARK.format(detail=detail)
    assert "pip install .[spark]" in message and "Java 17" in message


def test_the_missing_texts_are_pandas_own():
    assert set(NA_TEXTS) == set(STR_NA_VALUES)


def test_raw_csv_cells_are_typed_as_pandas_types_the_column():
    assert read_distinct(["1", "007", None]).texts == ("1", "7", None)
    assert read_distinct(["1.0", "2.5"]).texts == ("1", "2.5")
    assert read_distinct(["true", "False"]).texts == ("True", "False")
    assert read_distinct(["T", "F"]).texts == ("T", "F")
    assert read_distinct([" yes ", "NA", "n/a", ""]).texts == ("yes", None, None, None)
    assert read_distinct(["line\nbreak", "x"]).texts == ("line\nbreak", "x")
    assert read_distinct(["1", "2"]).kind == "integer"
    assert read_distinct(["0.5", "1"]).kind == "float"


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (-3.5, 2.25), (300.0, 850.0),
                                           (1e-9, 3e-9), (0.5, 0.5)])
def test_quantised_powers_are_within_half_a_quantum(low, high):
    scale = ScoreScale.of(low, high, bins=100)
    scores = np.random.default_rng(1).uniform(low, high, 2000)
    for p, (quantised, quantum) in enumerate(zip(scale.quantised(scores), scale.quanta,
                                                 strict=True)):
        assert quantised is not None and np.abs(quantised).max() < 2**52
        exact = [Fraction(float(s)) ** (p + 1) for s in scores]
        worst = max(abs(Fraction(int(q)) * Fraction(quantum) - e)
                    for q, e in zip(quantised, exact, strict=True))
        rounding = max(exact) * Fraction(2) ** -52 * 3  # the power's own float rounding
        assert worst <= Fraction(quantum) / 2 + rounding


def test_bins_never_decrease_and_cover_the_range():
    scale = ScoreScale.of(0.1, 0.9, bins=7)
    scores = np.sort(np.random.default_rng(2).uniform(0.1, 0.9, 5000))
    bins = scale.bin_of(np.concatenate([[0.1], scores, [0.9]]))
    assert bins[0] == 0 and bins[-1] == 6 and np.all(np.diff(bins) >= 0)


def test_duckdb_evaluates_the_numpy_formulas_bit_for_bit():
    d = Dialect("duckdb")
    scale = ScoreScale.of(-0.3, 1.7, bins=13)
    scores = np.random.default_rng(3).uniform(-0.3, 1.7, 3000)
    row_hash = RowHash.of(11)
    positions = np.random.default_rng(4).integers(0, 2**40, 3000)
    con = duckdb.connect()
    con.register("t", {"s": scores, "r": positions})
    powers = [q for q in d.quantised("s", scale) if q is not None]
    got = con.sql(f"SELECT {d.score_bin('s', scale)} AS b, {', '.join(powers)}, "
                  f"{row_hash.sql('r')} AS h FROM t").fetchnumpy()
    assert np.array_equal(got["b"], scale.bin_of(scores))
    for column, expected in zip(list(got)[1:5], scale.quantised(scores), strict=True):
        assert np.array_equal(got[column], expected)
    assert np.array_equal(got["h"], row_hash.numpy(positions))
    assert got["h"].min() >= 0 and got["h"].max() < PRIME


def test_the_row_hash_spreads_rows_evenly():
    values = RowHash.of(5).numpy(np.arange(200_000)) / PRIME
    counts, _ = np.histogram(values, bins=10, range=(0, 1))
    assert np.all(np.abs(counts - 20_000) < 5 * math.sqrt(20_000))


@pytest.mark.parametrize("seed", [0, 7])
def test_pandas_and_duckdb_draw_the_same_stratified_sample(seed):
    mine = pandas_source(*LENDING).sample(LENDING_SPEC, per_cell=25, seed=seed)
    with duckdb_source(*LENDING) as source:
        theirs = source.sample(LENDING_SPEC, per_cell=25, seed=seed)
    assert np.array_equal(mine.position, theirs.position)
    assert np.array_equal(mine.cell, theirs.cell)
    assert np.array_equal(mine.cell_rows, theirs.cell_rows)
    assert mine.frame["applicant_id"].tolist() == theirs.frame["applicant_id"].tolist()
    assert mine.frame["income"].tolist() == theirs.frame["income"].tolist()
    sizes = np.bincount(mine.cell, minlength=mine.cell_rows.size)
    assert np.array_equal(sizes, np.minimum(mine.cell_rows, 25))


def test_a_sample_row_is_the_row_it_names_and_seeds_differ():
    source = pandas_source(*LENDING)
    sample = source.sample(LENDING_SPEC, per_cell=10, seed=1)
    rows = source.joined(LENDING_SPEC).iloc[sample.position - 1].reset_index(drop=True)
    assert rows.equals(sample.frame)
    table = source.cell_table(LENDING_SPEC)
    for k, row in zip(sample.cell, sample.frame.itertuples(), strict=True):
        names = [a.categories[c] for a, c in zip(table.attributes, table.codes[k], strict=True)]
        assert names == [row.sex, row.race]
    other = source.sample(LENDING_SPEC, per_cell=10, seed=2)
    assert not np.array_equal(sample.position, other.position)


def test_spark_draws_the_same_sample(spark):
    mine = pandas_source(*LENDING).sample(LENDING_SPEC, per_cell=25, seed=3)
    theirs = spark_builder(spark)(*LENDING).sample(LENDING_SPEC, per_cell=25, seed=3)
    assert np.array_equal(mine.position, theirs.position)
    assert np.array_equal(mine.cell, theirs.cell)
