"""Explanations of an upload counted out of core by DuckDB: on a stratified sample drawn
from the file on disk (`audit.engine.explain_uploads`, the CLI's own path), stated on the
page and in the record; the choices of the Upload page list the whole file's values.

Up to `DRAWN_ROWS` rows the sample is every row, so the explanations are the in-memory
path's, number for number. Beyond, they are the CLI's ``--engine duckdb --explain`` on the
same file and options, number for number.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from audit.cli import main
from audit.engine import SourceRun
from audit.explain import DRAWN_ROWS
from audit.inputs import find_identifiers
from audit.record import build_record
from pages._ui.widgets import plain
from tests.audit.cli.test_engines import record
from tests.conftest import (
    SAMPLE_DATASET,
    SAMPLE_PREDICTIONS,
    open_details,
    open_page,
    run_audit,
    upload,
)

ROWS = 24_000
LATE = 12_000  # race "C" first appears on this row, after the 10,000 rows of the preview
SAMPLE = 300  # rows explained (SHAP): small, for speed


def lending_explained(at: AppTest) -> AppTest:
    """The lending sample audited with race's reference White, explained on 300 rows."""
    at = upload(at, "upload_dataset", SAMPLE_DATASET)
    at = upload(at, "upload_predictions", SAMPLE_PREDICTIONS)
    at.multiselect(key="role_sensitive").set_value(["sex", "race"])
    open_details(at, "details_advanced").selectbox(key="role_reference::race").set_value("White")
    at.run()
    run_audit(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.switch_page("pages/screens/explanations.py").run()
    at.number_input(key="explain_sample_size").set_value(SAMPLE).run()
    at.button(key="run_explain").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_a_small_file_on_disk_is_explained_as_in_memory(upload_page, monkeypatch, downloads):
    in_memory = lending_explained(upload_page)
    assert not isinstance(in_memory.session_state["run"], SourceRun)
    expected = in_memory.session_state["explanations"].to_dict()

    monkeypatch.setenv("AUDIT_DUCKDB_ABOVE_MB", "0.1")  # the dataset is above it
    at = lending_explained(open_page("pages/screens/upload.py").run())
    run, explanations = at.session_state["run"], at.session_state["explanations"]
    assert isinstance(run, SourceRun)
    assert at.info[0].value == plain(
        "lending_applicants.csv and lending_predictions.csv are counted by DuckDB out of "
        "memory; the files' 6,000 rows are no more than the 20,000 rows an explanation is "
        "computed on, so the explanations and proxies are computed on every row, read from "
        "the files on disk: the numbers are those of an audit held in memory.")
    found = explanations.to_dict()
    drawn = found.pop("drawn_sample")
    assert found == expected  # every number, every sentence
    assert (drawn["rows"], drawn["population_rows"], drawn["engine"]) == (6_000, 6_000, "duckdb")
    # the record (JSON and PDF of the Review page) states the sample as the CLI's does
    stated = build_record(run, explanations=explanations)["explanations"]["drawn_sample"]
    assert stated == drawn
    assert stated["statement"].startswith(
        "Explanations and proxies were computed on a seeded sample of 6,000 of the 6,000 "
        "audited rows, drawn where the data lives (duckdb)")
    at.switch_page("pages/screens/review.py").run()
    assert not at.exception
    assert json.loads(downloads["download_json"])["explanations"]["drawn_sample"] == drawn
    assert drawn["statement"].split(" (")[0] in pdf_text(downloads["download_pdf"])


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "").split())
                    for p in PdfReader(io.BytesIO(data)).pages)


