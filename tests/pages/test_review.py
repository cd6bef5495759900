"""Review page: the criteria table, the review the board saves, exports and history."""

from __future__ import annotations

import hashlib
import json

import pytest
from streamlit.testing.v1 import AppTest

from audit import status_label
from audit.record import HistoryStore, Review, canonical_bytes
from pages._ui.auth import BOARD_WORDS
from pages._ui.review import NO_CONDITIONS, NO_REVIEWER
from pages._ui.widgets import plain
from tests.conftest import open_page

TIMEOUT = 60
PAGE = "pages/screens/review.py"


@pytest.fixture
def page(sample_run, db) -> AppTest:
    at = open_page(PAGE, timeout=TIMEOUT)
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_a_run_it_says_what_to_do_first():
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception
    assert at.info[0].value.startswith("No audit has been run yet.")


def test_criteria_table_is_the_runs_findings(page, sample_run):
    table = page.table[0].value  # an st.table: a few rows, no data grid to load
    findings = sample_run.result.findings
    assert list(table["attribute"]) == [f.attribute for f in findings]
    assert list(table["status"]) == [status_label(f.status) for f in findings]
    assert table.loc[0, "value (95% CI)"].startswith(f"{findings[0].estimate.value:.3f} (")
    assert page.info[0].value.startswith("Not yet reviewed")


def test_conditions_are_required_and_the_review_is_saved(page):
    page.text_input(key="review_reviewers").input("Ada Lovelace, Grace Hopper")
    page.text_area(key="review_note_impact_ratio:sex").input("Women approved far less often.")
    page.text_area(key="review_notes").input("Retrain before launch.")
    page.radio(key="review_decision").set_value("approve_with_conditions")
    page.button(key="review_save").click().run()
    assert [e.value for e in page.error] == [NO_CONDITIONS]
    assert page.session_state["review"] is None

    page.text_area(key="review_conditions").input("Re-audit within 90 days.")
    page.button(key="review_save").click().run()
    assert not page.error and not page.exception
    review = page.session_state["review"]
    assert isinstance(review, Review)
    assert review.reviewers == ("Ada Lovelace", "Grace Hopper")
    assert review.decision == "approve_with_conditions"
    assert review.conditions == "Re-audit within 90 days."
    assert review.notes == "Retrain before launch."
    assert review.finding_notes == {"impact_ratio:sex": "Women approved far less often."}
    assert review.reviewed_at
    assert page.success[0].value.startswith("Review saved: approve with conditions by Ada")


def test_a_reviewer_is_required(page):
    page.radio(key="review_decision").set_value("reject")
    page.button(key="review_save").click().run()
    assert [e.value for e in page.error] == [NO_REVIEWER]


def test_downloads_and_save_to_history(page, db, downloads):
    page.text_input(key="review_reviewers").input("Ada Lovelace")
    page.radio(key="review_decision").set_value("reject")
    page.button(key="review_save").click().run()
    keys = {b.key for b in page.get("download_button")}
    assert {"download_pdf", "download_json", "download_metrics", "download_impact"} <= keys
    assert "history" not in json.loads(downloads["download_json"])
    page.button(key="review_save_history").click().run()
    assert not page.exception and not page.error
    board = page.session_state["private_board"]
    assert page.caption[0].value == BOARD_WORDS["private"]
    with HistoryStore(db) as store:
        entries = store.list()
        stored = store.get(entries[0].audit_id)
        filed = store.filed(entries[0].audit_id)
    assert len(entries) == 1 and entries[0].decision == "reject" and entries[0].board == board
    assert stored["review"]["reviewers"] == ["Ada Lovelace"]
    assert page.success[-1].value == (f"Saved to the audit history as #1. Record sha256: "
                                      f"{entries[0].record_sha256}")
    # the downloads are now the record as filed: with the history's head hash
    assert json.loads(downloads["download_json"]) == filed
    assert filed["history"]["head"] == entries[0].row_hash

    # without sign-in a sign-off carries the typed name, marked as not verified
    page.text_input(key="review_signoff_name").input("Grace Hopper")
    page.button(key="review_signoff_sign").click().run()
    assert not page.exception and not page.error
    approvals = json.loads(downloads["download_json"])["review"]["approvals"]
    assert [(a["identity"], a["verified"], a["decision"], a["dissent"]) for a in approvals] == [
        ({"name": "Grace Hopper", "email": None, "subject": None, "issuer": None}, False,
         "reject", None)]
    # a changed review after filing becomes a new record, never a replacement
    page.radio(key="review_decision").set_value("approve")
    page.button(key="review_save").click().run()
    page.button(key="review_save_history").click().run()
    assert not page.error
    with HistoryStore(db) as store:
        assert [e.decision for e in store.list(board)] == ["reject", "approve"]
        assert store.verify().ok and store.verify().checked == 3  # two records, one sign-off


