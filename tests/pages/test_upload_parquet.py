"""Upload page with Parquet files and with files above the in-memory threshold: the same
audit, number for number, as the CSV files in memory; the page says where the rows were
counted; a bad Parquet file gets its own message."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from audit.engine import SourceRun, audit_inputs
from audit.inputs import AuditSpec, read_csv
from audit.record import build_record
from pages._ui.widgets import plain
from tests.conftest import SAMPLE_DATASET, SAMPLE_PREDICTIONS, open_details, upload
from tests.conftest import run_audit as press_run

# the spec the page writes for the lending sample once race's reference is White
SPEC = AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                 favorable="approved", outcome_meaning="approved",
                 reference={"race": "White"}, sex_column="sex", race_column="race")
# what differs between two records of the same audit: identity, time, files, engine
VARIABLE = ("audit_id", "created_at", "inputs", "environment")


def parquet_of(path: Any) -> bytes:
    """The CSV file's table written as Parquet (its columns as pandas types them)."""
    buffer = io.BytesIO()
    pd.read_csv(path).to_parquet(buffer, index=False)
    return buffer.getvalue()


def csv_record() -> dict[str, Any]:
    dataset = read_csv(SAMPLE_DATASET.read_bytes(), name=SAMPLE_DATASET.name)
    predictions = read_csv(SAMPLE_PREDICTIONS.read_bytes(), name=SAMPLE_PREDICTIONS.name)
    run = audit_inputs(dataset=dataset, predictions=predictions, spec=SPEC,
                       id_column="applicant_id")
    return build_record(run)


def run_audit(at: AppTest) -> AppTest:
    at.multiselect(key="role_sensitive").set_value(["sex", "race"])
    open_details(at, "details_advanced").selectbox(key="role_reference::race").set_value("White")
    at.run()
    press_run(at)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def same_numbers(record: dict[str, Any], expected: dict[str, Any]) -> None:
    assert record.keys() == expected.keys()
    for key in record:
        if key not in VARIABLE:
            assert record[key] == expected[key], key


