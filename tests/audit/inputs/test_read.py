"""Tests for audit._load: reading uploaded CSV bytes and joining dataset with predictions."""

from __future__ import annotations

import codecs
import hashlib
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit._errors import AuditInputError, ColumnError, CSVFormatError, JoinError
from audit.inputs import AuditInput, join_inputs, read_csv, read_path
from audit.inputs._join import (
    MSG_ID_BLANK,
    MSG_ID_COLUMN_MISSING,
    MSG_ID_DUPLICATED,
    MSG_ID_NO_MATCH,
    MSG_ID_UNMATCHED,
    MSG_JOIN_BY_ROW_ORDER,
    MSG_OVERLAPPING_COLUMNS,
    MSG_ROW_COUNT_MISMATCH,
)
from audit.inputs._read import (
    MSG_BINARY,
    MSG_BLANK_COLUMNS,
    MSG_CANNOT_OPEN,
    MSG_DUPLICATE_COLUMNS,
    MSG_EMPTY_FILE,
    MSG_FILE_NOT_FOUND,
    MSG_HEADER_ONLY,
    MSG_RAGGED_ROW,
    MSG_TOO_LARGE,
    MSG_TOO_MANY_ROWS,
    MSG_UNCLOSED_QUOTE,
    MSG_UNSUPPORTED_DELIMITER,
    MSG_UTF16,
    _scan_quotes,
)

NAME = "applicants.csv"


def read(data: bytes, **options: int) -> AuditInput:
    return read_csv(data, name=NAME, **options)  # type: ignore[arg-type]


def refused(data: bytes, error: type[AuditInputError] = CSVFormatError, **options: int) -> str:
    """The message ``read_csv`` refuses ``data`` with, checking the exception's class."""
    with pytest.raises(error) as info:
        read(data, **options)
    return str(info.value)


# --- what a good file gives -------------------------------------------------------------


def test_provenance_of_a_plain_file() -> None:
    data = b"id,sex,score\n1,female,0.25\n2,male,0.75\n3,female,0.5\n"
    loaded = read(data)
    assert loaded.provenance.name == NAME
    assert loaded.provenance.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.provenance.rows == 3
    assert loaded.provenance.columns == ("id", "sex", "score")
    assert loaded.provenance.encoding == "utf-8"
    assert loaded.provenance.delimiter == ","
    assert list(loaded.frame.columns) == ["id", "sex", "score"]
    assert loaded.frame["id"].tolist() == [1, 2, 3]
    assert loaded.frame["score"].tolist() == [0.25, 0.75, 0.5]
    assert loaded.frame["sex"].tolist() == ["female", "male", "female"]


