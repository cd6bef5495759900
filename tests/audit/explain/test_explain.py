"""Explanations on a surrogate: additivity, planted effects, sampling, JSON and words.

The synthetic data plants two effects: the decision depends on ``sex`` directly, and on
``zip``, which is strongly tied to ``race`` (so race acts only through its proxy).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate
from hypothesis import given, settings
from hypothesis import strategies as st

from audit._errors import AuditInputError
from audit.explain import Explanations, explain
from audit.explain._copies import IDENTIFIER
from audit.explain._explain import (
    BAD_SAMPLE_SIZE,
    REFERENCE_NOT_A_GROUP,
    attribute_sample,
    probability_values,
)
from audit.explain._surrogate import (
    CONSTANT_PREDICTIONS,
    LOW_AGREEMENT,
    FeatureEncoder,
    finest_cells,
    fit_surrogate,
    stratified_sample,
)
from audit.inputs import PreparedData, SensitiveColumn

RACES = ("Asian", "Black", "White")
ZIPS = {
    "Asian": ("Z8", "Z9"),
    "Black": ("Z0", "Z1", "Z2"),
    "White": tuple(f"Z{i}" for i in range(3, 8)),
}
ALL_ZIPS = tuple(z for race in RACES for z in ZIPS[race])
SAMPLE = 600
REFERENCES = {"sex": "male", "race": "White"}


def synthetic(n: int = 3000, *, seed: int = 0, score: bool = False) -> PreparedData:
    """Decisions driven by sex (direct) and zip (a proxy for race), plus noise columns."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(2, size=n)
    race = rng.choice(3, size=n, p=[0.15, 0.3, 0.55])
    own = np.array([ZIPS[RACES[r]][rng.integers(len(ZIPS[RACES[r]]))] for r in race])
    zips = np.where(rng.random(n) < 0.9, own, rng.choice(ALL_ZIPS, size=n))
    income = rng.normal(50, 10, n)
    margin = 1.5 * sex - 1.5 * np.isin(zips, ZIPS["Black"]) + 0.08 * (income - 50) - 0.3
    y_pred = margin > 0
    y_true = margin + rng.normal(0, 1, n) > 0
    frame = pd.DataFrame(
        {
            "sex": np.where(sex == 1, "male", "female"),
            "race": np.asarray(RACES)[race],
            "zip": zips,
            "income": income,
            "noise": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "ref": [f"A{i:06d}" for i in range(n)],
        }
    )
    probability = 1 / (1 + np.exp(-margin))
    return PreparedData(
        frame=frame,
        y_true=y_true,
        y_pred=y_pred,
        score=probability if score else None,
        sensitive=(
            SensitiveColumn("sex", sex, ("female", "male")),
            SensitiveColumn("race", race, RACES),
        ),
        favorable="1",
        features=("zip", "income", "noise", "colour", "ref"),
    )


@pytest.fixture(scope="module")
def data() -> PreparedData:
    return synthetic()


@pytest.fixture(scope="module")
def result(data: PreparedData) -> Explanations:
    return explain(data, references=REFERENCES, sample_size=SAMPLE)


@pytest.fixture(scope="module")
def sample(data: PreparedData):
    return attribute_sample(data, sample_size=SAMPLE)


def gap(result: Explanations, attribute: str, group: str):
    (found,) = [g for g in result.gap_attribution if (g.attribute, g.group) == (attribute, group)]
    return found


# -- additivity ------------------------------------------------------------------------


def test_shap_values_plus_base_equal_the_surrogate_margin_on_every_row(sample) -> None:
    explanation = sample.explanation
    margin = sample.surrogate.model.decision_function(explanation.data)
    total = explanation.values.sum(axis=1) + explanation.base_values
    np.testing.assert_allclose(total, margin, rtol=0, atol=1e-6)
    assert explanation.values.shape == (SAMPLE, len(explanation.feature_names))


def test_contributions_sum_exactly_to_the_gap_in_mean_margin(data, result, sample) -> None:
    margin = sample.surrogate.model.decision_function(sample.explanation.data)
    sex = data.sensitive[0].codes[sample.rows]
    race = data.sensitive[1].codes[sample.rows]
    expected = {
        ("sex", "female"): margin[sex == 0].mean() - margin[sex == 1].mean(),
        ("race", "Black"): margin[race == 1].mean() - margin[race == 2].mean(),
        ("race", "Asian"): margin[race == 0].mean() - margin[race == 2].mean(),
    }
    for (attribute, group), value in expected.items():
        found = gap(result, attribute, group)
        assert found.gap == pytest.approx(value, abs=1e-6)
        assert sum(c.contribution for c in found.contributions) == pytest.approx(value, abs=1e-6)
        assert found.direct + found.indirect == pytest.approx(value, abs=1e-6)
    for found in result.gap_attribution:
        assert sum(c.contribution for c in found.contributions) == pytest.approx(
            found.gap, abs=1e-6
        )


