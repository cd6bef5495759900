"""Review page: the criteria table, the review the board saves, exports and history."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from audit import status_label
from audit.record import HistoryStore, Review
from pages._ui.review import NO_CONDITIONS, NO_REVIEWER
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
    table = page.dataframe[0].value
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


def test_downloads_and_save_to_history(page, db):
    page.text_input(key="review_reviewers").input("Ada Lovelace")
    page.radio(key="review_decision").set_value("reject")
    page.button(key="review_save").click().run()
    keys = {b.key for b in page.get("download_button")}
    assert {"download_pdf", "download_json", "download_metrics", "download_impact"} <= keys
    page.button(key="review_save_history").click().run()
    assert not page.exception and not page.error
    with HistoryStore(db) as store:
        entries = store.list()
        stored = store.get(entries[0].audit_id)
    assert len(entries) == 1 and entries[0].decision == "reject"
    assert stored["review"]["reviewers"] == ["Ada Lovelace"]
    assert page.success[-1].value == (f"Saved to the audit history as #1. Record sha256: "
                                      f"{entries[0].record_sha256}")
    # a changed review after filing becomes a new record, never a replacement
    page.radio(key="review_decision").set_value("approve")
    page.button(key="review_save").click().run()
    page.button(key="review_save_history").click().run()
    assert not page.error
    with HistoryStore(db) as store:
        assert [e.decision for e in store.list()] == ["reject", "approve"]
        assert store.verify().ok
