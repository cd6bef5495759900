"""Privacy in the dashboard: identifier columns are flagged and left out on the Upload page,
the Review page's downloads hide small groups, and nothing uploaded reaches the disk."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from audit.record import HistoryStore, fingerprint, suppress_small_cells
from audit.record._suppress import MSG_ALL_SUPPRESSED
from pages._ui import review as ui
from pages._ui.privacy import JOIN_NOTE
from pages._ui.widgets import plain
from tests.conftest import ROOT, SAMPLE_DATASET, SAMPLE_PREDICTIONS, open_page, run_audit, upload

TIMEOUT = 120
IDENTIFIERS = ["full_name", "email", "phone"]


def _with_identifiers() -> bytes:
    frame = pd.read_csv(SAMPLE_DATASET)
    n = len(frame)
    frame.insert(1, "full_name", [f"Person {i}" for i in range(n)])
    frame.insert(2, "email", [f"person{i}@example.org" for i in range(n)])
    frame["phone"] = [f"+1 555 {i:04d} {i % 97:02d}" for i in range(n)]
    return frame.to_csv(index=False).encode()


PEOPLE = _with_identifiers()


def test_identifier_columns_are_flagged_and_left_out(upload_page, downloads):
    at = upload(upload_page, "upload_dataset", name="people.csv", data=PEOPLE)
    at = upload(at, "upload_predictions", SAMPLE_PREDICTIONS)
    assert not at.exception and not at.error
    warning = at.warning[0].value
    assert warning.startswith("**people.csv has columns that identify people directly.**")
    assert ("- **full\\_name**: its name 'full\\_name' suggests people's names." in warning)
    assert ("- **email**: its name 'email' suggests e-mail addresses, and 1,000 of the 1,000 "
            "values checked look like e-mail addresses." in warning)
    assert "- **phone**: its name 'phone' suggests phone numbers, and 1,000 of" in warning
    assert at.multiselect(key="privacy_drop_dataset").value == IDENTIFIERS

    dataset = at.session_state["dataset"]
    assert not set(IDENTIFIERS) & set(dataset.frame.columns)
    assert set(IDENTIFIERS) <= set(dataset.provenance.columns)  # the file as uploaded
    assert not set(IDENTIFIERS) & set(at.dataframe[0].value.columns)  # the preview
    assert not set(IDENTIFIERS) & set(at.selectbox(key="role_label").options)
    assert not set(IDENTIFIERS) & set(at.multiselect(key="role_sensitive").options)

    at.multiselect(key="role_sensitive").set_value(["sex", "race"]).run()
    run_audit(at)
    assert not at.exception and not at.error
    run = at.session_state["run"]
    assert not set(IDENTIFIERS) & set(run.data.frame.columns)
    assert not set(IDENTIFIERS) & set(run.data.features)

    at.switch_page("pages/screens/review.py").run()
    assert not at.exception
    record = json.loads(downloads["download_json"])
    assert record["inputs"][0]["dropped_columns"] == IDENTIFIERS
    assert record["inputs"][0]["columns"][:3] == ["applicant_id", *IDENTIFIERS[:2]]
    assert "dropped_columns" not in record["inputs"][1]


def test_the_user_may_keep_a_flagged_column(upload_page):
    at = upload(upload_page, "upload_dataset", name="people.csv", data=PEOPLE)
    at.multiselect(key="privacy_drop_dataset").set_value(["email"]).run()
    assert not at.exception
    columns = set(at.session_state["dataset"].frame.columns)
    assert "email" not in columns and {"full_name", "phone"} <= columns
    assert at.session_state["dropped_columns"]["dataset"][1] == ("email",)
    # the choice survives a visit to another page (the widget's own state does not)
    at.switch_page("pages/screens/fairness.py").run()
    at.switch_page("pages/screens/upload.py").run()
    assert not at.exception
    columns = set(at.session_state["dataset"].frame.columns)
    assert "email" not in columns and {"full_name", "phone"} <= columns


def test_an_identifying_join_key_is_kept_for_the_join_only(upload_page):
    dataset = pd.read_csv(SAMPLE_DATASET)
    predictions = pd.read_csv(SAMPLE_PREDICTIONS)
    emails = {a: f"{a.lower()}@example.org" for a in dataset["applicant_id"]}
    dataset["applicant_id"] = dataset["applicant_id"].map(emails)
    predictions["applicant_id"] = predictions["applicant_id"].map(emails)
    at = upload(upload_page, "upload_dataset", name="d.csv",
                data=dataset.to_csv(index=False).encode())
    at = upload(at, "upload_predictions", name="p.csv",
                data=predictions.to_csv(index=False).encode())
    assert not at.exception and not at.error
    assert [w.value.count(JOIN_NOTE) for w in at.warning] == [1, 1]
    assert not at.get("multiselect") or all(
        m.key != "privacy_drop_dataset" for m in at.get("multiselect"))
    assert at.selectbox(key="role_id").options == ["applicant_id"]
    at.selectbox(key="role_id").set_value("applicant_id")
    at.multiselect(key="role_sensitive").set_value(["sex"]).run()
    run_audit(at)
    assert not at.exception and not at.error
    assert at.session_state["run"].result.rows == 6000


@pytest.fixture
def review_page(sample_run, tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("AUDIT_DB_URL", f"sqlite:///{tmp_path / 'history.sqlite3'}")
    at = open_page("pages/screens/review.py", timeout=TIMEOUT)
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception
    return at


def test_downloads_hide_small_groups_and_the_history_keeps_everything(downloads, review_page,
                                                                      tmp_path):
    at = review_page
    full = json.loads(downloads["download_json"])
    assert "suppression" not in full
    at.number_input(key="review_suppress_k").set_value(100).run()
    assert not at.exception and not at.error
    export = json.loads(downloads["download_json"])
    assert export == json.loads(json.dumps(suppress_small_cells(full, k=100)))
    assert export["suppression"]["groups_suppressed"] == 6
    assert any(c.value.startswith("The downloads hide 6 group(s) (fewer than 100 people")
               for c in at.caption)
    for key in ("download_metrics", "download_impact"):
        assert "Native American" not in downloads[key]
        assert "race,Black," in downloads[key]
    assert downloads["download_pdf"].startswith(b"%PDF")
    assert at.session_state["record_pdf"][0] == fingerprint(export)

    at.text_input(key="review_reviewers").input("Ada Lovelace")
    at.radio(key="review_decision").set_value("approve")
    at.button(key="review_save").click().run()
    at.button(key="review_save_history").click().run()
    assert not at.exception and not at.error
    with HistoryStore(f"sqlite:///{tmp_path / 'history.sqlite3'}") as store:
        stored = store.get(store.list()[0].audit_id)
    assert "suppression" not in stored
    assert {"Native American", "Unknown"} <= {g["group"] for g in stored["groups"]}


def test_a_k_that_hides_everything_offers_no_download(downloads, review_page):
    at = review_page
    downloads.clear()
    at.number_input(key="review_suppress_k").set_value(10_000).run()
    assert not at.exception
    shown = [e.value for e in at.error]
    assert shown == [plain(MSG_ALL_SUPPRESSED.format(k=10_000, largest=3_480))]
    assert downloads == {} and not at.get("download_button")
    assert at.button(key="review_save_history")  # the history still takes the full record


def test_pdf_of_a_review_is_not_in_a_shared_cache():
    assert not hasattr(ui.pdf_for, "clear")  # a plain function, not st.cache_data


SESSION = textwrap.dedent("""
    import sys
    from pathlib import Path
    from streamlit.testing.v1 import AppTest

    root = Path(sys.argv[1])
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.switch_page("pages/screens/upload.py").run()
    for key, name in (("upload_dataset", "lending_applicants.csv"),
                      ("upload_predictions", "lending_predictions.csv")):
        data = (root / "sample_data" / name).read_bytes()
        at.file_uploader(key=key).set_value((name, data, "text/csv"))
        at.run()
    at.multiselect(key="role_sensitive").set_value(["sex", "race"]).run()
    at.button(key="run_audit").click().run()
    assert at.session_state["run"] is not None
    at.switch_page("pages/screens/review.py").run()
    at.text_input(key="review_reviewers").input("Ada Lovelace")
    at.radio(key="review_decision").set_value("reject")
    at.button(key="review_save").click().run()
    at.button(key="review_save_history").click().run()
    problems = [e.value for e in (*at.exception, *at.error)]
    assert not problems, problems
    print("saved")