# -- planted effects -------------------------------------------------------------------


def test_the_sex_gap_is_the_direct_effect_of_sex(result) -> None:
    found = gap(result, "sex", "female")
    assert found.reference == "male"
    top = found.contributions[0]
    assert (top.feature, top.sensitive) == ("sex", True)
    assert found.gap < 0
    assert abs(found.direct) > 0.8 * abs(found.gap)
    assert [c.feature for c in found.contributions if c.sensitive] == ["sex"]


def test_the_race_gap_comes_through_zip_not_race(result) -> None:
    found = gap(result, "race", "Black")
    assert found.reference == "White"
    assert (found.contributions[0].feature, found.contributions[0].sensitive) == ("zip", False)
    assert found.gap < 0
    assert abs(found.indirect) > 0.9 * abs(found.gap)
    assert -1 < found.gap_probability < 0


def test_global_importance_is_sorted_and_ranks_planted_features_first(result) -> None:
    values = [f.mean_abs_shap for f in result.global_importance]
    assert values == sorted(values, reverse=True)
    assert {f.feature for f in result.global_importance[:3]} == {"sex", "zip", "income"}
    assert "ref" not in {f.feature for f in result.global_importance}
    assert result.dropped_features == ("ref",)


def test_by_group_covers_every_group_including_intersections(data, result) -> None:
    groups = {(g.attribute, g.group): g.n for g in result.by_group}
    combos = {f"{s} × {r}" for s in ("female", "male") for r in RACES}
    assert {g for a, g in groups if a == "sex × race"} == combos
    assert sum(n for (a, _), n in groups.items() if a == "sex") == SAMPLE
    sizes = [n for (a, _), n in groups.items() if a == "sex × race"]
    assert sum(sizes) == SAMPLE and min(sizes) >= 5
    female = next(g for g in result.by_group if (g.attribute, g.group) == ("sex", "female"))
    assert female.importance[0].feature == "sex" and female.importance[0].mean_shap < 0


def test_intersection_reference_defaults_to_the_largest_group(data, result) -> None:
    cells = pd.Series(
        [f"{s} × {r}" for s, r in zip(data.frame["sex"], data.frame["race"], strict=True)]
    )
    largest = cells.value_counts().index[0]
    references = {g.reference for g in result.gap_attribution if g.attribute == "sex × race"}
    assert references == {largest}
    found = gap(result, "sex × race", "female × Black")
    assert {c.feature for c in found.contributions if c.sensitive} == {"sex", "race"}


# -- fidelity --------------------------------------------------------------------------


def test_fidelity_is_reported_for_the_surrogate(result) -> None:
    fidelity = result.fidelity
    assert result.method == "surrogate" and result.output == "log-odds"
    assert fidelity.kind == "classification" and fidelity.trustworthy
    assert fidelity.agreement > 0.95 and fidelity.roc_auc > 0.95 and fidelity.warning is None
    assert 600 < fidelity.held_out_rows < 900
    assert result.surrogate_rows + fidelity.held_out_rows == 3000


def test_a_surrogate_that_cannot_reproduce_the_decisions_says_so(data) -> None:
    rng = np.random.default_rng(1)
    random = PreparedData(
        frame=data.frame,
        y_true=data.y_true,
        y_pred=rng.random(data.rows) < 0.5,
        score=None,
        sensitive=data.sensitive,
        favorable="1",
        features=data.features,
    )
    fidelity = fit_surrogate(random, seed=0).fidelity
    assert not fidelity.trustworthy
    assert fidelity.warning == LOW_AGREEMENT.format(percent=math.floor(fidelity.agreement * 100))
    assert fidelity.agreement < 0.6


def test_with_a_score_the_decisions_are_still_explained_in_probability() -> None:
    data = synthetic(score=True)
    sample = attribute_sample(data, sample_size=300)
    margin = sample.surrogate.model.decision_function(sample.explanation.data)
    total = sample.explanation.values.sum(axis=1) + sample.explanation.base_values
    np.testing.assert_allclose(total, margin, rtol=0, atol=1e-6)
    assert sample.output_space == "log-odds" and sample.probability is not None
    assert sample.fidelity.kind == "classification" and sample.fidelity.agreement > 0.9


# -- percentage points -----------------------------------------------------------------


