"""What a board needs to choose and record an option: where the uploaded decisions sit on
the score, the names of trade-off points, cut-offs set by hand added to a report, and cut-offs
written exactly."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from audit import AuditInputError
from audit.whatif import (
    STRATEGIES,
    apply_thresholds,
    format_cut_off,
    option_name,
    plan,
    uploaded_cut_off,
)
from audit.whatif.words import UNKNOWN_OPTION, UNKNOWN_STRATEGY


def brute_force(score: np.ndarray, decided: np.ndarray) -> tuple[float, float]:
    """Try every distinct score (and one above them all) as the cut-off: best agreement."""
    candidates = [*np.unique(score), np.nextafter(score.max(), np.inf)]
    agreement = [float(((score >= c) == decided).mean()) for c in candidates]
    best = int(np.argmax(agreement))
    return float(candidates[best]), agreement[best]


def test_the_uploaded_cut_off_reproduces_decisions_made_from_the_score(data):
    # the test data decide "score >= 0.5" exactly
    found = uploaded_cut_off(data)
    assert found.agreement == 1.0
    assert found.cut_off == data.score[data.score >= 0.5].min()


@pytest.mark.parametrize("flipped", [0.0, 0.1, 0.3])
def test_the_uploaded_cut_off_is_the_best_single_cut_off(data, flipped):
    rng = np.random.default_rng(3)
    noisy = data.y_pred ^ (rng.random(data.rows) < flipped)
    found = uploaded_cut_off(replace(data, y_pred=noisy))
    assert (found.cut_off, found.agreement) == brute_force(data.score, noisy)


def test_the_uploaded_cut_off_when_nobody_or_everybody_is_favoured(data):
    nobody = uploaded_cut_off(replace(data, y_pred=np.zeros(data.rows, dtype=bool)))
    assert nobody.agreement == 1.0 and nobody.cut_off > data.score.max()
    everybody = uploaded_cut_off(replace(data, y_pred=np.ones(data.rows, dtype=bool)))
    assert everybody == type(everybody)(cut_off=float(data.score.min()), agreement=1.0)


@pytest.mark.parametrize("cost_ratio", [1.0, 2.5])
def test_a_tradeoff_point_is_named_and_decides_as_the_option_at_its_tolerance(data, spec,
                                                                              cost_ratio):
    full = plan(data, spec, attribute="sex", tolerance=0.02, cost_ratio=cost_ratio)
    for strategy in STRATEGIES:
        assert full.option(strategy).name == option_name(strategy, tolerance=0.02,
                                                         cost_ratio=cost_ratio)
    for curve in full.tradeoffs:
        for point in curve.points[1:4]:
            at = plan(data, spec, attribute="sex", tolerance=point.tolerance,
                      cost_ratio=cost_ratio, strategies=(curve.strategy,))
            option = at.option(curve.strategy)
            assert dict(point.cut_offs) == dict(option.cut_offs)
            assert option.name == option_name(curve.strategy, tolerance=point.tolerance,
                                              cost_ratio=cost_ratio)


def test_option_name_refuses_an_unknown_strategy():
    with pytest.raises(AuditInputError) as caught:
        option_name("fastest", tolerance=0.1)
    assert str(caught.value) == UNKNOWN_STRATEGY.format(value="fastest",
                                                        allowed=", ".join(STRATEGIES))


def test_cut_offs_set_by_hand_join_the_report_and_can_be_chosen(report_sex, data, spec):
    cut_offs = {"female": 0.42, "male": 0.55}
    manual = apply_thresholds(data, spec, attribute="sex", thresholds=cut_offs,
                              name="Equal opportunity, loaded and adjusted")
    assert manual.name == "Equal opportunity, loaded and adjusted"
    with_manual = report_sex.with_option(manual)
    assert [o.id for o in with_manual.options] == [*(o.id for o in report_sex.options),
                                                   "manual"]
    assert [o.id for o in report_sex.options].count("manual") == 0  # the report is unchanged
    again = with_manual.with_option(apply_thresholds(data, spec, attribute="sex",
                                                     thresholds=0.5))
    assert [o.id for o in again.options].count("manual") == 1
    assert again.option("manual").choice.cut_offs == {"female": 0.5, "male": 0.5}
    stored = with_manual.to_dict(chosen="manual")
    assert stored["chosen"] == "manual"
    entry = stored["options"][-1]
    assert entry["thresholds"] == {"sex": cut_offs}
    # the after audit of the chosen cut-offs: recomputed from the score with numpy
    score, female = data.score, data.frame["sex"].to_numpy() == "female"
    decided = score >= np.where(female, 0.42, 0.55)
    assert entry["accuracy"] == float((decided == data.y_true).mean())
    rates = entry["group_rates"]["sex"]["female"]
    assert rates["selection_rate"] == decided[female].mean()
    with pytest.raises(AuditInputError) as caught:
        report_sex.to_dict(chosen="manual")
    assert str(caught.value) == UNKNOWN_OPTION.format(
        value="manual", options=", ".join(repr(o.id) for o in report_sex.options))


@pytest.mark.parametrize("value", [0.4812, 0.1 + 0.2, 612.0, 1e-7, -0.25,
                                   float(np.nextafter(0.9871, np.inf))])
def test_cut_offs_are_written_exactly(value):
    text = format_cut_off(value)
    assert float(text.replace("−", "-")) == value
    assert len(text) <= len(repr(value)) + 1


def test_cut_off_words():
    assert format_cut_off(0.4812) == "0.4812"
    assert format_cut_off(-0.25) == "−0.25"
    assert format_cut_off(None) == "—" and format_cut_off(float("nan")) == "—"
