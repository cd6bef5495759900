"""Figures and display tables show the engine's numbers, unchanged, with small groups marked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from audit import format_interval, format_number, format_p, format_percent
from audit.engine import AuditResult, audit_inputs
from audit.inputs import INTERSECTION_SEP, AuditSpec, Criterion, read_csv, read_path
from audit.views import (
    TOO_SMALL,
    adverse_impact_frame,
    chart_metrics,
    disparity_figure,
    group_metrics_frame,
    group_rates_figure,
    impact_band,
    intersection_heatmap,
    intersection_parts,
    metric_label,
    verdict_frame,
)
from audit.views._charts import UNDER_2

SAMPLES = Path(__file__).resolve().parents[3] / "sample_data"
METRICS = ("selection_rate", "true_positive_rate")


def _audit(**options) -> AuditResult:
    spec = AuditSpec(
        label="outcome", prediction="decision", favorable="approved", bootstrap=200, **options
    )
    return audit_inputs(
        dataset=read_path(SAMPLES / "lending_applicants.csv"),
        predictions=read_path(SAMPLES / "lending_predictions.csv"),
        spec=spec,
        id_column="applicant_id",
    ).result


@pytest.fixture(scope="module")
def result() -> AuditResult:
    # min_denominator=100 makes Native American (n=90) and Unknown (n=60) "small": too few
    # people behind their selection rates (and, for more groups, their true positive rates)
    return _audit(sensitive=("sex", "race"), reference={"sex": "male"}, min_denominator=100)


def test_group_rates_show_each_metric_with_its_interval(result):
    figure = group_rates_figure(result, "race", METRICS)
    assert isinstance(figure, go.Figure)
    assert [t.name for t in figure.data] == [metric_label(m) for m in METRICS]
    groups = result.groups_of("race")
    for trace, metric in zip(figure.data, METRICS, strict=True):
        estimates = [g.metrics[metric] for g in groups]
        assert list(trace.y) == pytest.approx([e.value for e in estimates])
        assert list(trace.error_y.array) == pytest.approx([e.ci_high - e.value for e in estimates])
        assert list(trace.error_y.arrayminus) == pytest.approx(
            [e.value - e.ci_low for e in estimates]
        )
        hatched = ["/" if g.unknown or g.denominators[metric] < 100 else "" for g in groups]
        assert list(trace.marker.pattern.shape) == hatched
    # Native American: 90 people, 63 of them with a favorable label; Asian: 244 of 390
    tpr = dict(zip([g.group for g in groups], figure.data[1].marker.pattern.shape, strict=True))
    assert (tpr["Native American"], tpr["Asian"]) == ("/", "")


def test_small_groups_are_labelled_too_small_to_judge(result):
    ticks = group_rates_figure(result, "race", METRICS).data[0].x
    small = {g.group for g in result.groups_of("race") if g.small}
    assert small == {"Native American", "Unknown"}
    for tick in ticks:
        name = tick.split("<br>")[0]
        assert (TOO_SMALL in tick) is (name in small)


def test_disparity_ratios_and_the_shaded_band(result):
    figure = disparity_figure(result, "sex", ["selection_rate"])
    (band,) = [s for s in figure.layout.shapes if s.type == "rect"]
    assert (band.x0, band.x1) == pytest.approx((0.8, 1.25))
    (trace,) = figure.data
    female = next(
        d
        for d in result.disparities
        if d.attribute == "sex" and d.group == "female" and d.metric == "selection_rate"
    )
    assert female.reference == "male"
    assert list(trace.x) == pytest.approx([female.ratio.value])
    assert female.ratio.value == pytest.approx(0.703, abs=0.001)  # planted, sample_data/README


def test_band_follows_the_impact_ratio_criterion(result):
    strict = replace(
        result, spec=replace(result.spec, criteria=(Criterion("impact_ratio", 0.9, "min"),))
    )
    assert impact_band(strict) == pytest.approx((0.9, 1 / 0.9))
    band = next(
        s for s in disparity_figure(strict, "sex", METRICS).layout.shapes if s.type == "rect"
    )
    assert (band.x0, band.x1) == pytest.approx((0.9, 1 / 0.9))


def test_heatmap_cells_are_the_intersection_groups(result):
    attribute = "sex × race"
    assert intersection_parts(attribute) == ("sex", "race")
    figure = intersection_heatmap(result, attribute, "selection_rate", rows="race", columns="sex")
    (heat,) = figure.data
    assert list(heat.x) == ["female", "male"]
    for i, race in enumerate(heat.y):
        for j, sex in enumerate(heat.x):
            group = result.group(attribute, f"{sex} × {race}")
            assert heat.z[i][j] == pytest.approx(group.metrics["selection_rate"].value)
            assert f"n={group.n:,}" in heat.text[i][j]
            assert (TOO_SMALL in heat.text[i][j]) is group.small


def test_heatmap_of_three_attributes_shows_one_slice():
    result = _audit(sensitive=("sex", "race", "age_group"))
    attribute = "sex × race × age_group"
    figure = intersection_heatmap(
        result,
        attribute,
        "true_positive_rate",
        rows="race",
        columns="age_group",
        fixed={"sex": "female"},
    )
    (heat,) = figure.data
    assert "sex = female" in figure.layout.title.text
    group = result.group(attribute, f"female × Black × {heat.x[0]}")
    row = list(heat.y).index("Black")
    expected = group.metrics["true_positive_rate"].value
    assert heat.z[row][0] == pytest.approx(expected)


def test_adverse_impact_table_flags(result):
    table = next(t for t in result.adverse_impact if t.attribute == "race")
    frame = adverse_impact_frame(table, confidence=0.95)
    rows = {r["category"]: r for r in frame.to_dict("records")}
    black = next(r for r in table.rows if r.category == "Black")
    assert rows["Black"]["impact ratio"] == format_number(black.impact_ratio.value)
    assert rows["Black"]["95% CI (Koopman)"] == format_interval(
        black.impact_ratio.ci_low, black.impact_ratio.ci_high)
    assert rows["Black"]["selection rate"] == format_percent(black.selection_rate)
    assert rows["Black"]["adjusted p"] == format_p(black.p_adjusted)
    assert "below the four-fifths line" in rows["Black"]["flags"]
    assert UNDER_2 in rows["Native American"]["flags"]
    assert rows["Native American"]["impact ratio"] == "—"  # under 2%: left out of the ratios
    assert TOO_SMALL in rows["Native American"]["flags"]
    assert "unknown category" in rows["Unknown"]["flags"]
    assert rows["Unknown"]["impact ratio"] == "—"
    assert "highest selection rate" in rows[table.highest_category]["flags"]
    assert rows["Asian"]["flags"] == ""


def test_group_metrics_frame(result):
    frame = group_metrics_frame(result, "sex", METRICS)
    female = result.group("sex", "female").metrics["selection_rate"]
    assert frame.loc[0, "group"] == "female"
    interval = format_interval(female.ci_low, female.ci_high)
    assert frame.loc[0, "selection rate"] == f"{format_number(female.value)} ({interval})"


def test_verdict_frame_has_one_row_per_attribute(result):
    frame = verdict_frame(result)
    assert list(frame["attribute"]) == list(result.spec.attributes)
    assert frame.loc[0, "Four-fifths rule (at least 0.80)"] == "FAILS"


def test_chart_metrics_are_fairlearn_names(result):
    names = chart_metrics(result)
    assert names[:2] == ("selection_rate", "true_positive_rate")
    assert "count" not in names


ODD = '<a href="x">y</a> %{x}'


@pytest.fixture(scope="module")
def scored() -> AuditResult:
    """Scores on a credit-score scale (300–850), and a group named like HTML and a template."""
    rng = np.random.default_rng(0)
    lines = ["group,region,label,decision,score"]
    for i in range(400):
        score = 300 + 550 * rng.random()
        group = '"<a href=""x"">y</a> %{x}"' if i % 2 else "plain"
        region = "north" if i % 3 else "south"
        lines.append(f"{group},{region},{int(rng.random() < 0.5)},{int(score > 575)},{score:.1f}")
    spec = AuditSpec(
        label="label",
        prediction="decision",
        score="score",
        favorable="1",
        sensitive=("group", "region"),
        reference={"group": ODD},
        bootstrap=20,
    )
    source = read_csv(("\n".join(lines) + "\n").encode(), name="scores.csv")
    return audit_inputs(dataset=source, predictions=None, spec=spec).result


def test_mean_scores_outside_0_to_1_are_not_clipped(scored):
    values = [g.metrics["mean_score"].value for g in scored.groups_of("group")]
    assert min(values) > 300
    figure = group_rates_figure(scored, "group", ["mean_score"])
    shown = figure.layout.yaxis.range  # None: plotly fits the axis to the data
    assert shown is None or (shown[0] <= min(values) and shown[1] >= max(values))
    attribute = f"group{INTERSECTION_SEP}region"
    heat = intersection_heatmap(
        scored, attribute, "mean_score", rows="group", columns="region"
    ).data[0]
    assert heat.zmin is None and heat.zmax is None


def test_group_names_are_shown_as_text_not_markup_or_templates(scored):
    escaped = '&lt;a href="x"&gt;y&lt;/a&gt; %{x}'
    bars = group_rates_figure(scored, "group", ["selection_rate"]).data[0]
    assert [t.split("<br>")[0] for t in bars.x] == [escaped, "plain"]
    assert [row[0] for row in bars.customdata] == [escaped, "plain"]
    figure = disparity_figure(scored, "group", ["selection_rate"])
    for trace in figure.data:
        assert ODD not in trace.hovertemplate and "<a " not in trace.hovertemplate
        assert all(row[4] == escaped for row in trace.customdata)
    assert "<a " not in figure.layout.title.text
    heat = intersection_heatmap(
        scored, f"group{INTERSECTION_SEP}region", "selection_rate", rows="group", columns="region"
    ).data[0]
    assert list(heat.y) == [escaped, "plain"]
    assert all("<a " not in cell for row in heat.customdata for cell in row)