def test_values_are_not_coerced_and_names_are_stripped() -> None:
    loaded = read(b" id , label ,note\n007,1,=cmd|' /C calc'!A0\n008,0,<b>x</b>\n")
    assert loaded.provenance.columns == ("id", "label", "note")
    assert loaded.frame["label"].tolist() == [1, 0]
    assert loaded.frame["note"].tolist() == ["=cmd|' /C calc'!A0", "<b>x</b>"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_supported_delimiter(delimiter: str) -> None:
    other = ";" if delimiter == "," else ","
    text = delimiter.join(["id", "city", "score"]) + "\n"
    text += delimiter.join(["1", f'"Paris{other} France"', "0.5"]) + "\n"
    text += delimiter.join(["2", f"Lyon{other}x", "1.5"]) + "\n"
    loaded = read(text.encode())
    assert loaded.provenance.delimiter == delimiter
    assert loaded.provenance.columns == ("id", "city", "score")
    assert loaded.frame["city"].tolist() == [f"Paris{other} France", f"Lyon{other}x"]
    assert loaded.frame["score"].tolist() == [0.5, 1.5]


def test_semicolon_file_with_decimal_commas() -> None:
    loaded = read(b"name;score;group\nAnna;0,5;a\nBen;1,25;b\n")
    assert loaded.provenance.delimiter == ";"
    assert loaded.provenance.columns == ("name", "score", "group")


def test_quoted_delimiter_in_the_header_does_not_split_it() -> None:
    loaded = read(b'"last, first",age\n"Doe, Jane",41\n')
    assert loaded.provenance.columns == ("last, first", "age")


def test_one_column_file() -> None:
    loaded = read(b"prediction\n1\n0\n1\n")
    assert loaded.provenance.columns == ("prediction",)
    assert loaded.provenance.delimiter == ","
    assert loaded.frame["prediction"].tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("data", "encoding", "city"),
    [
        ("id,city\n1,Zürich\n".encode(), "utf-8", "Zürich"),
        (codecs.BOM_UTF8 + "id,city\n1,Zürich\n".encode(), "utf-8-sig", "Zürich"),
        ("id,city\n1,Zürich\n2,Orléans\n".encode("latin-1"), "latin-1", "Zürich"),
        ("id,city\n1,“Zürich”\n2,5 €\n".encode("cp1252"), "cp1252", "“Zürich”"),
    ],
)
def test_encodings(data: bytes, encoding: str, city: str) -> None:
    loaded = read(data)
    assert loaded.provenance.encoding == encoding
    assert loaded.provenance.columns == ("id", "city")
    assert loaded.frame["city"].iloc[0] == city
    assert loaded.provenance.sha256 == hashlib.sha256(data).hexdigest()


def test_crlf_and_cr_line_endings() -> None:
    for newline in ("\r\n", "\r"):
        loaded = read(newline.join(["a,b", "1,x", "2,y", ""]).encode())
        assert loaded.frame["b"].tolist() == ["x", "y"]


def test_quoted_values_spanning_lines_small_and_large() -> None:
    small = read(b'id,note\n1,"two\nlines"\n2,plain\n')
    assert small.frame["note"].tolist() == ["two\nlines", "plain"]
    # Large enough for several of pyarrow's blocks: the reader must not split a value.
    rows = [f'{i},"line {i}\nnext, ""quoted""",{i % 2}' for i in range(60_000)]
    data = ("id,note,label\n" + "\n".join(rows) + "\n").encode()
    loaded = read(data)
    assert loaded.provenance.rows == 60_000
    assert loaded.frame["note"].iloc[59_999] == 'line 59999\nnext, "quoted"'
    assert loaded.frame["label"].tolist() == [i % 2 for i in range(60_000)]


def test_bytearray_is_accepted() -> None:
    assert read(bytearray(b"a,b\n1,2\n")).provenance.rows == 1  # type: ignore[arg-type]


# --- each refusal, with its exact message ---------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t\n", codecs.BOM_UTF8 + b"\n \n"])
def test_empty_file(data: bytes) -> None:
    assert refused(data) == MSG_EMPTY_FILE.format(file=NAME)


@pytest.mark.parametrize("data", [b"id,label\n", b"id,label", b"id,label\n\n\n", b"label\n"])
def test_header_only(data: bytes) -> None:
    assert refused(data) == MSG_HEADER_ONLY.format(file=NAME)


def test_header_only_larger_than_the_sniffed_prefix() -> None:
    header = ",".join(f"column_{i}" for i in range(40_000)) + "\n" + "\n" * 10
    assert refused(header.encode()) == MSG_HEADER_ONLY.format(file=NAME)


def test_duplicate_column_names_are_found_before_pandas_renames_them() -> None:
    message = refused(b"id,score,label, score\n1,2,3,4\n", ColumnError)
    assert message == MSG_DUPLICATE_COLUMNS.format(file=NAME, columns="'score'")


def test_several_duplicate_column_names() -> None:
    message = refused(b"a,b,a,c,b\n1,2,3,4,5\n", ColumnError)
    assert message == MSG_DUPLICATE_COLUMNS.format(file=NAME, columns="'a', 'b'")


