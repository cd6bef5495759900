"""Proxy detection: a feature tied to race is found; an unrelated one is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.explain import (
    MODERATE_PROXY_AUC,
    STRONG_PROXY_AUC,
    ProxyReport,
    detect_proxies,
    strength_of,
)
from audit.explain._proxy import discretise
from audit.inputs import PreparedData, SensitiveColumn

RACES = ("Asian", "Black", "White", "Unknown")


def proxy_data(n: int = 3000, seed: int = 0) -> PreparedData:
    """``zip`` matches race 85% of the time; ``income`` shifts a little with race."""
    rng = np.random.default_rng(seed)
    race = rng.choice(4, size=n, p=[0.2, 0.3, 0.45, 0.05])
    sex = rng.choice(2, size=n)
    zips = np.where(rng.random(n) < 0.85, race, rng.choice(4, size=n))
    income = rng.normal(50, 10, n) + 4.0 * (race == 2)
    income[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame(
        {
            "zip": np.char.add("Z", zips.astype(str)),
            "income": income,
            "noise": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
        }
    )
    decisions = rng.random(n) < 0.5
    return PreparedData(
        frame=frame,
        y_true=decisions,
        y_pred=decisions,
        score=None,
        sensitive=(
            SensitiveColumn("race", race, RACES, unknown=("Unknown",)),
            SensitiveColumn("sex", sex, ("female", "male")),
        ),
        favorable="1",
        features=("zip", "income", "noise", "colour"),
    )


@pytest.fixture(scope="module")
def report() -> ProxyReport:
    return detect_proxies(proxy_data(), seed=0)


def test_zip_is_the_top_proxy_for_race(report: ProxyReport) -> None:
    race = report.for_attribute("race")
    assert [s.feature for s in race][0] == "zip"
    assert race[0].auc > 0.8 and race[0].score == race[0].auc
    assert race[0].strength == "strong"
    assert race[0].normalized_mutual_information > 0.3
    assert [s.auc for s in race] == sorted((s.auc for s in race), reverse=True)


def test_an_unrelated_feature_scores_near_one_half(report: ProxyReport) -> None:
    for attribute in ("race", "sex"):
        noise = next(s for s in report.for_attribute(attribute) if s.feature == "noise")
        assert abs(noise.auc - 0.5) < 0.05
        assert noise.normalized_mutual_information < 0.01 and noise.strength == "weak"


def test_a_weak_shift_scores_between(report: ProxyReport) -> None:
    income = next(s for s in report.for_attribute("race") if s.feature == "income")
    assert 0.55 < income.auc < 0.7


def test_all_features_together_and_the_sample(report: ProxyReport) -> None:
    together = {a.attribute: a.auc for a in report.all_features}
    assert together["race"] > 0.8
    assert abs(together["sex"] - 0.5) < 0.06
    assert report.sample_size == 3000
    assert {s.attribute for s in report.scores} == {"race", "sex"}
    assert all(s.feature in {"zip", "income", "noise", "colour"} for s in report.scores)


def test_the_sample_is_capped_and_seeded() -> None:
    data = proxy_data()
    small = detect_proxies(data, sample_size=1000, seed=4)
    again = detect_proxies(data, sample_size=1000, seed=4)
    assert small.sample_size == 1000
    assert small == again


def test_tiny_groups_are_left_out_without_warnings() -> None:
    data = proxy_data(n=400)
    codes = data.sensitive[0].codes.copy()
    codes[:2] = 3  # "Unknown" is left out anyway; make a real group of two rows
    codes[2:4] = 0
    codes[(codes == 0)] = 1
    codes[:2] = 0
    tiny = PreparedData(
        frame=data.frame,
        y_true=data.y_true,
        y_pred=data.y_pred,
        score=None,
        sensitive=(SensitiveColumn("race", codes, RACES, unknown=("Unknown",)),),
        favorable="1",
        features=data.features,
    )
    report = detect_proxies(tiny)
    assert report.for_attribute("race")[0].feature == "zip"


def test_discretise_quantile_bins_with_missing_values_apart() -> None:
    column = np.r_[np.arange(1000, dtype=float), [np.nan] * 10]
    bins = discretise(column, categorical=False)
    assert bins.max() + 1 == 21
    assert len(set(bins[-10:].tolist())) == 1 and bins[-1] not in set(bins[:1000].tolist())
    counts = np.bincount(bins[:1000])
    assert counts[counts > 0].min() >= 45
    codes = discretise(np.array([3.0, 1.0, np.nan, 3.0]), categorical=True)
    assert codes[0] == codes[3] and len(set(codes.tolist())) == 3


@pytest.mark.parametrize(
    ("auc", "strength"),
    [
        (STRONG_PROXY_AUC, "strong"),
        (0.69, "moderate"),
        (MODERATE_PROXY_AUC, "moderate"),
        (0.5, "weak"),
    ],
)
def test_strength_thresholds(auc: float, strength: str) -> None:
    assert strength_of(auc) == strength


def test_the_auc_is_scikit_learns_with_ties_and_several_classes() -> None:
    from sklearn.metrics import roc_auc_score

    from audit.explain._proxy import _auc, binary_auc

    rng = np.random.default_rng(5)
    labels = rng.random(500) < 0.3
    coarse = np.round(rng.random(500) + 0.3 * labels, 1)  # many ties
    assert binary_auc(labels, coarse) == pytest.approx(roc_auc_score(labels, coarse), abs=1e-12)
    target = rng.choice(4, size=600)
    proba = rng.dirichlet(np.ones(4), size=600)
    proba[:, 2] = np.round(proba[:, 2], 1)
    expected = roc_auc_score(target, proba / proba.sum(axis=1, keepdims=True), multi_class="ovr",
                             average="macro", labels=np.arange(4))
    normalised = proba / proba.sum(axis=1, keepdims=True)
    assert _auc(target, normalised) == pytest.approx(expected, abs=1e-12)
    assert np.isnan(binary_auc(np.ones(3, dtype=bool), np.arange(3.0)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mutual_information_is_scikit_learns(seed) -> None:
    from sklearn.metrics import mutual_info_score, normalized_mutual_info_score

    from audit.explain._proxy import mutual_information

    rng = np.random.default_rng(seed)
    a = rng.choice(4, size=800)
    b = np.where(rng.random(800) < 0.4, a, rng.choice(6, size=800))
    b = np.unique(b, return_inverse=True)[1]
    mi, nmi = mutual_information(a, b)
    assert mi == pytest.approx(mutual_info_score(a, b), abs=1e-12)
    assert nmi == pytest.approx(normalized_mutual_info_score(a, b), abs=1e-12)
    constant = np.zeros(800, dtype=np.int64)
    assert mutual_information(a, constant) == (0.0, normalized_mutual_info_score(a, constant))
    assert mutual_information(constant, constant) == (
        0.0, normalized_mutual_info_score(constant, constant))
