"""Explanation figures show the engine's numbers: importance bars, gap waterfall, proxies."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest

from audit.explain import MODERATE_PROXY_AUC, STRONG_PROXY_AUC, Explanations, Fidelity, explain
from audit.views import (
    fidelity_text,
    gap_groups,
    gap_waterfall,
    group_importance_figure,
    importance_figure,
    proxy_attributes,
    proxy_figure,
    proxy_text,
)
from audit.views._explain_charts import ALL_FEATURES, BAD_UNITS, DIRECT_COLOR, UNEXPLAINED


@pytest.fixture(scope="module")
def explanations(lending) -> Explanations:
    data, result = lending
    references = {**result.references, "sex": "male", "race": "White"}
    return explain(data, references=references, sample_size=400, seed=0)


def _relative_sum(figure: go.Figure) -> float:
    return math.fsum(y for trace in figure.data for y, m in zip(trace.y, trace.measure,
                                                                strict=True) if m == "relative")


def test_importance_bars_are_the_global_importance_in_points_then_log_odds(explanations):
    figure = importance_figure(explanations)
    (bars,) = figure.data
    top = explanations.global_importance[:15]
    assert list(bars.x) == [100 * f.mean_abs_probability for f in top]
    assert list(bars.y) == [f.feature for f in top]
    assert figure.layout.xaxis.title.text == "mean |SHAP value| (percentage points)"
    model = importance_figure(explanations, units="model")
    assert list(model.data[0].x) == [f.mean_abs_shap for f in top]
    assert model.layout.xaxis.title.text == "mean |SHAP value| (log-odds)"
    assert len(importance_figure(explanations, top=3).data[0].x) == 3
    with pytest.raises(ValueError) as err:
        importance_figure(explanations, units="pp")
    assert str(err.value) == BAD_UNITS.format(allowed="'points', 'model'", units="pp")


@pytest.mark.parametrize("top", [2, 8, 50])
def test_every_waterfall_in_points_sums_to_the_fairness_pages_gap(explanations, lending, top):
    _, result = lending
    for gap in explanations.gap_attribution:
        figure = gap_waterfall(gap, output=explanations.output, top=top)
        rates = {g.group: g.metrics["selection_rate"].value
                 for g in result.groups_of(gap.attribute)}
        observed = 100 * (rates[gap.group] - rates[gap.reference])  # as the Fairness page has it
        assert _relative_sum(figure) == pytest.approx(observed, abs=1e-9)
        total = figure.data[-1]
        assert list(total.measure) == ["absolute"]
        assert total.y[0] == pytest.approx(observed, abs=1e-9)
        assert figure.data[-2].x[-1] == UNEXPLAINED
        assert figure.data[-2].y[-1] == pytest.approx(100 * gap.unexplained, abs=1e-12)


@pytest.mark.parametrize("top", [2, 50])
def test_every_waterfall_in_log_odds_sums_to_the_models_gap(explanations, top):
    for gap in explanations.gap_attribution:
        figure = gap_waterfall(gap, output=explanations.output, top=top, units="model")
        assert _relative_sum(figure) == pytest.approx(gap.gap, abs=1e-9)
        total = figure.data[-1]
        assert list(total.measure) == ["absolute"] and list(total.y) == [gap.gap]


def test_the_direct_effect_is_coloured_apart(explanations):
    (gap,) = [g for g in explanations.gap_attribution if g.attribute == "sex"]
    figure = gap_waterfall(gap, output=explanations.output, units="model")
    direct = figure.data[0]
    assert list(direct.x) == ["sex (own column)"]
    assert list(direct.y) == [gap.direct]
    assert direct.increasing.marker.color == direct.decreasing.marker.color == DIRECT_COLOR
    assert DIRECT_COLOR not in {figure.data[1].increasing.marker.color,
                                figure.data[1].decreasing.marker.color}
    assert math.fsum(figure.data[1].y) == pytest.approx(gap.indirect, abs=1e-9)
    points = gap_waterfall(gap, output=explanations.output)
    assert list(points.data[0].y) == [pytest.approx(100 * gap.direct_probability)]
    # the planted direct effect: women are approved less because of sex itself
    assert gap.direct < 0 and abs(gap.direct) > abs(gap.indirect)


def test_an_intersection_has_both_columns_as_direct(explanations):
    gaps = gap_groups(explanations, "sex × race")
    assert gaps and all(g.reference == "male × White" for g in gaps)
    figure = gap_waterfall(gaps[0], output=explanations.output)
    assert set(figure.data[0].x) <= {"sex (own column)", "race (own column)"}


def test_group_importance_cells_are_the_engines(explanations):
    figure = group_importance_figure(explanations, "race", top=5)
    (heatmap,) = figure.data
    groups = [g for g in explanations.by_group if g.attribute == "race"]
    features = [f.feature for f in explanations.global_importance[:5]]
    assert list(heatmap.x) == features
    assert list(heatmap.y) == [f"{g.group} (n={g.n:,})" for g in groups]
    for i, group in enumerate(groups):
        for j, feature in enumerate(features):
            cell = next(c for c in group.importance if c.feature == feature)
            assert heatmap.z[i][j] == 100 * cell.mean_abs_probability


def test_proxy_chart_ranks_features_and_draws_the_thresholds(explanations):
    assert proxy_attributes(explanations) == ("sex", "race")
    figure = proxy_figure(explanations, "race")
    (bars,) = figure.data
    scores = explanations.proxies.for_attribute("race")
    together = next(a.auc for a in explanations.proxies.all_features if a.attribute == "race")
    assert list(bars.y) == [ALL_FEATURES, *(s.feature for s in scores)]
    assert list(bars.x) == [together, *(s.auc for s in scores)]
    lines = {shape.x0 for shape in figure.layout.shapes}
    assert {MODERATE_PROXY_AUC, STRONG_PROXY_AUC} <= lines
    assert bars.y[1] == "zip_region"  # the planted proxy ranks first
    assert proxy_text(explanations, "race").startswith("Possible proxies for race: zip_region")
    assert proxy_text(explanations, "sex").startswith("No feature alone is a proxy for sex")


def test_fidelity_text():
    decisions = Fidelity("classification", 0.8931, 0.96118, None, None, False, "w", 1517)
    assert fidelity_text(decisions) == "agreement 89.3%, ROC AUC 0.961 on 1,517 held-out rows"
    scores = Fidelity("regression", None, None, 0.87321, 0.0412, True, None, 200)
    assert fidelity_text(scores, method="model") == (
        "R² 0.873, mean absolute error 0.041 on 200 explained rows")