def test_html_in_a_column_name_stays_plain_text() -> None:
    message = refused(b"<b>x</b>,<b>x</b>\n1,2\n", ColumnError)
    assert message == MSG_DUPLICATE_COLUMNS.format(file=NAME, columns="'<b>x</b>'")


@pytest.mark.parametrize(
    ("data", "positions"),
    [(b",id,label\n0,1,1\n", "1"), (b"id, ,label,\n1,2,3,4\n", "2, 4"), (b'""\n1\n', "1")],
)
def test_blank_column_names(data: bytes, positions: str) -> None:
    message = refused(data, ColumnError)
    assert message == MSG_BLANK_COLUMNS.format(file=NAME, positions=positions)


def test_row_with_more_fields_than_the_header() -> None:
    with pytest.raises(CSVFormatError) as info:
        read(b"id,label\n1,0\n2,1\n3,1,extra\n4,0\n")
    expected = MSG_RAGGED_ROW.format(file=NAME, line=4, found=3, expected=2, delimiter="comma")
    assert str(info.value) == expected
    assert info.value.__cause__ is not None  # the parser's own error is chained


def test_row_with_fewer_fields_and_a_blank_line_before_it() -> None:
    message = refused(b"id;label;group\n1;0;a\n\n2;1\n")
    assert message == MSG_RAGGED_ROW.format(
        file=NAME, line=4, found=2, expected=3, delimiter="semicolon"
    )


def test_ragged_row_in_a_file_with_multiline_values() -> None:
    message = refused(b'id\tnote\n1\t"a\nb"\n2\tx\ty\n')
    assert message == MSG_RAGGED_ROW.format(file=NAME, line=4, found=3, expected=2, delimiter="tab")


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'id,note\n1,ok\n2,"never closed\n3,x\n', 3),  # would swallow the rest silently
        (b'id,note\n1,ok\n"2,x\n3,y\n', 3),
        (b'id,note\r\n1,"a ""quoted"" word"\r\n2,"open\r\n', 3),
    ],
)
def test_unclosed_quote(data: bytes, line: int) -> None:
    assert refused(data) == MSG_UNCLOSED_QUOTE.format(file=NAME, line=line)


def test_file_over_the_size_limit() -> None:
    data = b"id,label\n" + b"1,0\n" * 100
    message = refused(data, AuditInputError, max_bytes=200)
    assert message == MSG_TOO_LARGE.format(
        file=NAME, size_mb=len(data) / 2**20, size=len(data), limit_mb=200 / 2**20, limit=200
    )
    assert "409 bytes" in message and "200 bytes" in message
    assert read(data, max_bytes=len(data)).provenance.rows == 100


def test_file_over_the_row_limit() -> None:
    data = b"id,label\n" + b"1,0\n" * 11
    message = refused(data, AuditInputError, max_rows=10)
    assert message == MSG_TOO_MANY_ROWS.format(file=NAME, rows=11, limit=10)
    assert read(data, max_rows=11).provenance.rows == 11


@pytest.mark.parametrize("separator", ["|", "^", "~"])
def test_unsupported_delimiter(separator: str) -> None:
    data = separator.join(["id", "sex", "label"]) + "\n" + separator.join(["1", "f", "0"])
    message = refused(data.encode())
    assert message == MSG_UNSUPPORTED_DELIMITER.format(file=NAME, separator=separator)
    assert "'|'" in MSG_UNSUPPORTED_DELIMITER.format(file=NAME, separator="|")


def test_pipe_inside_a_one_column_name_is_not_a_separator() -> None:
    loaded = read(b"p(y=1|x)\n0.25\n0.5\n")
    assert loaded.provenance.columns == ("p(y=1|x)",)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16(codec: str) -> None:
    data = "id,city\n1,Zürich\n2,Köln\n".encode(codec)
    message = refused(data)
    assert message == MSG_UTF16.format(file=NAME)
    assert "save it as CSV UTF-8 from Excel: File > Save As > CSV UTF-8" in message


