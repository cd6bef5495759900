"""One record, one verdict, whichever door: the CLI and the dashboard build the same record
from the same inputs and spec, and an audit with no verdict reads NO VERDICT everywhere
(Fairness page, History page, ``history list``, compare, PDF, CLI) in the shared words."""

from __future__ import annotations

import copy
import io
import json

import numpy as np
import pandas as pd
import pypdf
import pytest

from audit import VERDICT_LABELS, verdict_label
from audit.cli import main
from audit.record import HistoryStore, compare, render_pdf
from pages._ui.widgets import plain
from tests.conftest import SAMPLE_PREDICTIONS, open_details, open_page, run_audit, upload
from tests.pages.test_privacy_page import IDENTIFIERS, PEOPLE

NO_VERDICT = VERDICT_LABELS["no_verdict"]
# identity and time differ by design; environment is the same process in both doors
PER_RECORD = ("audit_id", "created_at")


def _small_audit() -> bytes:
    """60 people in two groups of 30; when a rate must rest on 40 people, nothing is judged."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"sex": ["female", "male"] * 30, "label": rng.integers(0, 2, 60),
                          "pred": rng.integers(0, 2, 60)})
    return frame.to_csv(index=False).encode()


def test_the_cli_and_the_dashboard_make_the_same_record(tmp_path, upload_page, downloads,
                                                         capsys):
    people = tmp_path / "people.csv"
    people.write_bytes(PEOPLE)
    at = upload(upload_page, "upload_dataset", name="people.csv", data=PEOPLE)
    at = upload(at, "upload_predictions", SAMPLE_PREDICTIONS)
    at.multiselect(key="role_sensitive").set_value(["sex", "race"]).run()
    run_audit(at)
    assert not at.exception and not at.error
    at.switch_page("pages/screens/review.py").run()
    dashboard = json.loads(downloads["download_json"])

    code = main(["run", "--data", str(people), "--predictions", str(SAMPLE_PREDICTIONS),
                 "--id-column", "applicant_id", "--label", "outcome", "--prediction", "decision",
                 "--sensitive", "sex", "--sensitive", "race", "--favorable", "approved",
                 "--outcome-meaning", "approved",
                 "--out", str(tmp_path / "out")])
    assert code == 1, capsys.readouterr().err  # the sample fails the four-fifths rule
    cli = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))

    assert cli["inputs"][0]["dropped_columns"] == IDENTIFIERS
    assert set(cli) == set(dashboard)
    for field in sorted(set(cli) - set(PER_RECORD)):
        assert cli[field] == dashboard[field], field


@pytest.fixture
def no_verdict_record(tmp_path, capsys) -> tuple[int, str, dict]:
    data = tmp_path / "small.csv"
    data.write_bytes(_small_audit())
    code = main(["run", "--data", str(data), "--label", "label", "--prediction", "pred",
                 "--sensitive", "sex", "--favorable", "1", "--min-group-size", "40",
                 "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    return code, out, json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))


def test_no_verdict_in_the_cli_and_the_pdf(no_verdict_record):
    code, out, record = no_verdict_record
    assert code == 1 and record["summary"]["verdict"] == "no_verdict"
    assert out.splitlines()[-1].startswith(f"{NO_VERDICT}: ")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(record))).pages)
    assert NO_VERDICT in text and "PASSED" not in text and "FAILED" not in text


def test_no_verdict_in_the_history_list_and_compare(no_verdict_record, db, capsys):
    _, _, record = no_verdict_record
    failed = copy.deepcopy(record)
    failed["audit_id"], failed["summary"]["verdict"] = "a-failed-one", "fail"
    with HistoryStore(db) as store:
        store.append(record)
        store.append(failed)
        assert [e.verdict for e in store.list()] == ["no_verdict", "fail"]
    assert main(["history", "list", "--db", db]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert NO_VERDICT in rows[0] and "FAILED" not in rows[0]
    summary = compare(record, failed).summary
    assert f"went from {NO_VERDICT} to {verdict_label('fail')}" in summary


def test_no_verdict_on_the_fairness_and_history_pages(no_verdict_record, db, monkeypatch):
    monkeypatch.setenv("AUDIT_BOARD", "default")  # the sessions share the default board
    _, _, record = no_verdict_record
    with HistoryStore(db) as store:
        store.append(record)
    at = open_page("pages/screens/upload.py").run()
    at = upload(at, "upload_dataset", name="small.csv", data=_small_audit())
    at.selectbox(key="role_label").set_value("label")
    at.selectbox(key="role_prediction").set_value("pred")
    at.multiselect(key="role_sensitive").set_value(["sex"])
    at.selectbox(key="role_favorable").set_value("1")
    open_details(at, "details_advanced").number_input(key="opt_min_denominator").set_value(40)
    at.run()
    run_audit(at)
    assert not at.exception and not at.error
    at.switch_page("pages/screens/fairness.py").run()
    banner = [m.value for m in (*at.warning, *at.info, *at.success, *at.error)
              if m.value.startswith("**Overall:")]
    assert banner and banner[0].startswith(f"**Overall: {NO_VERDICT}.**")
    at.switch_page("pages/screens/history.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["verdict"]) == [NO_VERDICT]
    assert any(m.value.startswith(f"**Verdict: {plain(NO_VERDICT)}.**") for m in at.markdown)