def large_file() -> bytes:
    """24,000 rows with a score, race C only from row 12,000 on; no column identifies
    anyone."""
    rng = np.random.default_rng(7)
    race = rng.choice(["A", "B"], size=ROWS)
    late = np.arange(ROWS) >= LATE
    race[late & (rng.random(ROWS) < 0.3)] = "C"
    sex = rng.choice(["female", "male"], size=ROWS)
    income = rng.integers(20, 120, size=ROWS)
    years = rng.integers(0, 30, size=ROWS)
    region = rng.choice(["north", "south", "east", "west"], size=ROWS)
    chance = 0.2 + 0.5 * (income > 60) + 0.1 * (race == "A") + 0.05 * (sex == "male")
    outcome = np.where(rng.random(ROWS) < chance, "approved", "denied")
    score = np.clip(chance + 0.05 * (years > 10) + rng.normal(0, 0.2, ROWS), 0.001, 0.999)
    decision = np.where(score >= 0.5, "approved", "denied")
    frame = pd.DataFrame({"sex": sex, "race": race, "income": income, "years": years,
                          "region": region, "outcome": outcome, "decision": decision,
                          "score": score.round(3)})
    assert not find_identifiers(frame, file="big.csv")
    assert "C" not in set(frame["race"][:10_000])
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def test_a_large_file_is_explained_as_the_cli_explains_it(upload_page, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIT_DUCKDB_ABOVE_MB", "0.1")
    data = large_file()
    at = upload(upload_page, "upload_dataset", name="big.csv", data=data)
    assert not at.exception and not at.error
    assert at.session_state["dataset"].on_disk is not None
    assert at.selectbox(key="role_score").value == "score"
    at.multiselect(key="role_sensitive").set_value(["sex", "race"])
    open_details(at, "details_advanced")
    # the choices are the whole file's: C appears only after the preview's 10,000 rows
    assert at.selectbox(key="role_reference::race").options == ["A", "B", "C"]
    at.selectbox(key="role_reference::race").set_value("C")
    at.number_input(key="opt_bootstrap").set_value(200)
    at.run()
    run_audit(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    run = at.session_state["run"]
    assert isinstance(run, SourceRun) and run.result.references["race"] == "C"

    at.switch_page("pages/screens/explanations.py").run()
    at.number_input(key="explain_sample_size").set_value(SAMPLE).run()
    assert at.info[0].value == plain(
        f"big.csv is counted by DuckDB out of memory, so the explanations and proxies are "
        f"computed on a stratified sample of {DRAWN_ROWS:,} of the file's {ROWS:,} rows, "
        "drawn from the file on disk: seeded, in proportion to each group's size, with at "
        "least 5 rows of every group (all rows of a smaller one). The rows audited and each "
        "group's selection rate are the whole file's, as on the Fairness page.")
    at.button(key="run_explain").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    explanations = at.session_state["explanations"]
    assert (explanations.drawn.rows, explanations.drawn.population_rows) == (DRAWN_ROWS, ROWS)
    page = build_record(run, explanations=explanations)["explanations"]

    path = tmp_path / "big.csv"
    path.write_bytes(data)
    args = ["run", "--data", str(path), "--label", "outcome", "--prediction", "decision",
            "--score", "score", "--sensitive", "sex", "--sensitive", "race", "--favorable",
            "approved", "--reference", "race=C", "--bootstrap", "200", "--engine", "duckdb",
            "--explain", "--explain-sample", str(SAMPLE), "--out", str(tmp_path / "out")]
    assert main(args) in (0, 1, 3)
    cli: dict[str, Any] = record(tmp_path / "out")["explanations"]
    assert page == cli  # every number, every sentence, and the sample's statement
    assert cli["drawn_sample"]["rows"] == DRAWN_ROWS

    # what-if re-audits every row with new cut-offs: still not offered out of core
    at.switch_page("pages/screens/whatif.py").run()
    assert not at.exception
    assert at.info[0].value == plain(
        "big.csv is counted by DuckDB out of memory, so what-if cannot run here: it needs "
        "every row in memory. The audit itself is complete, and every number on the "
        "Fairness and Review pages is the whole file's. Fix: for what-if, upload an extract "
        "smaller than 102 KB (a random sample of the rows), or ask the operator to raise "
        "AUDIT_DUCKDB_ABOVE_MB.")