def test_a_parquet_upload_audits_like_its_csv(upload_page):
    at = upload(upload_page, "upload_dataset", name="applicants.parquet",
                data=parquet_of(SAMPLE_DATASET))
    at = upload(at, "upload_predictions", name="predictions.parquet",
                data=parquet_of(SAMPLE_PREDICTIONS))
    assert not at.exception and not at.error
    assert at.selectbox(key="role_id").value == "applicant_id"
    assert at.selectbox(key="role_favorable").value == "approved"
    assert not at.info or all("DuckDB" not in i.value for i in at.info)
    at = run_audit(at)

    run = at.session_state["run"]
    record = build_record(run)
    assert record["environment"]["engine"] == "pandas"
    assert [p.encoding for _, p in run.inputs] == ["parquet", "parquet"]
    same_numbers(record, csv_record())
    statuses = [f["status"] for f in record["findings"]]
    assert at.success[0].value == (
        "Audit ready for applicants.parquet and predictions.parquet: 6,000 rows; "
        f"FAILED: {statuses.count('fail')} of {len(statuses)} checks failed, "
        f"{statuses.count('inconclusive')} inconclusive.")


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_a_file_above_the_threshold_is_counted_by_duckdb(upload_page, monkeypatch, parquet):
    # 0.1 MB (102 KB): the dataset is above it, so the pair goes to DuckDB
    monkeypatch.setenv("AUDIT_DUCKDB_ABOVE_MB", "0.1")
    if parquet:
        names = ("applicants.parquet", "predictions.parquet")
        data = (parquet_of(SAMPLE_DATASET), parquet_of(SAMPLE_PREDICTIONS))
    else:
        names = (SAMPLE_DATASET.name, SAMPLE_PREDICTIONS.name)
        data = (SAMPLE_DATASET.read_bytes(), SAMPLE_PREDICTIONS.read_bytes())
    at = upload(upload_page, "upload_dataset", name=names[0], data=data[0])
    at = upload(at, "upload_predictions", name=names[1], data=data[1])
    assert not at.exception and not at.error
    dataset = at.session_state["dataset"]
    assert dataset.on_disk is not None and dataset.provenance.rows == 6_000
    size = f"{len(data[0]) / 1024:,.0f} KB"
    assert at.info[0].value == plain(
        f"{names[0]} is {size}, more than the 102 KB this server reads into memory: it is "
        "counted by DuckDB out of memory, and every number of the audit is the whole file's. "
        "The preview uses its first 6,000 rows, and the choices below list the whole file's "
        "values. Explanations are computed on a stratified sample drawn from the file; "
        "what-if needs every row in memory, so it is not offered for this audit.")
    size = f"{len(data[1]) / 1024:,.0f} KB"  # below the threshold, counted with the dataset
    assert at.info[1].value == plain(
        f"{names[1]} is {size}, but the other file is more than the 102 KB this server reads "
        "into memory, so both are counted by DuckDB out of memory, together; every number of "
        "the audit is the whole files'. The preview uses its first 6,000 rows, and the "
        "choices below list the whole file's values.")
    at = run_audit(at)

    run = at.session_state["run"]
    assert isinstance(run, SourceRun)
    record = build_record(run)
    assert record["environment"]["engine"] == "duckdb"
    assert [p.rows for _, p in run.inputs] == [6_000, 6_000]
    same_numbers(record, csv_record())

    for page in ("fairness", "review", "about", "whatif"):  # they read the result alone
        at.switch_page(f"pages/screens/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page("pages/screens/explanations.py").run()
    assert not at.exception
    assert at.info[0].value == plain(
        f"{names[0]} and {names[1]} are counted by DuckDB out of memory; the files' 6,000 "
        "rows are no more than the 20,000 rows an explanation is computed on, so the "
        "explanations and proxies are computed on every row, read from the files on disk: "
        "the numbers are those of an audit held in memory.")


def test_a_csv_renamed_parquet_gets_its_own_message(upload_page):
    at = upload(upload_page, "upload_dataset", name="applicants.parquet",
                data=SAMPLE_DATASET.read_bytes())
    assert not at.exception
    assert [e.value for e in at.error] == [plain(
        "The file 'applicants.parquet' is not a whole Parquet file: it does not start and end "
        "with the Parquet marker PAR1 (it looks like a CSV file). Fix: upload the Parquet file "
        "itself, as written by pandas, pyarrow, Spark or DuckDB (a CSV file keeps its .csv "
        "name).")]
    assert at.session_state["dataset"] is None


def test_corrupt_parquet_gets_its_own_message(upload_page):
    data = parquet_of(SAMPLE_DATASET)
    cut = data[:4] + b"\x00" * 64 + data[-4:]  # the markers, a footer of zeros
    at = upload(upload_page, "upload_dataset", name="broken.parquet", data=cut)
    assert not at.exception
    assert [e.value for e in at.error] == [plain(
        "The Parquet file 'broken.parquet' could not be read: the reader stopped with the "
        "remark \"Couldn't deserialize thrift: No more data to read.\". Fix: write the file "
        "again with pandas, pyarrow, Spark or DuckDB (a copy cut short or edited by hand "
        "cannot be read), then upload it again.")]


def test_a_parquet_file_cut_short_says_so(upload_page):
    data = parquet_of(SAMPLE_DATASET)
    at = upload(upload_page, "upload_dataset", name="cut.parquet", data=data[:1000])
    assert not at.exception
    assert [e.value for e in at.error] == [plain(
        "The file 'cut.parquet' is not a whole Parquet file: it does not start and end with "
        "the Parquet marker PAR1 (it starts like Parquet but does not end like it: the file "
        "is 1,000 bytes long and looks cut short). Fix: upload the Parquet file itself, as "
        "written by pandas, pyarrow, Spark or DuckDB (a CSV file keeps its .csv name).")]
