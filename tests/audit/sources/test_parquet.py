"""Reading Parquet into an `AuditInput`, and the messages for bad Parquet tables."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audit._errors import AuditInputError, ColumnError
from audit.inputs._read import MSG_DUPLICATE_COLUMNS, MSG_TOO_LARGE, MSG_TOO_MANY_ROWS
from audit.sources import DuckDBSource, read_parquet
from audit.sources._files import (
    MSG_EMPTY_FOLDER,
    MSG_MIXED_FORMATS,
    MSG_NESTED_COLUMNS,
    MSG_NOT_PARQUET,
    MSG_PATH_NOT_FOUND,
    MSG_SCHEMAS_DIFFER,
)
from audit.sources._parquet import MSG_NO_ROWS

FRAME = pd.DataFrame({"person": [1, 2, 3, 4], "sex": ["f", "m", "f", None],
                      "score": [0.1, 0.5, None, 0.9], "approved": [True, False, True, True]})


def parquet(path: Path, frame: pd.DataFrame = FRAME) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def refused(path: Path | str, **limits: int) -> str:
    """The message both the Parquet reader and the DuckDB source refuse ``path`` with."""
    with pytest.raises(AuditInputError) as read:
        read_parquet(path, **limits)
    if not limits:
        with pytest.raises(AuditInputError) as duck:
            DuckDBSource(path)
        assert str(duck.value) == str(read.value)
    return str(read.value)


def test_a_file_reads_as_stored_with_the_sha256_of_its_bytes(tmp_path):
    path = parquet(tmp_path / "people.parquet")
    got = read_parquet(path)
    pd.testing.assert_frame_equal(got.frame, pq.read_table(path).to_pandas(ignore_metadata=True))
    assert got.frame["sex"].isna().tolist() == [False, False, False, True]
    assert got.provenance.name == "people.parquet"
    assert got.provenance.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (got.provenance.rows, got.provenance.columns) == (4, ("person", "sex", "score",
                                                                 "approved"))
    assert (got.provenance.encoding, got.provenance.delimiter) == ("parquet", "")


def test_a_folder_is_its_sorted_files_and_hashes_their_hashes(tmp_path):
    for name, rows in (("part-1.parquet", slice(2, 4)), ("part-0.parquet", slice(0, 2))):
        parquet(tmp_path / "t" / name, FRAME.iloc[rows])
    (tmp_path / "t" / "_SUCCESS").write_bytes(b"")
    (tmp_path / "t" / ".part-0.parquet.crc").write_bytes(b"crc")
    got = read_parquet(tmp_path / "t")
    assert got.frame["person"].tolist() == [1, 2, 3, 4]
    digests = [hashlib.sha256((tmp_path / "t" / f"part-{i}.parquet").read_bytes()).hexdigest()
               for i in (0, 1)]
    assert got.provenance.sha256 == hashlib.sha256("\n".join(digests).encode()).hexdigest()
    assert got.provenance.name == "t"
    by_glob = read_parquet(f"{tmp_path}/t/part-*.parquet")
    pd.testing.assert_frame_equal(by_glob.frame, got.frame)
    assert by_glob.provenance.sha256 == got.provenance.sha256


def test_nothing_there(tmp_path):
    where = str(tmp_path / "nope.parquet")
    assert refused(where) == MSG_PATH_NOT_FOUND.format(path=where)
    pattern = f"{tmp_path}/none-*.parquet"
    assert refused(pattern) == MSG_PATH_NOT_FOUND.format(path=pattern)


def test_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "_SUCCESS").write_bytes(b"")
    assert refused(tmp_path / "empty") == MSG_EMPTY_FOLDER.format(path=str(tmp_path / "empty"))


def test_a_csv_is_not_parquet(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("person,sex\n1,f\n")
    with pytest.raises(AuditInputError) as info:
        read_parquet(path)
    assert str(info.value) == MSG_NOT_PARQUET.format(file="people.csv",
                                                     detail=" (it may be a CSV file)")


def test_a_file_cut_short(tmp_path):
    whole = parquet(tmp_path / "whole.parquet").read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole[: len(whole) // 2])
    detail = f" at its end (it is {len(whole) // 2:,} bytes long and looks cut short)"
    assert refused(cut) == MSG_NOT_PARQUET.format(file="cut.parquet", detail=detail)


def test_files_with_different_columns(tmp_path):
    parquet(tmp_path / "t" / "a.parquet")
    parquet(tmp_path / "t" / "b.parquet", FRAME.drop(columns=["score"]))
    message = refused(tmp_path / "t")
    assert message == MSG_SCHEMAS_DIFFER.format(
        path=str(tmp_path / "t"), first="a.parquet",
        first_columns="'person' (whole numbers), 'sex' (text), 'score' (numbers), 'approved' "
        "(true/false)", other="b.parquet",
        other_columns="'person' (whole numbers), 'sex' (text), 'approved' (true/false)")


def test_csv_and_parquet_mixed_in_a_folder(tmp_path):
    parquet(tmp_path / "t" / "a.parquet")
    (tmp_path / "t" / "b.csv").write_text("person\n1\n")
    assert refused(tmp_path / "t") == MSG_MIXED_FORMATS.format(
        path=str(tmp_path / "t"), csv="b.csv", parquet="a.parquet")


def test_no_rows(tmp_path):
    path = parquet(tmp_path / "none.parquet", FRAME.iloc[:0])
    with pytest.raises(AuditInputError) as info:
        read_parquet(path)
    assert str(info.value) == MSG_NO_ROWS.format(file="none.parquet")


def test_nested_columns(tmp_path):
    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"person": [1], "tags": [["a", "b"]]}), path)
    assert refused(path) == MSG_NESTED_COLUMNS.format(file="nested.parquet", columns="'tags'")


def test_repeated_column_names(tmp_path):
    path = tmp_path / "twice.parquet"
    pq.write_table(pa.table([pa.array([1]), pa.array([2])], names=["a", "a"]), path)
    with pytest.raises(ColumnError) as info:
        read_parquet(path)
    assert str(info.value) == MSG_DUPLICATE_COLUMNS.format(file="twice.parquet", columns="'a'")


def test_limits(tmp_path):
    path = parquet(tmp_path / "people.parquet")
    assert refused(path, max_rows=3) == MSG_TOO_MANY_ROWS.format(file="people.parquet", rows=4,
                                                                 limit=3)
    size = path.stat().st_size
    assert refused(path, max_bytes=100) == MSG_TOO_LARGE.format(
        file="people.parquet", size_mb=size / 2**20, size=size, limit_mb=100 / 2**20,
        limit=100)
