"""Uploads: the in-memory threshold shared with the CLI, the pair rule, and the private
temporary file of a spilled upload (its mode, its first rows, its removal)."""

from __future__ import annotations

import gc
import os
import stat

import pytest

from audit import AuditInputError
from audit.inputs import read_csv
from audit.sources import duckdb_above_bytes, read_upload, spill_upload, upload_engine
from audit.sources._uploads import MSG_UPLOAD_LOOKS_CSV, MSG_UPLOAD_NOT_PARQUET
from tests.conftest import SAMPLE_DATASET


@pytest.mark.parametrize(("value", "expected"), [
    ("", 100 * 2**20), ("0", 0), ("2", 2 * 2**20), ("0.5", 2**19), ("-1", 100 * 2**20),
    ("lots", 100 * 2**20), ("nan", 100 * 2**20), ("inf", 100 * 2**20)])
def test_the_threshold_reads_the_clis_variable(value, expected):
    assert duckdb_above_bytes({"AUDIT_DUCKDB_ABOVE_MB": value}) == expected


def test_one_large_file_sends_the_pair_to_duckdb():
    env = {"AUDIT_DUCKDB_ABOVE_MB": "1"}
    assert upload_engine([10, 2**20], env) == "pandas"
    assert upload_engine([10, 2**20 + 1], env) == "duckdb"
    assert upload_engine([], env) == "pandas"


def test_a_spilled_upload_is_private_previewed_and_removed():
    data = SAMPLE_DATASET.read_bytes()
    spilled = spill_upload(data, name="../applicants.csv", preview_rows=100)
    path = spilled.on_disk.path
    assert os.path.basename(path) == "applicants.csv"  # no way out of its folder
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path, "rb") as handle:
        assert handle.read() == data
    whole = read_csv(data, name="../applicants.csv")
    assert spilled.provenance == whole.provenance
    assert spilled.frame.equals(whole.frame.head(100))
    del spilled
    gc.collect()
    assert not os.path.exists(os.path.dirname(path))


def test_a_csv_named_parquet_is_refused_in_both_paths():
    data = SAMPLE_DATASET.read_bytes()
    expected = MSG_UPLOAD_NOT_PARQUET.format(file="a.parquet", detail=MSG_UPLOAD_LOOKS_CSV)
    for read in (read_upload, spill_upload):
        with pytest.raises(AuditInputError) as err:
            read(data, name="a.parquet")
        assert str(err.value) == expected