ZIP_KIND = "a ZIP archive (an Excel .xlsx workbook is one)"
NUL_KIND = "a binary file (it contains zero bytes, which a text file never has)"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", ZIP_KIND),
        (b"PAR1\x15\x04\x15\x10", "a Parquet file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "an old Excel workbook (.xls)"),
        (b"id,label\n1,0\n\x00\x00\x13\x87\xff\x00", NUL_KIND),
    ],
)
def test_binary(data: bytes, kind: str) -> None:
    assert refused(data) == MSG_BINARY.format(file=NAME, kind=kind)


def test_long_names_are_shortened_in_messages() -> None:
    long = "x" * 500
    message = refused(f"{long},{long}\n1,2\n".encode(), ColumnError)
    assert message == MSG_DUPLICATE_COLUMNS.format(file=NAME, columns=repr("x" * 79 + "…"))


# --- reading from disk -----------------------------------------------------------------------


def test_read_path(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n")
    loaded = read_path(path)
    assert loaded.provenance.name == "data.csv"
    assert loaded.frame.to_dict("list") == {"a": [1], "b": [2]}
    assert read_path(str(path), max_rows=1).provenance.rows == 1


def test_read_path_messages_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_bytes(b"a,a\n1,2\n")
    with pytest.raises(ColumnError) as info:
        read_path(path)
    assert str(info.value) == MSG_DUPLICATE_COLUMNS.format(file="dup.csv", columns="'a'")

    path.write_bytes(b"a\n" + b"1\n" * 1000)
    with pytest.raises(AuditInputError) as info:
        read_path(path, max_bytes=100)
    assert str(info.value) == MSG_TOO_LARGE.format(
        file="dup.csv", size_mb=2002 / 2**20, size=2002, limit_mb=100 / 2**20, limit=100
    )


def test_read_path_missing_file_and_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(AuditInputError) as info:
        read_path(missing)
    assert str(info.value) == MSG_FILE_NOT_FOUND.format(path=str(missing))
    with pytest.raises(AuditInputError) as info:
        read_path(tmp_path)
    assert str(info.value) == MSG_CANNOT_OPEN.format(path=str(tmp_path), reason="Is a directory")


# --- joining -----------------------------------------------------------------------------------

DATASET = "dataset.csv"
PREDICTIONS = "predictions.csv"


def loaded(text: str, name: str) -> AuditInput:
    return read_csv(text.encode(), name=name)


def test_join_by_id_follows_the_dataset_order() -> None:
    dataset = loaded("pid,sex,label\n3,f,1\n1,m,0\n2,f,0\n4,m,1\n", DATASET)
    predictions = loaded("pid,prediction,score\n2,1,0.2\n4,0,0.4\n3,1,0.3\n1,0,0.1\n", PREDICTIONS)
    frame, warnings = join_inputs(dataset=dataset, predictions=predictions, id_column="pid")
    expected = pd.DataFrame(
        {
            "pid": ["3", "1", "2", "4"],  # ids are handed on as written
            "sex": ["f", "m", "f", "m"],
            "label": [1, 0, 0, 1],
            "prediction": [1, 0, 1, 0],
            "score": [0.3, 0.1, 0.2, 0.4],
        }
    )
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    assert warnings == ()


def test_join_compares_ids_as_stripped_text() -> None:
    dataset = loaded("id,label\n7,1\n8,0\n", DATASET)
    predictions = loaded('id,prediction\n" 8",1\n7 ,0\n', PREDICTIONS)
    frame, _ = join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert frame["prediction"].tolist() == [0, 1]
    assert frame["id"].tolist() == ["7", "8"]  # as written in the dataset


def test_join_large_shuffled_matches_a_hand_built_join() -> None:
    rng = np.random.default_rng(0)
    ids = rng.permutation(5000)
    dataset = loaded("id,x\n" + "".join(f"p{i},{i * 2}\n" for i in ids), DATASET)
    shuffled = rng.permutation(ids)
    predictions = loaded("id,y\n" + "".join(f"p{i},{i * 3}\n" for i in shuffled), PREDICTIONS)
    frame, _ = join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert frame["id"].tolist() == [f"p{i}" for i in ids]
    assert (frame["y"].to_numpy() == ids * 3).all()
    assert (frame["x"].to_numpy() == ids * 2).all()


def test_join_by_row_order_warns() -> None:
    dataset = loaded("sex,label\nf,1\nm,0\n", DATASET)
    predictions = loaded("prediction\n0\n1\n", PREDICTIONS)
    frame, warnings = join_inputs(dataset=dataset, predictions=predictions, id_column=None)
    assert frame.to_dict("list") == {"sex": ["f", "m"], "label": [1, 0], "prediction": [0, 1]}
    assert warnings == (MSG_JOIN_BY_ROW_ORDER.format(dataset=DATASET, predictions=PREDICTIONS),)
    assert warnings[0] == (
        "Joined 'dataset.csv' and 'predictions.csv' by row order because no id column was "
        "given; give an id column if the rows might not be in the same order."
    )


def test_join_by_row_order_needs_equal_row_counts() -> None:
    dataset = loaded("person_id,age,label\n1,30,1\n2,40,0\n3,50,1\n", DATASET)
    predictions = loaded("age,person_id,prediction\n30,1,1\n40,2,0\n", PREDICTIONS)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column=None)
    assert str(info.value) == MSG_ROW_COUNT_MISMATCH.format(
        dataset=DATASET,
        dataset_rows=3,
        predictions=PREDICTIONS,
        predictions_rows=2,
        candidates=" (both files have 'person_id', 'age')",
    )


