"""The what-if figures and tables show the analysis' own numbers, unchanged; clicked points
say what they are."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from audit import STATUS_WORDS, prepare, verdict_label
from audit.views import (
    PointTarget,
    criteria_before_after_frame,
    cut_offs_text,
    options_frame,
    point_target,
    rates_before_after_frame,
    roc_figure,
    slider_range,
    tradeoff_figure,
)
from audit.views._whatif_charts import MAX_CURVE_POINTS
from audit.whatif import DISPARITIES, WhatIfReport, whatif
from tests.audit.whatif.conftest import make_frame, make_spec


@pytest.fixture(scope="module")
def frame():
    return make_frame()


@pytest.fixture(scope="module")
def report(frame) -> WhatIfReport:
    spec = make_spec()
    return whatif(prepare(frame, spec, id_column="applicant"), spec, attribute="sex",
                  tolerance=0.02)


def _traces(figure, name: str) -> list:
    return [t for t in figure.data if t.name == name]


def test_roc_curves_are_sklearns_and_the_dots_are_the_uploaded_decisions(report, frame):
    figure = roc_figure(report.roc_curves())
    for group in ("female", "male"):
        rows = (frame["sex"] == group).to_numpy()
        y = (frame["outcome"] == "approved").to_numpy()[rows]
        fpr, tpr, _ = roc_curve(y, frame["score"].to_numpy()[rows], drop_intermediate=False)
        line = _traces(figure, group)[0]
        assert len(fpr) <= MAX_CURVE_POINTS  # about a hundred distinct scores: all drawn
        np.testing.assert_allclose(line.x, fpr, atol=1e-15)
        np.testing.assert_allclose(line.y, tpr, atol=1e-15)
        dot = _traces(figure, f"{group}: uploaded decisions")[0]
        decided = (frame["decision"] == "approved").to_numpy()[rows]
        assert dot.x == (pytest.approx((decided & ~y).sum() / (~y).sum()),)
        assert dot.y == (pytest.approx((decided & y).sum() / y.sum()),)


def test_the_option_in_view_is_drawn_on_each_curve(report):
    option = report.option("equal_opportunity")
    rates = option.group_rates["sex"]
    figure = roc_figure(report.roc_curves(), after=rates)
    for group in ("female", "male"):
        marker = _traces(figure, f"{group}: set with the sliders")[0]
        assert marker.x == (rates[group]["false_positive_rate"],)
        assert marker.y == (rates[group]["true_positive_rate"],)


def test_long_curves_are_thinned_but_keep_both_ends(report):
    curve = report.roc_curves()[0]
    many = type(curve)(attribute=curve.attribute, group=curve.group,
                       thresholds=np.linspace(1, 0, 5000),
                       false_positive_rate=np.linspace(0, 1, 5000),
                       true_positive_rate=np.linspace(0, 1, 5000) ** 0.5,
                       operating_point=curve.operating_point)
    line = roc_figure([many]).data[0]
    assert len(line.x) == MAX_CURVE_POINTS
    assert (line.x[0], line.x[-1]) == (0.0, 1.0)
    assert all(b > a for a, b in zip(line.x, line.x[1:], strict=False))


@pytest.mark.parametrize("disparity", DISPARITIES)
def test_tradeoff_points_are_the_evaluations_with_their_intervals(report, disparity):
    figure = tradeoff_figure(report, disparity=disparity)
    for option in report.options:
        trace = _traces(figure, option.name)[0]
        estimate = option.choice.evaluation.disparities[disparity]
        accuracy = option.choice.evaluation.accuracy
        assert trace.x == (estimate.value,) and trace.y == (accuracy.value,)
        assert trace.error_x.array == (pytest.approx(estimate.ci_high - estimate.value),)
        assert trace.error_x.arrayminus == (pytest.approx(estimate.value - estimate.ci_low),)
        assert trace.error_y.array == (pytest.approx(accuracy.ci_high - accuracy.value),)
        assert point_target({"customdata": list(trace.customdata[0])}) == PointTarget(
            kind="option", option_id=option.id)
    sweeps = [t for t in figure.data if t.name.startswith("tolerance sweep")]
    targeted = [c for c in report.tradeoffs if c.disparity == disparity]
    assert len(sweeps) == len(targeted) == 1
    curve = targeted[0]
    assert sweeps[0].x == tuple(p.evaluation.disparities[disparity].value for p in curve.points)
    clicked = point_target({"customdata": list(sweeps[0].customdata[2])})
    assert clicked == PointTarget(kind="point", strategy=curve.strategy,
                                  tolerance=curve.points[2].tolerance)
    star = _traces(figure, "Uploaded decisions")[0]
    assert star.y == (report.before.evaluation.accuracy.value,)


def test_with_a_cost_ratio_the_chart_shows_cost(frame):
    spec = make_spec()
    costly = whatif(prepare(frame, spec, id_column="applicant"), spec, attribute="sex",
                    cost_ratio=3.0, randomized=False)
    figure = tradeoff_figure(costly, disparity="equal_opportunity_difference")
    option = costly.option("single")
    assert _traces(figure, option.name)[0].y == (option.choice.evaluation.cost.value,)
    assert "cost" in figure.layout.yaxis.title.text
    assert "cost (95% CI)" in options_frame(costly).columns


@pytest.mark.parametrize("data", [{}, {"customdata": "option"}, {"customdata": ["x", 1]},
                                  {"customdata": []}])
def test_unknown_points_open_nothing(data):
    assert point_target(data) is None


def test_options_table_has_the_uploaded_decisions_then_every_option(report):
    table = options_frame(report)
    assert list(table["option"]) == ["Uploaded decisions", *(o.name for o in report.options)]
    assert list(table["verdict after"]) == [verdict_label(report.before.audit.verdict), *(
        verdict_label(o.audit.verdict) for o in report.options)]
    single = table.iloc[1]
    assert single["uses the attribute"] == "no"
    accuracy = report.option("single").choice.evaluation.accuracy
    assert single["accuracy (95% CI)"].startswith(f"{accuracy.value:.3f} (")


def test_before_and_after_tables_are_the_two_audits(report):
    option = report.option("demographic_parity")
    before, after = report.before.audit, option.audit
    table = criteria_before_after_frame(before, after)
    assert list(table["attribute"]) == [f.attribute for f in before.findings]
    for row, old, new in zip(table.itertuples(), before.findings, after.findings, strict=True):
        assert row.before.startswith(STATUS_WORDS[old.status])
        assert row.after == f"{STATUS_WORDS[new.status]}: {new.estimate.value:.3f} (" \
            f"{new.estimate.ci_low:.3f}–{new.estimate.ci_high:.3f})".replace("-", "−")
        assert row.changed == ("" if old.status == new.status else "changed")
    rates = rates_before_after_frame(before, after, "sex")
    assert list(rates["group"]) == ["female", "male"]
    female = after.group("sex", "female").metrics["selection_rate"].value
    assert rates.loc[0, "selection rate after"].startswith(f"{female:.3f} (")


def test_slider_runs_over_every_cut_off(report, frame):
    span = slider_range(report)
    score = frame["score"].to_numpy()
    assert span.low == score.min() and span.high > score.max()
    assert span.high == report.plan.sweep.overall.cut_offs[-1]
    assert math.log10(span.step) == round(math.log10(span.step))
    assert (span.high - span.low) / span.step >= 1_000
    assert span.format == f"%.{-round(math.log10(span.step))}f"


def test_cut_offs_in_words():
    assert cut_offs_text({"female": 0.4812, "male": 0.5377}) == "female ≥ 0.4812; male ≥ 0.5377"
    assert cut_offs_text({"female": 0.5, "male": 0.5}) == "everyone ≥ 0.5"


def test_when_every_score_is_the_same_the_slider_still_runs(frame):
    spec = make_spec()
    same = frame.assign(score=0.5)
    flat = whatif(prepare(same, spec, id_column="applicant"), spec, attribute="sex",
                  randomized=False)
    span = slider_range(flat)
    assert span.low == 0.5 and span.high == 0.5 + span.step and span.step == 1e-6