def test_the_json_download_follows_the_review_and_is_the_fingerprinted_record(downloads,
                                                                              page):
    def shown() -> tuple[bytes, str]:
        sha = next(c.value for c in page.caption if "record sha256" in c.value)
        return downloads["download_json"], sha.split("`")[1]

    before, sha = shown()
    assert json.loads(before)["review"] is None
    assert sha == hashlib.sha256(before).hexdigest()
    page.text_input(key="review_reviewers").input("Ada Lovelace").run()  # typed, not saved
    again, sha_again = shown()
    assert again is before and sha_again == sha  # the same record: not written again
    page.radio(key="review_decision").set_value("reject")
    page.button(key="review_save").click().run()
    saved, sha_saved = shown()
    review = json.loads(saved)["review"]
    assert (review["reviewers"], review["decision"]) == (["Ada Lovelace"], "reject")
    assert sha_saved == hashlib.sha256(saved).hexdigest() != sha
    # written by the page's background writer, the bytes are the record's canonical ones
    assert saved == canonical_bytes(json.loads(saved))


BOARDS = """
[boards.credit]
admins = ["ada@example.org"]
viewers = ["vic@example.org"]
"""
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-real-secret-at-all", "client_id": "dashboard",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration"}


def _signed_in(sample_run, email: str, name: str) -> AppTest:
    at = open_page(PAGE, timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email, "name": name,
               "sub": f"sub-{name.split()[0]}", "iss": "https://login.example.invalid"}
    at.session_state["run"] = sample_run
    return at.run()


def test_signed_in_the_reviewer_is_the_identity_and_files_on_the_board(sample_run, db,
                                                                        tmp_path, monkeypatch):
    path = tmp_path / "boards.toml"
    path.write_text(BOARDS, encoding="utf-8")
    monkeypatch.setenv("AUDIT_BOARDS_FILE", str(path))
    at = _signed_in(sample_run, "ada@example.org", "Ada Lovelace")
    assert not at.exception
    assert not [t for t in at.text_input if t.key == "review_reviewers"]
    assert f"Reviewer: **{plain('Ada Lovelace (ada@example.org)')}** (from your sign-in)" in [
        m.value for m in at.markdown]
    at.radio(key="review_decision").set_value("reject")
    at.button(key="review_save").click().run()
    assert at.session_state["review"].reviewers == ("Ada Lovelace",)
    at.button(key="review_save_history").click().run()
    at.button(key="review_signoff_sign").click().run()
    assert not at.exception and not at.error
    with HistoryStore(db) as store:
        entry = store.list("credit")[0]
        filed = store.filed(entry.audit_id)
    assert filed["review"]["reviewers"] == ["Ada Lovelace"]
    assert filed["review"]["approvals"][0]["identity"] == {
        "name": "Ada Lovelace", "email": "ada@example.org", "subject": "sub-Ada",
        "issuer": "https://login.example.invalid"}
    assert filed["review"]["approvals"][0]["verified"] is True

    viewer = _signed_in(sample_run, "vic@example.org", "Vic Viewer")
    assert not viewer.exception
    assert not [b for b in viewer.button if b.key == "review_save_history"]
    assert viewer.caption[0].value.startswith('Board "credit" · your role: viewer')