def test_row_count_mismatch_without_shared_columns() -> None:
    dataset = loaded("a\n1\n2\n", DATASET)
    predictions = loaded("b\n1\n", PREDICTIONS)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column=None)
    assert str(info.value) == MSG_ROW_COUNT_MISMATCH.format(
        dataset=DATASET, dataset_rows=2, predictions=PREDICTIONS, predictions_rows=1, candidates=""
    )


@pytest.mark.parametrize(
    ("dataset_text", "predictions_text", "role", "file", "columns"),
    [
        ("key,label\n1,1\n", "id,pred\n1,1\n", "dataset", DATASET, "'key', 'label'"),
        ("id,label\n1,1\n", "key,pred\n1,1\n", "predictions", PREDICTIONS, "'key', 'pred'"),
    ],
)
def test_id_column_missing(
    dataset_text: str, predictions_text: str, role: str, file: str, columns: str
) -> None:
    dataset, predictions = loaded(dataset_text, DATASET), loaded(predictions_text, PREDICTIONS)
    with pytest.raises(ColumnError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert str(info.value) == MSG_ID_COLUMN_MISSING.format(
        column="id", role=role, file=file, columns=columns
    )


def test_duplicate_ids() -> None:
    dataset = loaded("id,label\n1,1\n2,0\n1,1\n3,0\n2,1\n2,0\n", DATASET)
    predictions = loaded("id,prediction\n1,1\n2,0\n3,1\n", PREDICTIONS)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert str(info.value) == MSG_ID_DUPLICATED.format(
        column="id", role="dataset", file=DATASET, count=2, examples="'1', '2'"
    )
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=predictions, predictions=dataset, id_column="id")
    assert str(info.value) == MSG_ID_DUPLICATED.format(
        column="id", role="predictions", file=DATASET, count=2, examples="'1', '2'"
    )


def test_blank_ids() -> None:
    dataset = loaded("id,label\n1,1\n,0\n3,1\n", DATASET)
    predictions = loaded("id,prediction\n1,1\n2,0\n3,1\n", PREDICTIONS)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert str(info.value) == MSG_ID_BLANK.format(
        column="id", role="dataset", file=DATASET, count=1, row=2
    )


