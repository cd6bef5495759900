"""Figures and display tables of the what-if analysis: presentation only, no new numbers.

Every value drawn here was computed by `audit.whatif` (sweeps, options, trade-off curves
and their bootstrap intervals) or by the engine's audits of the options' decisions; this
module selects and formats them. The trade-off chart gives each point ``customdata`` that
names what it shows, so that a page can open a clicked point (`point_target`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from audit._words import (
    CRITERION_NAMES,
    STATUS_WORDS,
    format_estimate,
    format_number,
    verdict_label,
)
from audit.engine import AuditResult, Estimate, Finding
from audit.views._charts import PALETTE, TEMPLATE, _text, metric_label
from audit.whatif import (
    DISPARITIES,
    Evaluation,
    RocCurve,
    WhatIfOption,
    WhatIfReport,
    format_cut_off,
)

MAX_CURVE_POINTS = 400  # points drawn per ROC curve (the ends and evenly spaced ranks)
SLIDER_STEPS = 1_000  # at least this many slider steps across the scores
SCALE_FLOOR = 1e-3  # the narrowest slider, relative to the scores' size
UPLOADED = "Uploaded decisions"
BY_HAND = "Set with the sliders"
DISPARITY_WORDS = {
    "demographic_parity_difference": "demographic parity gap (selection rates, max − min)",
    "equal_opportunity_difference": "equal opportunity gap (true positive rates, max − min)",
    "equalized_odds_difference": "equalized odds gap (larger of the TPR and FPR spans)",
}
DISPARITY_SHORT = {
    "demographic_parity_difference": "selection-rate gap",
    "equal_opportunity_difference": "TPR gap",
    "equalized_odds_difference": "equalized-odds gap",
}
BEFORE_AFTER_RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")


@dataclass(frozen=True)
class SliderRange:
    """Where a cut-off slider runs: from the lowest score to just above the highest."""

    low: float
    high: float
    step: float

    @property
    def format(self) -> str:
        """A printf format with as many decimals as the step has (``%.4f``)."""
        return f"%.{max(0, -math.floor(math.log10(self.step)))}f"


@dataclass(frozen=True)
class PointTarget:
    """What a clicked point of the trade-off chart shows.

    ``kind`` is ``option`` (``option_id`` names it), ``point`` (a trade-off curve's point:
    ``strategy`` at ``tolerance``), ``before`` (the uploaded decisions) or ``manual``.
    """

    kind: str
    option_id: str | None = None
    strategy: str | None = None
    tolerance: float | None = None


def objective(report: WhatIfReport) -> str:
    """``accuracy`` with a cost ratio of 1, else ``cost`` (the options minimise it)."""
    return "accuracy" if report.plan.cost_ratio == 1.0 else "cost"


def _objective_of(evaluation: Evaluation, name: str) -> Estimate:
    return evaluation.accuracy if name == "accuracy" else evaluation.cost


def _objective_words(report: WhatIfReport) -> str:
    if objective(report) == "accuracy":
        return "accuracy (share decided as the label says)"
    return (f"cost per person (a false positive costs {report.plan.cost_ratio:g} false "
            "negatives)")


def cut_offs_text(cut_offs: Mapping[str, float]) -> str:
    """``40 and over ≥ 0.2841; under 40 ≥ 0.4061``; one value when everyone shares it."""
    values = set(cut_offs.values())
    if len(values) == 1:
        return f"everyone ≥ {format_cut_off(next(iter(values)))}"
    return "; ".join(f"{group} ≥ {format_cut_off(value)}" for group, value in cut_offs.items())


def evaluation_text(evaluation: Evaluation, name: str = "accuracy") -> str:
    """``accuracy 0.812 (0.801–0.823)`` from an option's evaluation."""
    estimate = _objective_of(evaluation, name)
    return f"{name} {_estimate_text(estimate)}"