def test_each_rows_values_in_probability_add_up_to_its_probability(sample) -> None:
    shares = probability_values(sample)
    probability = sample.surrogate.model.predict_proba(sample.explanation.data)[:, 1]
    base = 1 / (1 + np.exp(-sample.explanation.base_values))
    np.testing.assert_allclose(shares.sum(axis=1), probability - base, rtol=0, atol=1e-9)
    # the sign of every value is kept: the scale is positive (sigmoid is increasing)
    assert np.all(np.sign(shares) == np.sign(sample.explanation.values))


def test_the_gap_in_points_splits_exactly_and_matches_the_fairness_page(data, result, sample):
    probability = sample.surrogate.model.predict_proba(sample.explanation.data)[:, 1]
    sex = data.sensitive[0].codes[sample.rows]
    female = gap(result, "sex", "female")
    expected = probability[sex == 0].mean() - probability[sex == 1].mean()
    assert female.gap_probability == pytest.approx(expected, abs=1e-9)
    assert sum(c.probability for c in female.contributions) == pytest.approx(expected, abs=1e-9)
    assert female.direct_probability + female.indirect_probability == pytest.approx(
        expected, abs=1e-9)
    # the observed rates are fairlearn's selection rates over every row
    frame = MetricFrame(metrics=selection_rate, y_true=data.y_true, y_pred=data.y_pred,
                        sensitive_features=data.frame["sex"])
    assert female.group_rate == pytest.approx(frame.by_group["female"], abs=1e-12)
    assert female.reference_rate == pytest.approx(frame.by_group["male"], abs=1e-12)
    assert female.unexplained == pytest.approx(female.observed_gap - expected, abs=1e-12)
    # the surrogate reproduces the decisions closely, so little is left unexplained
    assert abs(female.unexplained) < 0.05
    for found in result.gap_attribution:
        assert sum(c.probability for c in found.contributions) == pytest.approx(
            found.gap_probability, abs=1e-9)


def test_importance_in_probability_is_the_mean_absolute_share(result, sample) -> None:
    shares = probability_values(sample)
    names = list(sample.explanation.feature_names)
    for item in result.global_importance:
        assert item.mean_abs_probability == pytest.approx(
            np.abs(shares[:, names.index(item.feature)]).mean(), abs=1e-12)


# -- sampling --------------------------------------------------------------------------


def test_stratified_sample_keeps_a_rare_cell_and_is_seeded() -> None:
    cells = np.zeros(3000, dtype=np.int64)
    cells[:3] = 2
    cells[3:1000] = 1
    picked = stratified_sample(cells, size=100, seed=0)
    assert picked.size == 100 and np.all(np.diff(picked) > 0)
    assert set(range(3)) <= set(picked.tolist())
    assert np.array_equal(picked, stratified_sample(cells, size=100, seed=0))
    assert not np.array_equal(picked, stratified_sample(cells, size=100, seed=1))
    counts = np.bincount(cells[picked])
    assert abs(counts[1] - 33) <= 2 and abs(counts[0] - 64) <= 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=500),
    st.integers(min_value=0, max_value=2**16),
)
def test_stratified_sample_invariants(sizes: list[int], size: int, seed: int) -> None:
    cells = np.repeat(np.arange(len(sizes)), sizes)
    picked = stratified_sample(cells, size=size, seed=seed)
    counts = np.bincount(cells[picked], minlength=len(sizes))
    assert np.unique(picked).size == picked.size
    assert np.all(counts >= np.minimum(sizes, 5))
    assert picked.size == max(min(size, cells.size), int(np.minimum(sizes, 5).sum()))


def test_finest_cells_cross_every_attribute(data) -> None:
    cells = finest_cells(data.sensitive)
    assert cells.max() + 1 == 6
    codes = zip(*(s.codes.tolist() for s in data.sensitive), strict=True)
    pairs = set(zip(cells.tolist(), codes, strict=True))
    assert len(pairs) == 6


def test_encoder_orders_text_by_target_and_caps_categories() -> None:
    table = pd.DataFrame({"city": [f"c{i % 60}" for i in range(600)] + [None] * 10})
    target = np.r_[np.arange(600) % 60 == 3, np.zeros(10, bool)].astype(float)
    encoder = FeatureEncoder.fit(table, target=target, max_categories=50)
    (column,) = encoder.columns
    assert len(column.categories) == 51 and "(other)" in column.categories
    assert len(FeatureEncoder.fit(table, target=target).columns[0].categories) == 61
    rare = pd.DataFrame({"city": ["a"] * 30 + ["b"] * 4})
    assert FeatureEncoder.fit(rare).columns[0].categories == ("a", "(other)")
    assert column.categories[-1] == "c3"  # the only category with a positive target
    encoded = encoder.transform(pd.DataFrame({"city": ["c3", "never seen", None]}))
    assert encoded[0, 0] == 50 and encoded[1, 0] == column.categories.index("(other)")
    assert np.isnan(encoded[2, 0])


