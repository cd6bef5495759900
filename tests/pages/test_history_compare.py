"""History page, compare: a warning when the two audits' inputs differ (AppTest)."""

from __future__ import annotations

import copy

import pytest

from audit.record import AuditRecord, HistoryStore, compare, record_to_dict
from pages._ui.widgets import plain
from tests.conftest import open_page

TIMEOUT = 60
PAGE = "pages/screens/history.py"


@pytest.fixture
def lending_then_census(sample_run, db) -> list[dict]:
    first = record_to_dict(AuditRecord(result=sample_run.result, inputs=sample_run.inputs,
                                       id_column=sample_run.id_column, audit_id="lending",
                                       created_at="2026-01-01T00:00:00Z"))
    second = copy.deepcopy(first)
    second.update(audit_id="census", created_at="2026-02-01T00:00:00Z")
    second["inputs"][0]["columns"] = ["id", "age", "sex", "race", "income", "fnlwgt"]
    second["spec"]["favorable"] = second["summary"]["favorable"] = "1"
    for group in second["groups"]:
        group["group"] = group["group"].upper()
    with HistoryStore(db) as store:
        store.append(first)
        store.append(second)
    return [first, second]


def test_compare_warns_that_the_inputs_differ_and_still_matches_groups(lending_then_census, db):
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    with HistoryStore(db) as store:  # as stored: the page compares what the history holds
        expected = compare(store.get("lending"), store.get("census"))
    assert expected.warning is not None
    assert [w.value for w in at.warning] == [plain(expected.warning)]
    assert at.text[0].value == expected.summary
    assert "Groups matched ignoring case and spaces: 'female' = 'FEMALE' (sex)" in (
        at.text[0].value)
    deltas = at.dataframe[-1].value
    assert set(deltas["group"]) >= {"female", "male"}
    assert "No group metric changed." in at.text[0].value


def test_no_warning_for_like_inputs(sample_run, db):
    record = record_to_dict(AuditRecord(result=sample_run.result, inputs=sample_run.inputs,
                                        audit_id="one", created_at="2026-01-01T00:00:00Z"))
    with HistoryStore(db) as store:
        store.append(record)
        store.append({**copy.deepcopy(record), "audit_id": "two"})
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception and not at.warning