def _estimate_text(estimate: Estimate) -> str:
    return format_estimate({"value": estimate.value, "ci_low": estimate.ci_low,
                            "ci_high": estimate.ci_high})


def slider_range(report: WhatIfReport) -> SliderRange:
    """The scores' span for cut-off sliders: the lowest candidate cut-off to the highest
    (just above the highest score: nobody favorable), in round steps. When every score is
    the same, the slider runs one step past it (every cut-off above it decides alike)."""
    cut_offs = report.plan.sweep.overall.cut_offs
    low, high = float(cut_offs[0]), float(cut_offs[-1])
    span = max(high - low, SCALE_FLOOR * max(1.0, abs(low)))
    step = 10.0 ** math.floor(math.log10(span / SLIDER_STEPS))
    return SliderRange(low=low, high=max(high, low + step), step=step)


def _thinned(curve: RocCurve) -> np.ndarray:
    """The points drawn: all of them, or the two ends and evenly spaced ranks between."""
    size = curve.thresholds.size
    if size <= MAX_CURVE_POINTS:
        return np.arange(size)
    return np.unique(np.round(np.linspace(0, size - 1, MAX_CURVE_POINTS)).astype(np.int64))


def _none(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def roc_figure(curves: Sequence[RocCurve], *,
               after: Mapping[str, Mapping[str, float | None]] | None = None) -> go.Figure:
    """Each group's ROC curve, its uploaded decisions (filled circle) and, with ``after``
    (group → ``true_positive_rate``, ``false_positive_rate``), the cut-offs being tried
    (open diamond). Curves are drawn through at most `MAX_CURVE_POINTS` cut-offs each."""
    figure = go.Figure(layout={"template": TEMPLATE})
    figure.add_shape(type="line", x0=0, y0=0, x1=1, y1=1,
                     line={"dash": "dot", "color": "#999", "width": 1})
    for i, curve in enumerate(curves):
        colour = PALETTE[i % len(PALETTE)]
        name = _text(curve.group)
        keep = _thinned(curve)
        # numpy arrays, not lists: plotly validates a list item by item (seconds per chart)
        figure.add_trace(go.Scatter(
            x=curve.false_positive_rate[keep], y=curve.true_positive_rate[keep],
            mode="lines", name=name, legendgroup=name, line={"color": colour},
            customdata=curve.thresholds[keep],
            hovertemplate=("score ≥ %{customdata:.6g}: TPR %{y:.3f}, FPR %{x:.3f}<extra>"
                           + name + "</extra>")))
        point = curve.operating_point
        figure.add_trace(go.Scatter(
            x=[_none(point.false_positive_rate)], y=[_none(point.true_positive_rate)],
            mode="markers", name=f"{name}: {UPLOADED.lower()}", legendgroup=name,
            showlegend=False, marker={"color": colour, "size": 11, "symbol": "circle"},
            hovertemplate=(f"{UPLOADED}: TPR %{{y:.3f}}, FPR %{{x:.3f}}<extra>{name}</extra>")))
        rates = (after or {}).get(curve.group)
        if rates is not None:
            figure.add_trace(go.Scatter(
                x=[_none(rates.get("false_positive_rate"))],
                y=[_none(rates.get("true_positive_rate"))], mode="markers",
                name=f"{name}: {BY_HAND.lower()}", legendgroup=name, showlegend=False,
                marker={"color": colour, "size": 13, "symbol": "diamond-open",
                        "line": {"width": 2}},
                hovertemplate=(f"{BY_HAND}: TPR %{{y:.3f}}, FPR %{{x:.3f}}"
                               f"<extra>{name}</extra>")))
    figure.update_layout(
        title="ROC curve per group: ● uploaded decisions, ◇ the cut-offs set below",
        xaxis={"title": "false positive rate", "range": [-0.02, 1.02]},
        yaxis={"title": "true positive rate", "range": [-0.02, 1.02]},
        legend={"orientation": "h", "y": -0.2}, margin={"t": 60, "b": 10}, height=520)
    return figure


def _errors(estimates: Sequence[Estimate]) -> dict[str, Any]:
    plus = [e.ci_high - e.value if math.isfinite(e.ci_high) and math.isfinite(e.value)
            else 0.0 for e in estimates]
    minus = [e.value - e.ci_low if math.isfinite(e.ci_low) and math.isfinite(e.value)
             else 0.0 for e in estimates]
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
            "thickness": 1}


