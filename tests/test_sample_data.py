"""The committed sample CSVs are reproducible and carry the planted, documented bias."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"


def _load_generator() -> ModuleType:
    try:
        return importlib.import_module("sample_data.make_samples")
    except ImportError:
        spec = importlib.util.spec_from_file_location(
            "_sample_data_make_samples", SAMPLE_DIR / "make_samples.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


gen = _load_generator()


@pytest.fixture(scope="module")
def applicants() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / "lending_applicants.csv")


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / "lending_predictions.csv")


@pytest.fixture(scope="module")
def lending(applicants: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    return applicants.merge(predictions, on="applicant_id", how="inner", validate="one_to_one")


@pytest.fixture(scope="module")
def hiring() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / "hiring.csv")


def _rate(selected: pd.Series, mask: pd.Series) -> float:
    return float(selected[mask].mean())


def _ratio_ci(selected: pd.Series, a: pd.Series, b: pd.Series) -> tuple[float, float, float]:
    """Selection-rate ratio a/b with a 95% Katz log interval."""
    x1, n1 = float(selected[a].sum()), float(a.sum())
    x2, n2 = float(selected[b].sum()), float(b.sum())
    ratio = (x1 / n1) / (x2 / n2)
    se = np.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
    return ratio, ratio * float(np.exp(-1.96 * se)), ratio * float(np.exp(1.96 * se))


# ------------------------------------------------------------------ reproducibility


def test_files_are_byte_identical_to_regeneration() -> None:
    fresh = gen.build_csv_bytes()
    assert set(fresh) == {"lending_applicants.csv", "lending_predictions.csv", "hiring.csv"}
    for name, data in fresh.items():
        on_disk = (SAMPLE_DIR / name).read_bytes()
        assert on_disk == data, f"{name} is stale: run python sample_data/make_samples.py"


def test_generation_is_deterministic() -> None:
    assert gen.build_csv_bytes() == gen.build_csv_bytes()


def test_check_flag_reports_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_detects_a_changed_file(tmp_path: Path) -> None:
    for name, data in gen.build_csv_bytes().items():
        (tmp_path / name).write_bytes(data)
    assert gen.differing_files(tmp_path) == []
    (tmp_path / "hiring.csv").write_bytes(b"candidate_id\n")
    (tmp_path / "lending_predictions.csv").unlink()
    assert gen.differing_files(tmp_path) == ["lending_predictions.csv", "hiring.csv"]


@pytest.mark.parametrize(
    "name", ["lending_applicants.csv", "lending_predictions.csv", "hiring.csv"]
)
def test_files_are_small(name: str) -> None:
    assert (SAMPLE_DIR / name).stat().st_size < 600_000


# ------------------------------------------------------------------ lending shape


def test_lending_columns_and_values(applicants: pd.DataFrame, predictions: pd.DataFrame) -> None:
    assert list(applicants.columns) == [
        "applicant_id",
        "sex",
        "race",
        "age_group",
        "income",
        "debt_to_income",
        "credit_history_years",
        "loan_amount",
        "employment_years",
        "zip_region",
        "num_dependents",
        "outcome",
    ]
    assert list(predictions.columns) == ["applicant_id", "decision"]
    assert len(applicants) == len(predictions) == 6000
    assert applicants["applicant_id"].is_unique
    assert set(applicants["applicant_id"]) == set(predictions["applicant_id"])
    # One favorable value shared by label and prediction.
    assert set(applicants["outcome"]) == {"approved", "denied"}
    assert set(predictions["decision"]) == {"approved", "denied"}
    assert set(applicants["sex"]) == {"female", "male"}
    assert set(applicants["age_group"]) == {"18-29", "30-44", "45-64", "65+"}
    assert set(applicants["zip_region"]) == {f"Z{i:02d}" for i in range(1, 13)}
    assert applicants["debt_to_income"].between(0, 1).all()
    assert applicants.notna().all().all()


def test_predictions_are_not_in_applicant_order(
    applicants: pd.DataFrame, predictions: pd.DataFrame
) -> None:
    same = applicants["applicant_id"].to_numpy() == predictions["applicant_id"].to_numpy()
    assert same.mean() < 0.01


def test_small_and_unknown_race_categories(applicants: pd.DataFrame) -> None:
    share = applicants["race"].value_counts(normalize=True)
    assert 0 < share["Native American"] < 0.02
    assert 0 < share["Unknown"] <= 0.02
    assert share["White"] == pytest.approx(0.58, abs=0.01)
    assert share["Black"] == pytest.approx(0.20, abs=0.01)


def test_zip_region_is_a_proxy_for_race(applicants: pd.DataFrame) -> None:
    black_share = pd.crosstab(applicants["zip_region"], applicants["race"], normalize="index")[
        "Black"
    ].sort_values(ascending=False)
    top = black_share.index[:4]
    assert sorted(top) == ["Z09", "Z10", "Z11", "Z12"]
    assert (black_share[top] > 0.70).all()
    assert (black_share.iloc[4:] < 0.15).all()
    in_top = applicants["zip_region"].isin(top)
    assert (applicants.loc[in_top, "race"] == "Black").mean() > 0.70
    assert in_top[applicants["race"] == "Black"].mean() > 0.75
    # "Black iff lives in the top regions" predicts race well.
    accuracy = (in_top == (applicants["race"] == "Black")).mean()
    assert accuracy > 0.85


def test_ground_truth_does_not_depend_on_sex_or_race(lending: pd.DataFrame) -> None:
    good = lending["outcome"] == "approved"
    by_sex = good.groupby(lending["sex"]).mean()
    assert abs(by_sex["female"] - by_sex["male"]) < 0.05
    by_race = good.groupby(lending["race"]).mean()
    assert abs(by_race["Black"] - by_race["White"]) < 0.05


# ------------------------------------------------------------------ lending planted bias


def test_lending_overall_approval(lending: pd.DataFrame) -> None:
    assert 0.45 <= (lending["decision"] == "approved").mean() <= 0.55


def test_lending_sex_fails_four_fifths(lending: pd.DataFrame) -> None:
    approved = lending["decision"] == "approved"
    ratio, low, high = _ratio_ci(approved, lending["sex"] == "female", lending["sex"] == "male")
    assert 0.65 <= ratio <= 0.75
    assert high < 0.8


def test_lending_race_ratios(lending: pd.DataFrame) -> None:
    approved = lending["decision"] == "approved"
    white = _rate(approved, lending["race"] == "White")

    def ratio(group: str) -> float:
        return _rate(approved, lending["race"] == group) / white

    assert 0.60 <= ratio("Black") <= 0.70
    assert 0.85 <= ratio("Hispanic") <= 0.95
    assert 0.90 <= ratio("Asian") <= 1.10
    _, _, high = _ratio_ci(approved, lending["race"] == "Black", lending["race"] == "White")
    assert high < 0.8


def test_lending_true_positive_rate_gap(lending: pd.DataFrame) -> None:
    approved = lending["decision"] == "approved"
    good = lending["outcome"] == "approved"
    tpr = approved[good].groupby(lending.loc[good, "sex"]).mean()
    assert tpr["male"] - tpr["female"] > 0.1


# ------------------------------------------------------------------ hiring


def test_hiring_columns_and_values(hiring: pd.DataFrame) -> None:
    assert list(hiring.columns) == [
        "candidate_id",
        "gender",
        "age_band",
        "ethnicity",
        "years_experience",
        "education",
        "skills_test",
        "interview_rating",
        "qualified",
        "score",
        "shortlisted",
    ]
    assert len(hiring) == 4000
    assert hiring["candidate_id"].is_unique
    assert set(hiring["qualified"]) == {0, 1}
    assert set(hiring["shortlisted"]) == {0, 1}
    assert hiring["score"].between(0, 1).all()
    assert (hiring["shortlisted"] == (hiring["score"] >= 0.5).astype(int)).all()
    assert hiring["skills_test"].between(0, 100).all()
    assert hiring["interview_rating"].between(1, 5).all()
    assert set(hiring["education"]) == {"high school", "bachelor", "master", "phd"}
    assert hiring["ethnicity"].nunique() == 4
    gender = hiring["gender"].value_counts(normalize=True)
    assert gender["nonbinary"] == pytest.approx(0.03, abs=0.005)
    age = hiring["age_band"].value_counts(normalize=True)
    assert age["under 40"] == pytest.approx(0.65, abs=0.01)


def test_hiring_age_penalty(hiring: pd.DataFrame) -> None:
    selected = hiring["shortlisted"] == 1
    older = hiring["age_band"] == "40 and over"
    younger = hiring["age_band"] == "under 40"
    ratio, _, high = _ratio_ci(selected, older, younger)
    assert 0.65 <= ratio <= 0.75
    assert high < 0.8
    qualified = hiring["qualified"] == 1
    gap = _rate(selected, younger & qualified) - _rate(selected, older & qualified)
    assert 0.15 <= gap <= 0.25


def test_hiring_gender_roughly_fair(hiring: pd.DataFrame) -> None:
    selected = hiring["shortlisted"] == 1
    ratio = _rate(selected, hiring["gender"] == "woman") / _rate(
        selected, hiring["gender"] == "man"
    )
    assert 0.9 <= ratio <= 1.1


def test_planted_facts_agree_with_plain_pandas(lending: pd.DataFrame) -> None:
    facts = gen.planted_facts(SAMPLE_DIR)
    approved = lending["decision"] == "approved"
    expected = approved.groupby(lending["sex"]).mean()
    got = facts["lending_sex"]["selection_rate"]
    assert got["female"] == pytest.approx(expected["female"])
    assert got["male"] == pytest.approx(expected["male"])
    assert facts["predictions_same_order"] is False
