from __future__ import annotations

import copy

import pytest

from audit.record import AuditRecord, StatusChange, compare, record_to_dict
from audit.record._compare import NOT_CHECKED


@pytest.fixture(scope="module")
def record(lending, lending_inputs) -> dict:
    return record_to_dict(
        AuditRecord(
            result=lending[1],
            inputs=lending_inputs,
            audit_id="before",
            created_at="2026-01-01T00:00:00Z",
        )
    )


def _group(record: dict, attribute: str, group: str) -> dict:
    return next(g for g in record["groups"] if g["attribute"] == attribute and g["group"] == group)


def test_an_audit_compared_with_itself_has_no_changes(record):
    c = compare(record, record)
    assert c.changed == () and c.only_before == () and c.only_after == ()
    assert all(d.delta == 0 for d in c.deltas if d.delta is not None)
    assert len(c.deltas) == sum(len(g["metrics"]) for g in record["groups"])
    assert "unchanged: FAILED" in c.summary and "No criterion changed verdict" in c.summary


def test_deltas_new_and_missing_groups_and_changed_verdicts(record):
    after = copy.deepcopy(record)
    after["audit_id"], after["created_at"] = "after", "2026-02-01T00:00:00Z"
    female = _group(after, "sex", "female")
    old = female["metrics"]["selection_rate"]["value"]
    female["metrics"]["selection_rate"]["value"] = old + 0.25
    after["groups"] = [g for g in after["groups"] if g["group"] != "Unknown"]
    after["groups"].append({**copy.deepcopy(_group(record, "race", "Asian")), "group": "Other"})
    finding = next(f for f in after["findings"] if f["id"] == "impact_ratio:sex")
    finding["status"] = "pass"
    after["findings"] = [
        f for f in after["findings"] if f["id"] != "equalized_odds_difference:race"
    ]
    after["summary"]["verdict"] = "pass"

    c = compare(record, after)
    delta = next(
        d
        for d in c.deltas
        if (d.attribute, d.group, d.metric) == ("sex", "female", "selection_rate")
    )
    assert delta.before == old and delta.delta == pytest.approx(0.25)
    assert c.only_before == (("race", "Unknown"),)
    assert c.only_after == (("race", "Other"),)
    assert c.changed == (
        StatusChange("impact_ratio:sex", "fail", "pass"),
        StatusChange("equalized_odds_difference:race", "fail", NOT_CHECKED),
    )
    assert c.before_id == "before" and c.after_id == "after"
    assert "went from FAILED to PASSED" in c.summary
    assert "impact_ratio:sex: fail → pass" in c.summary
    assert f"selection rate of female (sex) rose from {old:.3f} to {old + 0.25:.3f}" in c.summary
    assert "Only in the earlier audit: Unknown (race)" in c.summary
    assert c.delta_rows()[0].keys() == {"attribute", "group", "metric", "before", "after", "delta"}