def _points(name: str, evaluations: Sequence[Evaluation], disparity: str, goal: str,
            labels: Sequence[str], customdata: Sequence[list[Any]], **style: Any
            ) -> go.Scatter:
    xs = [e.disparities[disparity] for e in evaluations]
    ys = [_objective_of(e, goal) for e in evaluations]
    return go.Scatter(
        x=[_none(x.value) for x in xs], y=[_none(y.value) for y in ys], name=name,
        error_x=_errors(xs), error_y=_errors(ys), text=[_text(label) for label in labels],
        customdata=customdata,
        hovertemplate=f"%{{text}}<br>{DISPARITY_SHORT[disparity]} %{{x:.3f}}, {goal} "
                      "%{y:.3f}<extra></extra>", **style)


def tradeoff_figure(report: WhatIfReport, *, disparity: str,
                    manual: WhatIfOption | None = None) -> go.Figure:
    """The Pareto chart: accuracy (or cost) against ``disparity`` for every option, the
    uploaded decisions, the cut-offs set by hand and the tolerance sweep of the strategy
    that targets ``disparity``; every point with its bootstrap intervals on both axes.

    Each point's ``customdata`` starts with what it is: ``["option", id]``, ``["point",
    strategy, tolerance]``, ``["before"]`` or ``["manual"]`` (see `point_target`).
    """
    goal = objective(report)
    figure = go.Figure(layout={"template": TEMPLATE})
    for curve in report.tradeoffs:
        if curve.disparity != disparity:
            continue
        figure.add_trace(_points(
            f"tolerance sweep: {metric_label(curve.strategy)}",
            [p.evaluation for p in curve.points], disparity, goal,
            [f"{metric_label(curve.strategy)}, tolerance {p.tolerance:g}" for p in curve.points],
            [["point", curve.strategy, p.tolerance] for p in curve.points],
            mode="lines+markers", line={"color": "#9aa5b1", "dash": "dot"},
            marker={"size": 8, "color": "#9aa5b1"}))
    for i, option in enumerate(report.options):
        figure.add_trace(_points(
            option.name, [option.choice.evaluation], disparity, goal, [option.name],
            [["option", option.id]], mode="markers",
            marker={"size": 13, "color": PALETTE[i % len(PALETTE)],
                    "symbol": "square" if option.choice.randomized else "circle"}))
    figure.add_trace(_points(UPLOADED, [report.before.evaluation], disparity, goal,
                             [UPLOADED], [["before"]], mode="markers",
                             marker={"size": 15, "color": "#1f2933", "symbol": "star"}))
    if manual is not None:
        figure.add_trace(_points(BY_HAND, [manual.choice.evaluation], disparity, goal,
                                 [manual.name], [["manual"]], mode="markers",
                                 marker={"size": 15, "color": "#1f2933",
                                         "symbol": "diamond-open", "line": {"width": 2}}))
    level = f"{report.plan.confidence:.0%}"
    figure.update_layout(
        title=f"Trade-off: {goal} against the {DISPARITY_SHORT[disparity]} ({level} "
              "bootstrap intervals; click a point to see it before and after)",
        xaxis={"title": DISPARITY_WORDS[disparity], "rangemode": "tozero"},
        yaxis={"title": _objective_words(report)}, clickmode="event+select",
        legend={"orientation": "h", "y": -0.25}, margin={"t": 60, "b": 10}, height=560)
    return figure


