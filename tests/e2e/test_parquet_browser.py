"""Issue 13's dashboard step in a real browser: a Parquet file is uploaded, counted by
DuckDB out of memory (the server's threshold is set low, ``AUDIT_DUCKDB_ABOVE_MB``), the
page says so, and the verdict reads as for a CSV file.

Starts ``streamlit run app.py`` on a free port and drives the system Chromium
(``benchmarks/server.py``), on synthetic data made here: 2,000 people, women approved at
half the rate of men (30% against 60%). Screenshots go to ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page

from audit.engine import audit_inputs
from audit.inputs import AuditSpec
from audit.sources import read_upload
from benchmarks.server import idle, nav

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROWS = 2_000
THRESHOLD_MB = "0.01"  # 10 KB: the Parquet file below is larger, so DuckDB counts it


@pytest.fixture(scope="module")
def parquet(tmp_path_factory) -> Path:
    rng = np.random.default_rng(13)
    sex = np.array(["female", "male"] * (ROWS // 2))
    approved = np.where(sex == "female", rng.random(ROWS) < 0.3, rng.random(ROWS) < 0.6)
    truth = np.where(rng.random(ROWS) < 0.85, approved, ~approved)
    path = tmp_path_factory.mktemp("parquet") / "applicants.parquet"
    pd.DataFrame({
        "applicant_id": np.arange(ROWS), "sex": sex,
        "income": rng.normal(50_000, 15_000, ROWS).round(2),
        "outcome": np.where(truth, "approved", "denied"),
        "decision": np.where(approved, "approved", "denied"),
    }).to_parquet(path, index=False)
    assert path.stat().st_size > float(THRESHOLD_MB) * 2**20
    return path


@pytest.fixture(scope="module")
def duckdb_server(streamlit_server, tmp_path_factory) -> Iterator[str]:
    """A server with a low DuckDB threshold and a history of its own."""
    history = tmp_path_factory.mktemp("history") / "history.sqlite3"
    with streamlit_server("streamlit-parquet.log", {"AUDIT_DB_URL": f"sqlite:///{history}",
                                                   "AUDIT_DUCKDB_ABOVE_MB": THRESHOLD_MB,
                                                   "AUDIT_BOARD": None}) as url:
        yield url


def test_a_parquet_upload_is_counted_by_duckdb_and_audited(page: Page, duckdb_server: str,
                                                            parquet: Path):
    page.goto(f"{duckdb_server}/upload")
    spec = AuditSpec(label="outcome", prediction="decision", sensitive=("sex",),
                     favorable="approved", outcome_meaning="approved")
    expected = audit_inputs(dataset=read_upload(parquet.read_bytes(), name=parquet.name),
                            predictions=None, spec=spec).result
    statuses = [f.status for f in expected.findings]

    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(parquet))
    page.get_by_text(f"{ROWS:,} rows × 5 columns").wait_for()
    idle(page)
    page.get_by_text("counted by DuckDB out of memory").first.wait_for()
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="DuckDB")
    size = f"{parquet.stat().st_size / 1024:,.0f} KB"
    assert (f"applicants.parquet is {size}, more than the 10 KB this server reads into "
            "memory: it is counted by DuckDB out of memory") in (alert.text_content() or "")
    run = page.get_by_role("button", name="Run audit")
    run.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                           "(b) => b.innerText.includes('Run audit') && !b.disabled)")
    run.click()
    page.get_by_text("2. Read the disparities").wait_for()  # the run opens the verdict
    idle(page)
    nav(page, "Upload")  # where the run is summed up
    ready = page.get_by_text("Audit ready for applicants.parquet")
    ready.wait_for()
    idle(page)
    text = " ".join((ready.text_content() or "").split())
    assert (f"Audit ready for applicants.parquet: {ROWS:,} rows; FAILED: "
            f"{statuses.count('fail')} of {len(statuses)} checks failed, "
            f"{statuses.count('inconclusive')} inconclusive.") == text
    assert expected.verdict == "fail"
    assert page.get_by_text("Traceback").count() == 0
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "upload_parquet_duckdb.png"))