""")


def test_nothing_uploaded_is_written_to_disk(tmp_path):
    """One fresh Python process uploads, audits, reviews and files the record. Its home and
    temporary folders stay empty; the only file written is the history database (caches
    of the plotting libraries go to a folder of their own), which holds the record's
    aggregates and none of the applicants' ids."""
    home, caches, db = tmp_path / "home", tmp_path / "caches", tmp_path / "db"
    for folder in (home, caches, db):
        folder.mkdir()
    script = tmp_path / "session.py"
    script.write_text(SESSION)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("XDG_", "AUDIT_", "STREAMLIT_"))}
    env.update(HOME=str(home), TMPDIR=str(home), TEMP=str(home), TMP=str(home),
               XDG_CACHE_HOME=str(caches), MPLCONFIGDIR=str(caches / "matplotlib"),
               AUDIT_DB_URL=f"sqlite:///{db / 'history.sqlite3'}", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(script), str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "saved" in done.stdout
    assert sorted(p.name for p in home.rglob("*")) == []
    assert sorted(p.name for p in db.iterdir()) == ["history.sqlite3"]

    ids = set(pd.read_csv(SAMPLE_DATASET)["applicant_id"])
    raw = (db / "history.sqlite3").read_bytes()
    assert not ids & {m.decode() for m in re.findall(rb"A\d{6}", raw)}
    assert b"female,Hispanic" not in raw  # no row of the file either
    for path in caches.rglob("*"):
        if path.is_file():
            assert not re.search(rb"A\d{6}", path.read_bytes()), path
    with HistoryStore(f"sqlite:///{db / 'history.sqlite3'}") as store:
        (entry,) = store.list()
        record = store.get(entry.audit_id)
    assert record["inputs"][0]["name"] == "lending_applicants.csv"
    assert record["summary"]["rows"] == 6000