@pytest.mark.parametrize(("dataset_csv", "predictions_csv", "counts", "examples"), [
    ("id,label\n" + "".join(f"{i},1\n" for i in range(1, 8)),
     "id,prediction\nA1,1\nA2,0\nA3,1\n",
     (7, 3), ("'1', '2', '3', '4', '5'", "'A1', 'A2', 'A3'")),
    # ids are text: "007" is not "7" ("x8" keeps the column text)
    ("id,label\n007,1\nx8,0\n", "id,prediction\n7,1\n8,0\n",
     (2, 2), ("'007', 'x8'", "'7', '8'")),
], ids=["no-overlap", "leading-zeros"])
def test_no_id_matches(dataset_csv: str, predictions_csv: str, counts: tuple[int, int],
                       examples: tuple[str, str]) -> None:
    dataset = loaded(dataset_csv, DATASET)
    predictions = loaded(predictions_csv, PREDICTIONS)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert str(info.value) == MSG_ID_NO_MATCH.format(
        column="id", dataset=DATASET, dataset_count=counts[0], dataset_examples=examples[0],
        predictions=PREDICTIONS, predictions_count=counts[1], predictions_examples=examples[1],
    )


@pytest.mark.parametrize(("dataset_ids", "prediction_ids", "unmatched", "examples"), [
    (range(1, 11), [1, 2, 3, 4, 11, 12], (6, 2), ("'5', '6', '7', '8', '9' and 1 more",
                                                 "'11', '12'")),
    ([1, 2], [1, 2, 3], (0, 1), ("none", "'3'")),
], ids=["both-sides", "one-side-only"])
def test_some_ids_unmatched(dataset_ids, prediction_ids, unmatched: tuple[int, int],
                            examples: tuple[str, str]) -> None:
    dataset = loaded("id,label\n" + "".join(f"{i},1\n" for i in dataset_ids), DATASET)
    predictions = loaded("id,prediction\n" + "".join(f"{i},0\n" for i in prediction_ids),
                         PREDICTIONS)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column="id")
    assert str(info.value) == MSG_ID_UNMATCHED.format(
        column="id", dataset=DATASET, dataset_unmatched=unmatched[0],
        dataset_count=len(dataset_ids), dataset_examples=examples[0], predictions=PREDICTIONS,
        predictions_unmatched=unmatched[1], predictions_count=len(prediction_ids),
        predictions_examples=examples[1],
    )


@pytest.mark.parametrize("id_column", ["id", None])
def test_overlapping_columns(id_column: str | None) -> None:
    dataset = loaded("id,label,score\n1,1,0.5\n", DATASET)
    predictions = loaded("id,score,label,prediction\n1,0.4,1,1\n", PREDICTIONS)
    with pytest.raises(ColumnError) as info:
        join_inputs(dataset=dataset, predictions=predictions, id_column=id_column)
    columns = "'label', 'score'" if id_column else "'id', 'label', 'score'"
    assert str(info.value) == MSG_OVERLAPPING_COLUMNS.format(
        columns=columns, dataset=DATASET, predictions=PREDICTIONS
    )


def test_no_predictions_file() -> None:
    dataset = loaded("id,label,prediction\n1,1,0\n2,0,0\n", DATASET)
    frame, warnings = join_inputs(dataset=dataset, predictions=None, id_column=None)
    assert frame is dataset.frame and warnings == ()
    frame, _ = join_inputs(dataset=dataset, predictions=None, id_column="id")
    assert frame is dataset.frame
    with pytest.raises(ColumnError) as info:
        join_inputs(dataset=dataset, predictions=None, id_column="key")
    assert str(info.value) == MSG_ID_COLUMN_MISSING.format(
        column="key", role="dataset", file=DATASET, columns="'id', 'label', 'prediction'"
    )
    repeated = loaded("id,label,prediction\n1,1,0\n1,0,0\n", DATASET)
    with pytest.raises(JoinError) as info:
        join_inputs(dataset=repeated, predictions=None, id_column="id")
    assert str(info.value) == MSG_ID_DUPLICATED.format(
        column="id", role="dataset", file=DATASET, count=1, examples="'1'"
    )


