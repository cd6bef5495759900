"""Issue 13's dashboard step in a real browser: a Parquet file is uploaded, counted by
DuckDB out of memory (the server's threshold is set low, ``AUDIT_DUCKDB_ABOVE_MB``), the
page says so, and the verdict reads as for a CSV file.

Starts ``streamlit run app.py`` on a free port and drives the system Chromium
(``benchmarks/server.py``), on synthetic data made here: 2,000 people, women approved at
half the rate of men (30% against 60%). Screenshots go to ``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, sync_playwright

from audit.engine import audit_inputs
from audit.inputs import AuditSpec
from audit.sources import read_upload
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, stop_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
STEP_TIMEOUT_MS = 180_000
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
def page(tmp_path_factory) -> Iterator[Page]:
    """A server with a low DuckDB threshold, and a Chromium tab on it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs the system Chromium. "
                    "Install it with: apt-get update && apt-get install -y chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    history = tmp_path_factory.mktemp("history") / "history.sqlite3"
    port = free_port()
    try:
        process = start_server(port, ARTIFACTS / "streamlit-parquet.log",
                               env={**os.environ, "AUDIT_DB_URL": f"sqlite:///{history}",
                                    "AUDIT_DUCKDB_ABOVE_MB": THRESHOLD_MB})
    except (RuntimeError, TimeoutError) as err:
        pytest.fail(str(err))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(STEP_TIMEOUT_MS)
            tab.goto(f"http://127.0.0.1:{port}/upload")
            yield tab
            browser.close()
    finally:
        stop_server(process)


def _idle(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def test_a_parquet_upload_is_counted_by_duckdb_and_audited(page: Page, parquet: Path):
    spec = AuditSpec(label="outcome", prediction="decision", sensitive=("sex",),
                     favorable="approved", outcome_meaning="approved")
    expected = audit_inputs(dataset=read_upload(parquet.read_bytes(), name=parquet.name),
                            predictions=None, spec=spec).result
    statuses = [f.status for f in expected.findings]

    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(parquet))
    page.get_by_text(f"{ROWS:,} rows × 5 columns").wait_for()
    _idle(page)
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
    ready = page.get_by_text("Audit ready for applicants.parquet")
    ready.wait_for()
    _idle(page)
    text = " ".join((ready.text_content() or "").split())
    assert (f"Audit ready for applicants.parquet: {ROWS:,} rows; FAILED: "
            f"{statuses.count('fail')} of {len(statuses)} checks failed, "
            f"{statuses.count('inconclusive')} inconclusive.") == text
    assert expected.verdict == "fail"
    assert page.get_by_text("Traceback").count() == 0
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "upload_parquet_duckdb.png"))
