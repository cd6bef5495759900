"""Bad input gets the same message whichever engine reads it.

Each case writes a small bad file; the message the in-memory path gives (``read_path``,
``join_inputs``, ``prepare``: ``audit_inputs``, as the CLI runs it) must come from the
named constant, and every source must give it word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit._errors import AuditInputError
from audit.engine import audit_inputs
from audit.inputs import AuditSpec
from audit.inputs._join import (
    MSG_ID_BLANK,
    MSG_ID_COLUMN_MISSING,
    MSG_ID_DUPLICATED,
    MSG_ID_NO_MATCH,
    MSG_ID_UNMATCHED,
    MSG_OVERLAPPING_COLUMNS,
    MSG_ROW_COUNT_MISMATCH,
)
from audit.inputs._prepare import (
    BAD_MIN_DENOMINATOR,
    BLANK_CELLS,
    EMPTY_CELLS,
    FAVORABLE_AMBIGUOUS,
    FAVORABLE_UNKNOWN,
    MISSING_COLUMN,
    NO_SENSITIVE,
    PROBABILITIES,
    ROLE_CLASH,
    ROLE_NOT_SENSITIVE,
    SCORE_NOT_NUMERIC,
    SENSITIVE_CONTINUOUS,
    SEPARATOR_IN_NAME,
    SEPARATOR_IN_VALUE,
    TOO_MANY_VALUES,
    UNKNOWN_REFERENCE,
    UNKNOWN_REFERENCE_ATTRIBUTE,
    VALUES_DISAGREE,
)
from audit.inputs._read import (
    MAX_VALUE_CHARS,
    MSG_BLANK_COLUMNS,
    MSG_DUPLICATE_COLUMNS,
    MSG_HEADER_ONLY,
    MSG_RAGGED_ROW,
    MSG_VALUE_TOO_LONG,
)
from audit.sources._checks import SCORE_NOT_FINITE
from audit.sources._sql import CAP

from .conftest import duckdb_source, load, pandas_source, spark_builder, write

ROWS = 40
SPEC = AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                 score="risk", favorable="approved")


def base(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "person": np.arange(rows) + 1,
        "sex": rng.choice(["female", "male"], rows),
        "race": rng.choice(["Black", "White", "Unknown"], rows),
        "outcome": rng.choice(["approved", "denied"], rows),
        "decision": rng.choice(["approved", "denied"], rows),
        "risk": rng.random(rows).round(3),
    })


def changed(frame: pd.DataFrame, column: str, rows: list[int], value: object) -> pd.DataFrame:
    frame = frame.copy()
    frame[column] = frame[column].astype(object)
    frame.loc[rows, column] = value
    return frame


@dataclass
class Case:
    """A bad input: the dataset, the predictions (split off the dataset by ``split``),
    the spec, the id column and the constant its message comes from."""

    name: str
    message: str
    dataset: pd.DataFrame = field(default_factory=base)
    spec: AuditSpec = SPEC
    predictions: pd.DataFrame | None = None
    id_column: str | None = None
    formats: tuple[str, ...] = ("csv", "parquet")


def _split(frame: pd.DataFrame, shuffle: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    predictions = frame[["person", "decision", "risk"]]
    if shuffle:
        predictions = predictions.iloc[::-1].reset_index(drop=True)
    return frame.drop(columns=["decision", "risk"]), predictions


def joined(name: str, message: str, dataset: pd.DataFrame | None = None,
           predictions: pd.DataFrame | None = None, id_column: str | None = "person") -> Case:
    left, right = _split(base())
    return Case(name, message, dataset=left if dataset is None else dataset,
                predictions=right if predictions is None else predictions, id_column=id_column)


left, right = _split(base())
probabilities = base(CAP + 200)
probabilities["decision"] = np.random.default_rng(0).random(CAP + 200)
wordy = base(CAP + 200)
wordy["outcome"] = [f"outcome {i:06d}" for i in range(CAP + 200)]

CASES = [
    Case("no sensitive", NO_SENSITIVE, spec=AuditSpec(label="outcome", prediction="decision",
                                                      sensitive=())),
    Case("misspelt column", MISSING_COLUMN, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("sexx",))),
    Case("one column two roles", ROLE_CLASH, spec=AuditSpec(
        label="outcome", prediction="outcome", sensitive=("sex",))),
    Case("label with empty cells", EMPTY_CELLS, dataset=changed(base(), "outcome", [3, 7], None)),
    Case("label with N/A", EMPTY_CELLS, dataset=changed(base(), "outcome", [5], "N/A"),
         formats=("csv",)),  # in Parquet, N/A is text like any other
    Case("label with three values", TOO_MANY_VALUES,
         dataset=changed(base(), "outcome", [2], "maybe")),
    Case("prediction of probabilities", PROBABILITIES,
         dataset=base().assign(decision=np.linspace(0.01, 0.99, ROWS))),
    Case("many probabilities", PROBABILITIES, dataset=probabilities),
    Case("a label of many values", TOO_MANY_VALUES, dataset=wordy),
    Case("label and prediction disagree", VALUES_DISAGREE,
         dataset=base().assign(decision=np.where(np.arange(ROWS) % 2, "yes", "no"))),
    Case("favorable not there", FAVORABLE_UNKNOWN, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("sex",), favorable="granted")),
    Case("favorable unclear", FAVORABLE_AMBIGUOUS, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("sex",)),
         dataset=base().assign(outcome=np.where(np.arange(ROWS) % 2, "A", "B"),
                               decision=np.where(np.arange(ROWS) % 3, "A", "B"))),
    Case("score with empty cells", EMPTY_CELLS, dataset=changed(base(), "risk", [0, 39], None)),
    Case("score of words", SCORE_NOT_NUMERIC, dataset=changed(base(), "risk", [11, 12], "high")),
    Case("sensitive with empty cells", EMPTY_CELLS, dataset=changed(base(), "sex", [4], None)),
    Case("sensitive of blank text", EMPTY_CELLS, dataset=changed(base(), "race", [2, 9], "  ")),
    Case("a value with the intersection sign", SEPARATOR_IN_VALUE,
         dataset=changed(base(), "race", [6], "Black × White")),
    Case("a name with the intersection sign", SEPARATOR_IN_NAME,
         dataset=base().rename(columns={"race": "race × origin"}),
         spec=AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race × origin"),
                        favorable="approved")),
    Case("too few people to judge", BAD_MIN_DENOMINATOR, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("sex",), min_denominator=0)),
    Case("a sex column that is not sensitive", ROLE_NOT_SENSITIVE, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("race",), favorable="approved",
        sex_column="sex")),
    Case("sensitive of many values", SENSITIVE_CONTINUOUS,
         dataset=base(120).assign(race=np.arange(120) % 60 + 18)),
    Case("reference not a group", UNKNOWN_REFERENCE, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("sex",), favorable="approved",
        reference={"sex": "other"})),
    Case("reference not an attribute", UNKNOWN_REFERENCE_ATTRIBUTE, spec=AuditSpec(
        label="outcome", prediction="decision", sensitive=("sex",), favorable="approved",
        reference={"age": "18-29"})),
    joined("id not in predictions", MSG_ID_COLUMN_MISSING,
           predictions=right.rename(columns={"person": "who"})),
    joined("a column in both files", MSG_OVERLAPPING_COLUMNS,
           predictions=right.assign(sex="female")),
    joined("blank ids", MSG_ID_BLANK, dataset=changed(left, "person", [6, 9], None)),
    joined("repeated ids", MSG_ID_DUPLICATED,
           predictions=changed(right, "person", [1, 2, 5], 1)),
    joined("no id matches", MSG_ID_NO_MATCH,
           predictions=right.assign(person=right["person"] + 1000)),
    joined("ids written differently", MSG_ID_NO_MATCH,
           predictions=right.assign(person=right["person"].map("{:03d}".format))),
    joined("some ids unmatched", MSG_ID_UNMATCHED,
           predictions=changed(right, "person", [0, 3], [501, 502])),
    joined("different row counts", MSG_ROW_COUNT_MISMATCH, predictions=right.iloc[:-3],
           id_column=None),
]
SPARK_CASES = {"label with empty cells", "prediction of probabilities", "score of words",
               "sensitive of blank text", "a value with the intersection sign",
               "ids written differently", "blank ids", "repeated ids", "some ids unmatched",
               "different row counts"}


def pattern(constant: str) -> re.Pattern[str]:
    """A regular expression matching any message formatted from ``constant``."""
    parts = re.split(r"\{[^{}]*\}", constant)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)


def paths(case: Case, folder: Path, fmt: str) -> tuple[Path, Path | None, str | None]:
    data = write(case.dataset, folder, "dataset", fmt)
    extra = (write(case.predictions, folder, "predictions", fmt)
             if case.predictions is not None else None)
    return data, extra, case.id_column


def expected_message(data: Path, extra: Path | None, id_column: str | None,
                     case: Case) -> str:
    """The in-memory path's message (the CLI's), checked to come from ``case.message``."""
    with pytest.raises(AuditInputError) as info:
        audit_inputs(dataset=load(data), predictions=load(extra) if extra else None,
                     spec=case.spec, id_column=id_column)
    message = str(info.value)
    assert pattern(case.message).fullmatch(message), message
    return message


def source_message(build, data, extra, id_column, spec: AuditSpec) -> str:
    with pytest.raises(AuditInputError) as info:
        build(data, extra, id_column).cell_table(spec)
    return str(info.value)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_pandas_and_duckdb_give_the_in_memory_message(tmp_path, case: Case, fmt: str):
    if fmt not in case.formats:
        pytest.skip(f"{case.name}: a {'/'.join(case.formats)} case only")
    found = paths(case, tmp_path, fmt)
    expected = expected_message(*found, case)
    assert source_message(pandas_source, *found, case.spec) == expected
    assert source_message(duckdb_source, *found, case.spec) == expected


@pytest.mark.parametrize("case", [c for c in CASES if c.name in SPARK_CASES],
                         ids=[c.name for c in CASES if c.name in SPARK_CASES])
def test_spark_gives_the_in_memory_message(spark, tmp_path, case: Case):
    found = paths(case, tmp_path, "csv")
    expected = expected_message(*found, case)
    assert source_message(spark_builder(spark), *found, case.spec) == expected


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_infinite_scores_are_refused_after_prepares_checks(tmp_path, fmt: str):
    frame = changed(base(), "risk", [4, 20], float("inf"))
    data = write(frame, tmp_path, "scores", fmt)
    expected = SCORE_NOT_FINITE.format(column="risk", file=f"scores.{fmt}", count=2,
                                       rows="5, 21")
    for build in (pandas_source, duckdb_source):
        assert source_message(build, data, None, None, SPEC) == expected
    worse = write(changed(frame, "outcome", [1], "maybe"), tmp_path, "worse", fmt)
    assert pattern(TOO_MANY_VALUES).fullmatch(source_message(duckdb_source, worse, None, None,
                                                             SPEC))


@pytest.mark.parametrize("name", ["many probabilities", "a label of many values"])
def test_a_column_of_too_many_values_is_profiled_alone_with_the_same_message(tmp_path, name):
    """Past the group-by's row cap, each key column is profiled by itself; a column of more
    than CAP distinct values is then listed in part, and counted exactly."""
    case = next(c for c in CASES if c.name == name)
    found = paths(case, tmp_path, "csv")
    source = duckdb_source(*found)
    source.groups_cap = 1_000
    with pytest.raises(AuditInputError) as info:
        source.cell_table(case.spec)
    assert str(info.value) == expected_message(*found, case)


def test_rows_are_named_in_file_order_past_duckdbs_parallel_chunks(tmp_path):
    """Missing cells deep in a large file, read by two threads, are named by their row."""
    frame = base(300_000)
    frame = changed(frame, "sex", [150_001, 299_998], None)
    data = write(frame, tmp_path, "big", "csv")
    expected = EMPTY_CELLS.format(
        column="sex", file="big.csv", count=2, cells=BLANK_CELLS, rows="150002, 299999",
        role="sensitive attribute",
        fix="fill them with an explicit category such as 'Unknown' (it is then counted and "
        "reported as unknown, as the adverse-impact rules require), or remove those rows.")
    assert source_message(duckdb_source, data, None, None, SPEC) == expected


def test_rows_of_a_parquet_folder_are_numbered_across_its_sorted_files(tmp_path):
    frame = changed(base(90), "outcome", [35, 70], None)
    for i in range(3):  # written out of order: the sorted file names decide
        write(frame.iloc[(2 - i) * 30:(3 - i) * 30], tmp_path / "parts", f"part-{2 - i}",
              "parquet")
    message = source_message(duckdb_source, tmp_path / "parts", None, None, SPEC)
    assert "first at data row(s) 36, 71." in message
    assert message == expected_message(tmp_path / "parts", None, None,
                                       Case("parts", EMPTY_CELLS, spec=SPEC))


@pytest.mark.parametrize(("header", "constant"), [
    (b"person,sex,,outcome\n", MSG_BLANK_COLUMNS),
    (b"person,sex,sex,outcome\n", MSG_DUPLICATE_COLUMNS),
])
def test_a_bad_header_gets_read_csvs_message(tmp_path, header: bytes, constant: str):
    path = tmp_path / "bad.csv"
    path.write_bytes(header + b"1,f,x,approved\n")
    with pytest.raises(AuditInputError) as memory:
        load(path)
    with pytest.raises(AuditInputError) as duck:
        duckdb_source(path)
    assert pattern(constant).fullmatch(str(memory.value))
    assert str(duck.value) == str(memory.value)


@pytest.mark.parametrize("body", [b"1,f,approved,denied\n2,m,denied\n",
                                  b"1,f,approved,denied\n2,m,denied,approved,x\n"])
def test_a_row_that_does_not_fit_gets_read_csvs_message(tmp_path, body: bytes):
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"person,sex,outcome,decision\n" + body)
    with pytest.raises(AuditInputError) as memory:
        load(path)
    with pytest.raises(AuditInputError) as duck:
        duckdb_source(path).cell_table(AuditSpec(label="outcome", prediction="decision",
                                                 sensitive=("sex",), favorable="approved"))
    assert pattern(MSG_RAGGED_ROW).fullmatch(str(memory.value))
    assert str(duck.value) == str(memory.value)


def test_a_header_without_rows_gets_read_csvs_message(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"person,sex,outcome,decision\n")
    with pytest.raises(AuditInputError) as duck:
        duckdb_source(path)
    assert str(duck.value) == MSG_HEADER_ONLY.format(file="empty.csv")


def _long_value_cases(folder: Path, fmt: str) -> dict[str, tuple[Path, Path | None, str | None]]:
    """A 10,001-character note in the dataset (row 8), and one of 12,345 characters in the
    predictions (row 3 of that file), each the first over-long value of its file."""
    left, right = _split(base())
    notes = changed(left.assign(note="short"), "note", [7], "x" * (MAX_VALUE_CHARS + 1))
    notes = changed(notes, "note", [20], "y" * (MAX_VALUE_CHARS + 5))
    long_ids = changed(right.assign(comment="ok"), "comment", [2], "é" * 12_345)
    return {
        "dataset": (write(notes, folder / "dataset", "people", fmt),
                    write(right, folder / "dataset", "decisions", fmt), "person"),
        "predictions": (write(left, folder / "predictions", "people", fmt),
                        write(long_ids, folder / "predictions", "decisions", fmt), "person"),
    }


def _long_message(file: str, length: int, column: str, row: int) -> str:
    return MSG_VALUE_TOO_LONG.format(file=file, length=length, column=column, row=row,
                                     limit=MAX_VALUE_CHARS)


LONG = {"dataset": ("people", MAX_VALUE_CHARS + 1, "note", 8),
        "predictions": ("decisions", 12_345, "comment", 3)}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_over_long_value_gets_the_readers_message_from_every_source(tmp_path, fmt):
    for side, found in _long_value_cases(tmp_path, fmt).items():
        name, length, column, row = LONG[side]
        expected = _long_message(f"{name}.{fmt}", length, column, row)
        assert expected.startswith(
            f"The file '{name}.{fmt}' has a value of {length:,} characters in column "
            f"'{column}' (data row {row}, counting the rows below the column names from 1). "
            "Values longer than 10,000 characters are not read")
        data, extra, id_column = found
        with pytest.raises(AuditInputError) as memory:  # the in-memory reader (CLI: pandas)
            load(data if side == "dataset" else extra)
        assert str(memory.value) == expected
        with pytest.raises(AuditInputError) as duck:
            duckdb_source(data, extra, id_column)
        assert str(duck.value) == expected


def test_spark_refuses_an_over_long_value_with_the_readers_message(spark, tmp_path):
    for side, (data, extra, id_column) in _long_value_cases(tmp_path, "csv").items():
        name, length, column, row = LONG[side]
        with pytest.raises(AuditInputError) as info:
            spark_builder(spark)(data, extra, id_column)
        assert str(info.value) == _long_message(f"{name}.csv", length, column, row)


def test_a_value_of_exactly_the_limit_is_read(tmp_path):
    left = base().assign(note="z" * MAX_VALUE_CHARS)
    data = write(left, tmp_path, "people", "parquet")
    assert duckdb_source(data).cell_table(SPEC).rows == ROWS


def test_a_long_value_across_short_lines_is_still_refused_by_duckdb(tmp_path):
    """Every line of this file is short, but one quoted value spans many of them: the
    fast check from the bytes (no quotation mark, short lines) must not let it through."""
    value = "\n".join(["w" * 99] * 120)  # 11,999 characters on lines of 99
    notes = changed(base().assign(note="short"), "note", [4], value)
    data = write(notes, tmp_path, "people", "csv")
    expected = _long_message("people.csv", len(value), "note", 5)
    with pytest.raises(AuditInputError) as memory:
        load(data)
    assert str(memory.value) == expected
    with pytest.raises(AuditInputError) as duck:
        duckdb_source(data)
    assert str(duck.value) == expected


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_longest_unquoted_line_is_the_longest_line_in_bytes(tmp_path, chunk):
    from audit.sources._files import longest_unquoted_line

    rng = np.random.default_rng(5)
    lines = ["é" * int(n) for n in rng.integers(0, 90, 50)] + ["a" * 150, "", "b,c"]
    rng.shuffle(lines)
    path = tmp_path / "lines.csv"
    longest = max(len(line.encode("utf-8")) for line in lines)
    for end, tail, counted in (("\n", "", 0), ("\r\n", "\r\n", 1)):  # a CR counts as a byte
        path.write_bytes((end.join(lines) + tail).encode("utf-8"))
        assert longest_unquoted_line(str(path), chunk=chunk) == longest + counted
    path.write_bytes(b'a,b\n1,"x"\n')
    assert longest_unquoted_line(str(path), chunk=chunk) is None
    assert longest_unquoted_line(str(tmp_path / "absent.csv")) is None
