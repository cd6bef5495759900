"""Bands for a numeric sensitive column, the favorable value that codes need, and the
outcome's meaning in the verdict sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit import AuditInputError
from audit.engine import run_audit
from audit.inputs import AuditSpec, Bins, band_labels, band_values, parse_bins, prepare
from audit.record import AuditRecord, record_to_dict

AGES = np.array([18, 24, 25, 39, 40, 59, 60, 77])


def test_cut_points_put_a_value_on_a_cut_in_the_band_that_starts_there():
    spec = AuditSpec(label="y", prediction="p", sensitive=("age",), favorable="1",
                     bins=parse_bins(["age=25,40,60"]))
    frame = pd.DataFrame({"age": AGES, "y": [0, 1] * 4, "p": [1, 0] * 4})
    age = prepare(frame, spec).sensitive[0]
    assert age.categories == ("18–24", "25–39", "40–59", "60–77")
    # by hand: 18, 24 | 25, 39 | 40, 59 | 60, 77
    assert [age.categories[c] for c in age.codes] == [
        "18–24", "18–24", "25–39", "25–39", "40–59", "40–59", "60–77", "60–77"]
    assert age.cuts == (25.0, 40.0, 60.0)


def test_band_values_are_the_bands_the_audit_groups_by_and_keep_missing_values():
    bins = parse_bins(["age=25,40,60"])
    spec = AuditSpec(label="y", prediction="p", sensitive=("age",), favorable="1", bins=bins)
    frame = pd.DataFrame({"age": AGES, "y": [0, 1] * 4, "p": [1, 0] * 4})
    age = prepare(frame, spec).sensitive[0]
    assert band_values(bins[0], frame["age"]).tolist() == [
        age.categories[c] for c in age.codes]
    with_missing = band_values(bins[0], pd.Series([30.0, None, 61.0]))
    assert with_missing.isna().tolist() == [False, True, False]
    assert with_missing.dropna().tolist() == ["30–39", "60–61"]  # from the lowest value


def test_quartiles_of_whole_numbers_are_whole_cut_points():
    spec = AuditSpec(label="y", prediction="p", sensitive=("age",), favorable="1",
                     bins=parse_bins(["age=q4"]))
    ages = np.arange(20, 60)  # 40 ages; quartiles at 29.75, 39.5, 49.25 → 30, 40, 50
    frame = pd.DataFrame({"age": ages, "y": [0, 1] * 20, "p": [1, 0] * 20})
    age = prepare(frame, spec).sensitive[0]
    assert age.cuts == (30.0, 40.0, 50.0)
    assert age.categories == ("20–29", "30–39", "40–49", "50–59")
    assert np.bincount(age.codes).tolist() == [10, 10, 10, 10]


def test_labels_of_fractional_values_and_cut_points_outside_the_values():
    assert band_labels((1.5,), low=0.25, high=3.0) == ("0.25 to under 1.5", "1.5 to 3")
    assert band_labels((19,), low=18, high=40) == ("18", "19–40")
    spec = AuditSpec(label="y", prediction="p", sensitive=("age",), favorable="1",
                     bins=(Bins("age", cuts=(10, 30, 90)),))
    frame = pd.DataFrame({"age": [20, 25, 35, 45], "y": [0, 1] * 2, "p": [1, 0] * 2})
    assert prepare(frame, spec).sensitive[0].categories == ("20–29", "30–45")


def test_bands_that_hold_everyone_are_refused_word_for_word():
    spec = AuditSpec(label="y", prediction="p", sensitive=("age",), favorable="1",
                     bins=(Bins("age", cuts=(80,)),))
    frame = pd.DataFrame({"age": [20, 25, 35, 45], "y": [0, 1] * 2, "p": [1, 0] * 2})
    with pytest.raises(AuditInputError) as caught:
        prepare(frame, spec)
    assert str(caught.value) == (
        "The bands for 'age' (80) put every row in one band: its values run from 20 to 45. "
        "An attribute needs at least two groups to compare. Fix: choose cut points between "
        "20 and 45.")


def test_bands_for_a_column_that_is_not_sensitive_are_refused():
    spec = AuditSpec(label="y", prediction="p", sensitive=("sex",), favorable="1",
                     bins=parse_bins(["age=30"]))
    frame = pd.DataFrame({"age": [20, 40], "sex": ["f", "m"], "y": [0, 1], "p": [1, 0]})
    with pytest.raises(AuditInputError) as caught:
        prepare(frame, spec)
    assert str(caught.value) == (
        "Bands were given for 'age', which is not one of the sensitive attributes ('sex'). "
        "Fix: add 'age' to the sensitive attributes, or leave out its bands.")


@pytest.mark.parametrize("text", ["age", "age=", "=25"])
def test_a_bin_option_without_cuts_says_the_form(text):
    with pytest.raises(AuditInputError) as caught:
        parse_bins([text])
    assert str(caught.value) == (
        f"--bin {text!r} is not of the form COLUMN=CUTS. Expected cut points in increasing "
        "order, such as --bin age=25,40,60 (bands under 25, 25–39, 40–59, 60 and over), or "
        "quantile bands such as --bin age=q4 (quartiles). Fix: write it like one of those.")


@pytest.mark.parametrize(("values", "favorable"), [((0, 1), "1"), ((1, 2), "2"),
                                                   ((True, False), "True")])
def test_codes_need_a_stated_favorable_value(values, favorable):
    frame = pd.DataFrame({"y": list(values) * 2, "p": list(values) * 2, "g": ["a", "b"] * 2})
    with pytest.raises(AuditInputError) as caught:
        prepare(frame, AuditSpec(label="y", prediction="p", sensitive=("g",)),
                files={"y": "people.csv"})
    shown = ", ".join(repr(v) for v in sorted(str(v) for v in values))
    assert str(caught.value) == (
        f"Which outcome is favorable? The label 'y' (people.csv) holds the codes {shown}, and "
        "a code does not say which one is good for the person: for a risk label, "
        f"{favorable!r} may mean \"labelled high risk\". The audit does not guess. Fix: give "
        f"the favorable value and what it means, for example --favorable {favorable} "
        "--outcome-meaning \"approved\" (on the dashboard: the favorable outcome on the "
        "Upload page).")


def test_words_are_still_recognised():
    frame = pd.DataFrame({"y": ["approved", "denied"] * 2, "p": ["denied", "approved"] * 2,
                          "g": ["a", "b"] * 2})
    assert prepare(frame, AuditSpec(label="y", prediction="p", sensitive=("g",))
                   ).favorable == "approved"


def _risk_frame() -> pd.DataFrame:
    # label 1 = "labelled high risk": favorable is 0. Women: 60 of 100 not labelled high
    # risk; men: 30 of 100 (0.50 times)
    rows = ([("female", 0, 0)] * 60 + [("female", 1, 1)] * 40
            + [("male", 0, 0)] * 30 + [("male", 1, 1)] * 70)
    return pd.DataFrame(rows, columns=["sex", "y", "p"])


def test_the_meaning_is_in_the_verdict_sentence_and_the_record():
    spec = AuditSpec(label="y", prediction="p", sensitive=("sex",), favorable="0",
                     outcome_meaning="not labelled high risk", bootstrap=0)
    result = run_audit(prepare(_risk_frame(), spec), spec)
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    assert impact.message.startswith(
        "sex: male are not labelled high risk at 0.50 times the rate of female (95% "
        "simultaneous CI ")
    assert impact.message.endswith("; 30.0% against 60.0%). This fails the four-fifths rule "
                                   "(impact ratio at least 0.80): the whole interval is below "
                                   "0.80.")
    opportunity = next(f for f in result.findings
                       if f.criterion.metric == "equalized_odds_difference")
    assert ("true positive rates (share not labelled high risk among those whose true outcome "
            "is not labelled high risk ('0'))" in opportunity.message)
    assert ("false positive rates (share not labelled high risk among those whose true "
            "outcome is not not labelled high risk)") in opportunity.message
    record = record_to_dict(AuditRecord(result=result, inputs=()))
    assert record["spec"]["outcome_meaning"] == "not labelled high risk"
    assert record["summary"]["outcome_meaning"] == "not labelled high risk"
    assert record["context"]["use"]["outcome_meaning"] == "not labelled high risk"


def test_without_a_meaning_the_sentence_names_the_value():
    spec = AuditSpec(label="y", prediction="p", sensitive=("sex",), favorable="0", bootstrap=0)
    result = run_audit(prepare(_risk_frame(), spec), spec)
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    assert impact.message.startswith("sex: male get '0' at 0.50 times the rate of female")


def test_bands_are_recorded():
    spec = AuditSpec(label="y", prediction="p", sensitive=("age",), favorable="1",
                     bins=parse_bins(["age=25,40,60"]), bootstrap=0, min_denominator=1)
    frame = pd.DataFrame({"age": AGES, "y": [0, 1] * 4, "p": [1, 0] * 4})
    record = record_to_dict(AuditRecord(result=run_audit(prepare(frame, spec), spec),
                                        inputs=()))
    assert record["spec"]["bins"] == [{"column": "age", "cuts": [25.0, 40.0, 60.0],
                                       "quantiles": 0}]
    assert record["summary"]["bands"] == {"age": {"cuts": [25.0, 40.0, 60.0],
                                                  "labels": ["18–24", "25–39", "40–59",
                                                             "60–77"]}}
    assert [g["group"] for g in record["groups"]] == ["18–24", "25–39", "40–59", "60–77"]