def point_target(point: Mapping[str, Any]) -> PointTarget | None:
    """What a point of a `tradeoff_figure` selection event shows (``None`` if unknown)."""
    data = point.get("customdata")
    if not isinstance(data, Sequence) or isinstance(data, str) or not data:
        return None
    kind = data[0]
    if kind == "option" and len(data) == 2:
        return PointTarget(kind="option", option_id=str(data[1]))
    if kind == "point" and len(data) == 3:
        return PointTarget(kind="point", strategy=str(data[1]), tolerance=float(data[2]))
    if kind in ("before", "manual"):
        return PointTarget(kind=kind)
    return None


def options_frame(report: WhatIfReport) -> pd.DataFrame:
    """One row per option (the uploaded decisions first): how it decides, accuracy or cost
    and the three disparities with their intervals, and the engine's verdict after."""
    goal = objective(report)
    level = f"{report.plan.confidence:.0%}"
    rows = [(UPLOADED, "the uploaded decision column", "—", report.before.evaluation,
             report.before.audit.verdict)]
    for option in report.options:
        choice = option.choice
        how = ("randomised (fairlearn)" if choice.randomized else
               "fixed cut-offs" + (" (fairlearn)" if choice.method == "fairlearn" else ""))
        rows.append((option.name, how, "yes (see the note)" if choice.uses_attribute else "no",
                     choice.evaluation, option.audit.verdict))
    return pd.DataFrame.from_records([{
        "option": name, "decides by": how, "uses the attribute": uses,
        f"{goal} ({level} CI)": _estimate_text(_objective_of(evaluation, goal)),
        **{f"{DISPARITY_SHORT[d]} ({level} CI)": _estimate_text(evaluation.disparities[d])
           for d in DISPARITIES},
        "verdict after": verdict_label(verdict),
    } for name, how, uses, evaluation, verdict in rows])


def _finding_text(finding: Finding | None) -> str:
    if finding is None:
        return "—"
    value = _estimate_text(finding.estimate)
    return f"{STATUS_WORDS.get(finding.status, finding.status)}: {value}"


def _criterion(finding: Finding) -> str:
    criterion = finding.criterion
    bound = "at least" if criterion.bound == "min" else "at most"
    name = CRITERION_NAMES.get(criterion.metric, metric_label(criterion.metric))
    return f"{name} ({bound} {format_number(criterion.threshold, 2)})"


def criteria_before_after_frame(before: AuditResult, after: AuditResult) -> pd.DataFrame:
    """Every criterion on every attribute: its outcome in the audit of the uploaded
    decisions and in the audit of the option's decisions, and whether it changed."""
    def key(f: Finding) -> tuple[str, str]:
        return f.criterion.metric, f.attribute

    after_by = {key(f): f for f in after.findings}
    rows = []
    for finding in before.findings:
        new = after_by.get(key(finding))
        rows.append({
            "criterion": _criterion(finding), "attribute": finding.attribute,
            "before": _finding_text(finding), "after": _finding_text(new),
            "changed": "" if new is not None and new.status == finding.status else "changed",
        })
    return pd.DataFrame.from_records(rows, columns=["criterion", "attribute", "before", "after",
                                                    "changed"])


def rates_before_after_frame(before: AuditResult, after: AuditResult, attribute: str
                             ) -> pd.DataFrame:
    """Per group of ``attribute``: selection rate, TPR and FPR (with intervals) before and
    after, from the engine's two audits."""
    rows = []
    for group in before.groups_of(attribute):
        new = after.group(attribute, group.group)
        row = {"group": group.group, "n": f"{group.n:,}"}
        for metric in BEFORE_AFTER_RATES:
            label = metric_label(metric)
            row[f"{label} before"] = _estimate_text(group.metrics[metric])
            row[f"{label} after"] = _estimate_text(new.metrics[metric])
        rows.append(row)
    return pd.DataFrame.from_records(rows)