# --- the quote scanner against a byte-by-byte reference ---------------------------------------


def reference_scan(buf: bytes, delimiter: int) -> tuple[int | None, bool]:
    """pyarrow's quoting rules one byte at a time: (offset of an unclosed quote, multiline)."""
    inside, at_start, opened, multiline, i = False, True, -1, False, 0
    while i < len(buf):
        byte = buf[i]
        if inside:
            if byte == 0x22 and i + 1 < len(buf) and buf[i + 1] == 0x22:
                i += 2
                continue
            if byte == 0x22:
                inside, at_start = False, False
            elif byte in (10, 13):
                multiline = True
        elif byte == 0x22 and at_start:
            inside, opened, at_start = True, i, False
        else:
            at_start = byte in (delimiter, 10, 13)
        i += 1
    return (opened, True) if inside else (None, multiline)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b'"', b'"', b",", b";", b"a", b"\n", b"\r", b"\r\n"]), max_size=60),
    st.sampled_from([1, 2, 3, 8, 1 << 20]),
)
def test_quote_scan_matches_the_reference(parts: list[bytes], chunk: int) -> None:
    buf = b"".join(parts)
    for delimiter in ",;":
        got = _scan_quotes(buf, delimiter, chunk)
        want = reference_scan(buf, ord(delimiter))
        assert got[0] == want[0]
        if want[0] is None:
            assert got[1] == want[1]


# --- whatever the bytes, the answer is a table or an AuditInputError ---------------------------

VALID = [
    b'id,sex,label,score\n1,f,1,0.5\n2,m,0,0.25\n3,"x, y",1,\n',
    b'id;city;score\n1;M\xc3\xbcnchen;0,5\n2;"K\xc3\xb6ln";1,5\n',
    b'a\tb\n1\t"two\nlines"\n2\tz\n',
    codecs.BOM_UTF8 + b"prediction\n1\n0\n",
]


INSERTS = [b'"', b",", b";", b"\t", b"|", b"\n", b"\r", b"\x00"]


def mutate(data: bytes, rng: random.Random, steps: int) -> bytes:
    """Truncate, insert quotes/separators/NULs/line breaks, drop or repeat bytes, re-encode."""
    for _ in range(steps):
        op = rng.randrange(6)
        at = rng.randrange(len(data) + 1)
        if op == 0:
            data = data[:at]
        elif op == 1:
            data = data[:at] + rng.choice(INSERTS) + data[at:]
        elif op == 2:
            data = data[:at] + data[at + 1 :]
        elif op == 3:
            codec = rng.choice(["latin-1", "cp1252", "utf-16"])
            data = data.decode("utf-8", "replace").encode(codec, "replace")
        elif op == 4:
            data = data + data[at:]
        else:
            data = data[:at] + bytes([rng.randrange(256)]) + data[at:]
    return data


def read_or_refuse(data: bytes) -> None:
    try:
        loaded = read_csv(data, name="fuzz.csv", max_rows=10_000)
    except AuditInputError as err:
        assert str(err)
        return
    assert loaded.provenance.rows == len(loaded.frame) > 0
    assert loaded.provenance.columns == tuple(loaded.frame.columns)
    assert all(name and name == name.strip() for name in loaded.provenance.columns)
    assert len(set(loaded.provenance.columns)) == len(loaded.provenance.columns)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_are_read_or_refused(data: bytes) -> None:
    read_or_refuse(data)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.randoms(use_true_random=False), st.integers(1, 4))
def test_mutated_csvs_are_read_or_refused(data: bytes, rng: random.Random, steps: int) -> None:
    read_or_refuse(mutate(data, rng, steps))