# -- JSON and words --------------------------------------------------------------------


def _plain_types(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_types(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or type(value) in (str, int, bool)


def test_to_dict_has_the_contract_shape_with_plain_values(result) -> None:
    out = result.to_dict()
    assert _plain_types(out)
    json.dumps(out, allow_nan=False)
    assert {
        "method",
        "fidelity",
        "sample_size",
        "population_rows",
        "global_importance",
        "by_group",
        "gap_attribution",
        "proxies",
        "proxy_all_features",
    } <= set(out)
    assert out["method"] == "surrogate" and out["sample_size"] == SAMPLE
    assert out["population_rows"] == 3000
    assert {"trustworthy", "warning", "held_out_rows", "agreement", "roc_auc"} <= set(
        out["fidelity"]
    )
    assert set(out["global_importance"][0]) == {"feature", "mean_abs_shap",
                                                "mean_abs_probability"}
    assert set(out["by_group"][0]) == {"attribute", "group", "n", "importance"}
    assert set(out["by_group"][0]["importance"][0]) == {
        "feature", "mean_abs_shap", "mean_shap", "mean_abs_probability", "mean_probability"}
    item = out["gap_attribution"][0]
    assert set(item) == {
        "attribute", "group", "reference", "gap", "gap_probability", "direct", "indirect",
        "contributions", "group_rate", "reference_rate", "observed_gap", "unexplained",
        "direct_probability", "indirect_probability",
    }
    assert set(item["contributions"][0]) == {"feature", "contribution", "sensitive",
                                             "probability"}
    assert out["left_out"] == [{"column": "ref", "reason": "identifier", "auc": None,
                                "identical": None,
                                "message": IDENTIFIER.format(column="ref")}]
    assert out["kept_copies"] == []
    assert {"attribute", "feature", "score", "mutual_information", "auc"} <= set(out["proxies"][0])
    assert {a["attribute"] for a in out["proxy_all_features"]} == {"sex", "race"}


def test_summary_reads_in_points_and_names_the_direct_effect_and_the_proxy(result) -> None:
    sex = result.summary("sex")
    female = gap(result, "sex", "female")
    assert sex[0].startswith(
        f"female get '1' {abs(100 * female.observed_gap):.1f} percentage points less often "
        f"than male ({100 * female.group_rate:.1f}% against {100 * female.reference_rate:.1f}%, "
        "as on the Fairness page). The surrogate model gives a gap of "
        f"{100 * female.gap_probability:.1f} points on the explained rows, mostly from sex "
        "itself (−".replace("-", "\u2212"))
    assert "points: the model uses the attribute directly)" in sex[0]
    assert sex[0].endswith(" In log-odds: " + f"{female.gap:.2f}.".replace("-", "\u2212"))
    race = result.summary("race")
    black = next(line for line in race if line.startswith("Black get '1'"))
    assert "mostly from zip (−" in black and "itself" not in black
    zip_auc = result.proxies.for_attribute("race")[0].auc
    assert (
        f"zip predicts race strongly (AUC {zip_auc:.2f}): it can act as a proxy for race." in race
    )
    with pytest.raises(KeyError):
        result.summary("age")


# -- bad input -------------------------------------------------------------------------


def test_an_unknown_reference_group_is_refused(data) -> None:
    with pytest.raises(AuditInputError) as err:
        explain(data, references={"race": "Martian"}, sample_size=SAMPLE)
    assert str(err.value) == REFERENCE_NOT_A_GROUP.format(
        reference="Martian", attribute="race", groups="Asian, Black, White"
    )


@pytest.mark.parametrize("size", [0, 5, 2.5, True])
def test_a_bad_sample_size_is_refused(data, size) -> None:
    with pytest.raises(AuditInputError) as err:
        explain(data, references={}, sample_size=size)
    assert str(err.value) == BAD_SAMPLE_SIZE.format(value=size)


def test_constant_predictions_are_refused(data) -> None:
    constant = PreparedData(
        frame=data.frame,
        y_true=data.y_true,
        y_pred=np.ones(data.rows, dtype=bool),
        score=None,
        sensitive=data.sensitive,
        favorable="1",
        features=data.features,
    )
    with pytest.raises(AuditInputError) as err:
        explain(constant, references={}, proxies=False)
    assert str(err.value) == CONSTANT_PREDICTIONS
