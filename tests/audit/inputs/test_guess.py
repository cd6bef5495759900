"""Column-role guessing: the samples are mapped right, and look-alike columns are not taken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audit.inputs import (
    AuditSpec,
    RoleGuess,
    distinct_values,
    guess_roles,
    harm_warning,
    needs_bins,
    prepare,
)
from audit.inputs._guess import guess_favorable

SAMPLES = Path(__file__).resolve().parents[3] / "sample_data"


@pytest.fixture(scope="module")
def lending() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(SAMPLES / "lending_applicants.csv"),
        pd.read_csv(SAMPLES / "lending_predictions.csv"),
    )


def test_lending_sample_is_mapped_as_its_readme_says(lending):
    applicants, predictions = lending
    assert guess_roles(dataset=applicants, predictions=predictions) == RoleGuess(
        label="outcome",
        prediction="decision",
        score=None,
        sensitive=("sex", "race", "age_group"),
        id_column="applicant_id",
        favorable="approved",
    )


def test_hiring_sample_in_one_file_with_a_score():
    guess = guess_roles(dataset=pd.read_csv(SAMPLES / "hiring.csv"))
    assert guess == RoleGuess(
        label="qualified",
        prediction="shortlisted",
        score="score",
        sensitive=("gender", "age_band", "ethnicity"),
        id_column="candidate_id",
        favorable=None,  # 0/1 codes: the user states which one is favorable
    )


def test_a_ratio_feature_is_not_taken_for_the_score(lending):
    applicants, _ = lending
    assert applicants["debt_to_income"].between(0, 1).all()
    assert guess_roles(dataset=applicants).score is None


def test_an_unnamed_probability_in_the_predictions_file_is_the_score():
    rng = np.random.default_rng(0)
    dataset = pd.DataFrame({"ID": range(50), "Gender": ["f", "m"] * 25, "Target": [0, 1] * 25})
    predictions = pd.DataFrame(
        {"ID": range(50), "p_hat": rng.random(50), "model_output": [1, 0] * 25}
    )
    guess = guess_roles(dataset=dataset, predictions=predictions)
    assert guess.score == "p_hat"
    assert guess.prediction == "model_output"
    assert guess.label == "Target"
    assert guess.sensitive == ("Gender",)
    assert guess.id_column == "ID"
    assert guess.favorable is None


def test_the_id_must_be_unique_and_shared_by_both_files():
    dataset = pd.DataFrame({"row_id": [1, 1, 2], "person_id": [7, 8, 9], "y": [0, 1, 0]})
    predictions = pd.DataFrame({"person_id": [9, 8, 7], "prediction": [0, 1, 1]})
    assert guess_roles(dataset=dataset, predictions=predictions).id_column == "person_id"


@pytest.mark.parametrize(
    ("name", "is_id"),
    [
        ("applicant_id", True),
        ("CandidateID", True),
        ("customerId", True),
        ("id", True),
        ("Applicant ID", True),
        ("paid", False),
        ("valid", False),
        ("idea", False),
    ],
)
def test_id_names(name, is_id):
    frame = pd.DataFrame({name: ["a", "b", "c"], "label": [0, 1, 0]})
    assert (guess_roles(dataset=frame).id_column == name) is is_id


def test_a_raw_age_with_many_values_is_offered_as_sensitive_to_be_cut_into_bands():
    frame = pd.DataFrame(
        {"age": range(18, 118), "sex": ["f", "m"] * 50, "outcome": ["yes", "no"] * 50}
    )
    assert guess_roles(dataset=frame).sensitive == ("age", "sex")
    assert needs_bins(frame["age"]) and not needs_bins(frame["sex"])
    assert not needs_bins(pd.Series(range(12)))  # twelve values: shown as they are
    assert needs_bins(pd.Series(range(13)))


def test_a_text_sensitive_column_with_many_values_is_not_offered():
    frame = pd.DataFrame({"race": [f"r{i}" for i in range(100)],
                          "outcome": ["yes", "no"] * 50})
    assert guess_roles(dataset=frame).sensitive == ()


def test_the_label_prefers_a_truth_name_and_0_1_over_a_class_coded_1_2():
    # the credit data: `class` (1/2) came first and was taken for the label
    frame = pd.DataFrame({"class": [1, 2] * 20, "y_true": [0, 1] * 20,
                          "prediction": [1, 0] * 20, "sex": ["f", "m"] * 20})
    assert guess_roles(dataset=frame).label == "y_true"
    alone = frame.drop(columns="y_true").assign(repaid=["bad", "good"] * 20)
    assert guess_roles(dataset=alone).label == "repaid"  # words before codes 1/2


def test_the_second_file_gives_the_id_and_the_score():
    dataset = pd.DataFrame({"id": range(40), "sex": ["f", "m"] * 20, "y_true": [0, 1] * 20})
    predictions = pd.DataFrame({"id": range(40)[::-1], "y_pred": [1, 0] * 20,
                                "risk": np.linspace(0.01, 0.99, 40)})
    alone = guess_roles(dataset=dataset)
    assert (alone.id_column, alone.score, alone.prediction) == ("id", None, None)
    both = guess_roles(dataset=dataset, predictions=predictions)
    assert (both.id_column, both.score, both.prediction, both.label) == (
        "id", "risk", "y_pred", "y_true")


def test_a_label_named_like_a_harm_warns_word_for_word():
    assert harm_warning(label="two_year_recid") == (
        "The label 'two_year_recid' is named like a harm ('recid'): its value '1' may mean the "
        "bad outcome for the person, such as \"labelled high risk\" or \"defaulted\". Check "
        "which value is favorable: for such a column it is usually the other one, meaning for "
        "example \"not labelled high risk\".")
    assert harm_warning(label="y", prediction="Defaulted", favorable="yes").startswith(
        "The prediction 'Defaulted' is named like a harm ('default'): its value 'yes' ")
    for name in ("risk_label", "is_fraud", "rejected"):
        assert harm_warning(label=name) is not None
    assert harm_warning(label="two_year_recid", favorable="0") is None  # chosen with care
    assert harm_warning(label="approved", prediction="decision") is None


def test_nothing_fits():
    guess = guess_roles(dataset=pd.DataFrame({"x": [1.5, 2.5, 3.5], "z": ["a", "b", "c"]}))
    assert guess == RoleGuess(
        label=None, prediction=None, score=None, sensitive=(), id_column=None, favorable=None
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("approved", "denied"), "approved"),
        (("0", "1"), None),  # codes: stated by the user, never guessed
        (("1", "2"), None),
        (("False", "True"), None),
        (("No", "Yes"), None),
        (("bad", "good"), "good"),
        (("hired", "not hired"), "hired"),
        (("A", "B"), None),
        (("1", "yes"), None),
    ],
)
def test_guess_favorable(values, expected):
    assert guess_favorable(values) == expected


def test_distinct_values_read_as_the_engine_reads_them():
    frame = pd.DataFrame({"y": [1.0, 0.0, np.nan, 1.0], "g": [" b", "a", "a", None]})
    assert distinct_values(frame, "y") == ("0", "1")
    assert distinct_values(frame, "g") == ("a", "b")
    assert distinct_values(frame, "g", limit=1) == ("a",)


def test_distinct_values_are_the_engines_group_names():
    frame = pd.DataFrame(
        {"y": [1.0, 0.0, 1.0, 0.0], "yhat": [1, 1, 0, 0], "g": [" b", "a", "a", 2.0]}
    )
    data = prepare(frame, AuditSpec(label="y", prediction="yhat", sensitive=("g",),
                                    favorable="1"))
    assert distinct_values(frame, "g") == data.sensitive[0].categories
    assert distinct_values(frame, "y") == ("0", "1")
