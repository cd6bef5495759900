from __future__ import annotations

import copy

import pytest

from audit.record import AuditRecord, StatusChange, compare, record_to_dict
from audit.record._compare import (
    DIFFERENT_ATTRIBUTES,
    DIFFERENT_COLUMNS,
    DIFFERENT_FAVORABLE,
    DIFFERENT_MODEL,
    DIFFERENT_ROLE,
    NOT_CHECKED,
    NOT_LIKE_WITH_LIKE,
)


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


def test_like_with_like_gives_no_warning(record):
    later = copy.deepcopy(record)
    later["audit_id"] = "later"
    c = compare(record, later)
    assert c.differences == () and c.warning is None and c.matched == ()
    assert "not of like inputs" not in c.summary


def test_different_inputs_are_named_one_by_one(record):
    later = copy.deepcopy(record)
    later["audit_id"] = "census"
    later["inputs"][0]["columns"] = [c for c in later["inputs"][0]["columns"]
                                     if c != "zip_region"] + ["fnlwgt"]
    later["spec"]["sensitive"] = ["sex", "age_group"]
    later["summary"]["favorable"] = "1"
    later["spec"]["prediction"] = "y_pred"
    later["context"] = {"model": "income-v2"}
    c = compare(record, later)
    assert [d.aspect for d in c.differences] == ["columns", "attributes", "favorable", "roles",
                                                 "model"]
    messages = [
        DIFFERENT_COLUMNS.format(before="'zip_region'", after="'fnlwgt'"),
        DIFFERENT_ATTRIBUTES.format(before="'sex', 'race'", after="'sex', 'age_group'"),
        DIFFERENT_FAVORABLE.format(before="'approved'", after="'1'"),
        DIFFERENT_ROLE.format(role="prediction", before="'decision'", after="'y_pred'"),
        DIFFERENT_MODEL.format(before="not named", after="'income-v2'"),
    ]
    assert [d.message for d in c.differences] == messages
    assert c.warning == NOT_LIKE_WITH_LIKE.format(differences=" ".join(messages))
    assert c.warning not in c.summary  # shown apart, before the summary


def test_groups_match_ignoring_case_and_spaces_and_the_rest_is_listed(record):
    later = copy.deepcopy(record)
    later["audit_id"] = "later"
    _group(later, "sex", "female")["group"] = " Female"
    _group(later, "sex × race", "female × Black")["group"] = "FEMALE ×  black "
    _group(later, "race", "Asian")["group"] = "Asian-Pac-Islander"
    c = compare(record, later)
    assert c.differences == ()
    pairs = {(a, x, y) for a, x, y in c.matched}
    assert pairs == {("sex", "female", " Female"),
                     ("sex × race", "female × Black", "FEMALE ×  black ")}
    female = [d for d in c.deltas if (d.attribute, d.group) == ("sex", "female")]
    assert len(female) == len(_group(record, "sex", "female")["metrics"])
    assert all(d.delta == 0 for d in female if d.delta is not None)
    assert c.only_before == (("race", "Asian"),)
    assert c.only_after == (("race", "Asian-Pac-Islander"),)
    assert "Groups matched ignoring case and spaces: 'female' = ' Female' (sex)" in c.summary
    assert "Only in the later audit: Asian-Pac-Islander (race)." in c.summary


def test_two_groups_that_differ_only_in_case_are_not_merged(record):
    later = copy.deepcopy(record)
    later["audit_id"] = "later"
    twin = copy.deepcopy(_group(later, "sex", "female"))
    twin["group"] = "Female"
    later["groups"].append(twin)
    c = compare(record, later)
    assert c.matched == () and c.only_after == (("sex", "Female"),)
    assert any((d.attribute, d.group) == ("sex", "female") for d in c.deltas)
