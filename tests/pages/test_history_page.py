"""History page: the saved audits, one opened, two compared, the chain verified."""

from __future__ import annotations

import copy
import sqlite3

import pytest

from audit.record import AuditRecord, HistoryStore, Review, record_to_dict
from tests.conftest import open_page

TIMEOUT = 60
PAGE = "pages/screens/history.py"


@pytest.fixture
def saved(sample_run, db) -> list[dict]:
    review = Review(reviewers=("Ada Lovelace",), decision="reject", reviewed_at="2026-01-15Z")
    first = record_to_dict(AuditRecord(result=sample_run.result, inputs=sample_run.inputs,
                                       id_column=sample_run.id_column, review=review,
                                       audit_id="audit-one", created_at="2026-01-01T00:00:00Z"))
    second = copy.deepcopy(first)
    second.update(audit_id="audit-two", created_at="2026-02-01T00:00:00Z")
    female = next(g for g in second["groups"] if g["group"] == "female")
    female["metrics"]["selection_rate"]["value"] += 0.1
    next(f for f in second["findings"] if f["id"] == "impact_ratio:sex")["status"] = "pass"
    with HistoryStore(db) as store:
        store.append(first)
        store.append(second)
    return [first, second]


def test_empty_history_in_a_temp_store(db):
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception
    assert at.info[0].value.startswith("No audits saved yet.")


def test_lists_opens_and_compares(saved):
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    listing = at.dataframe[0].value
    assert list(listing["audit_id"]) == ["audit-one", "audit-two"]
    assert list(listing["decision"]) == ["Rejected", "Rejected"]
    assert at.selectbox(key="history_open").value == "audit-two"  # newest first
    assert "history_pdf" in {b.key for b in at.get("download_button")}
    at.selectbox(key="history_open").set_value("audit-one").run()
    criteria = at.dataframe[1].value
    assert list(criteria["status"]) == ["FAIL"] * len(saved[0]["findings"])
    summary = at.text[0].value
    assert "impact_ratio:sex: fail → pass" in summary
    deltas = at.dataframe[-1].value
    row = deltas[(deltas["group"] == "female") & (deltas["metric"] == "selection_rate")]
    assert row["delta"].iloc[0] == pytest.approx(0.1)


def test_verify_button(saved, db):
    at = open_page(PAGE, timeout=TIMEOUT).run()
    at.button(key="history_verify").click().run()
    assert at.success[0].value == "History intact: 2 records verified."
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE audit_records SET record_json = replace(record_json, "
                     "'Ada Lovelace', 'Someone Else') WHERE audit_id = 'audit-one'")
    at.button(key="history_verify").click().run()
    assert at.error[0].value.startswith("History altered: record audit-one #1: its record "
                                        "was changed")
