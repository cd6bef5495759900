"""Figures and display tables built from an `AuditResult`: presentation only, no new numbers.

Every function here is pure: it reads result objects and returns a plotly ``Figure`` or a
pandas ``DataFrame`` of formatted text for the dashboard, the PDF or a notebook. Nothing
is computed that the engine did not compute; values are only selected and formatted.

A rate resting on fewer people than the spec's ``min_denominator`` is shown hatched
(charts) and labelled `TOO_SMALL` (tables and hover text), so that nobody reads it as a
finding: per rate, since a group can have people enough for its selection rate and too few
with a favorable label for its true positive rate.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from audit._words import (
    CRITERION_NAMES,
    METRIC_NAMES,
    PASS_TOLERANCE,
    STATUS_WORDS,
    TOO_FEW,
    format_interval,
    format_number,
    format_p,
    format_percent,
    reference_note,
)
from audit.engine import AdverseImpactTable, AuditResult, Estimate, GroupMetrics
from audit.inputs import INTERSECTION_SEP

TOO_SMALL = TOO_FEW
UNKNOWN = "unknown category"
UNDER_2 = "under 2% of the data"
DEFAULT_IMPACT_RATIO = 0.8
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#d62728")
PASS_BAND = "rgba(44, 160, 44, 0.12)"

METRIC_LABELS = METRIC_NAMES  # the words' owner is audit._words
BASIS_LABELS = {"selection_rate": "Selection rate", "scoring_rate": "Scoring rate"}
# Not rates: a mean score can be on any scale (300–850), a calibration difference negative.
UNBOUNDED = frozenset({"count", "mean_score", "calibration_difference"})
# The Fairness charts as drawn (the dashboard adds no theme): white, light grid lines. A
# small template of our own: plotly's named ones take ~40 ms a figure to copy and validate.
_GRID = {"gridcolor": "#ebebeb", "zerolinecolor": "#d0d0d0"}
TEMPLATE = {"layout": {"plot_bgcolor": "white", "paper_bgcolor": "white", "xaxis": _GRID,
                       "yaxis": _GRID, "font": {"family": "sans-serif"}}}


def blank_figure() -> go.Figure:
    """A figure with nothing in it, see-through, as low as plotly allows (10 px): drawing it
    makes the browser load its chart code and shows nothing (`pages._ui.widgets.load_charts`)."""
    hidden = {"visible": False}
    return go.Figure(layout={"height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                             "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                             "xaxis": hidden, "yaxis": hidden, "showlegend": False})


def across(x0: float, x1: float | None = None, **style: Any) -> dict[str, Any]:
    """A vertical line at ``x0`` (a band to ``x1``) across the plot's whole height, as a
    layout shape. ``figure.add_vline``/``add_vrect`` make the same shape but walk every
    subplot to place it: 10-20 ms each, most of the time of a chart."""
    return {"type": "line" if x1 is None else "rect", "x0": x0, "x1": x0 if x1 is None else x1,
            "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", **style}


def label_at(x: float, text: str, **anchor: Any) -> dict[str, Any]:
    """A text at the top of the plot at ``x`` (above it by default), as a layout annotation."""
    return {"x": x, "xref": "x", "y": 1, "yref": "y domain", "text": text, "showarrow": False,
            "xanchor": "center", "yanchor": "bottom", **anchor}


def metric_label(metric: str) -> str:
    """The plain-words name of a fairlearn metric name (``selection_rate`` → selection rate)."""
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def reference_words(result: AuditResult, attribute: str) -> str:
    """`audit.reference_note` for ``attribute``: which group its ratio chart and its
    adverse-impact table compare with, and why they differ; ``""`` without a table."""
    table = result.impact_table(attribute)
    if table is None or attribute not in result.references:
        return ""
    return reference_note(attribute, reference=result.references[attribute],
                          highest=table.highest_category,
                          chosen=attribute in result.spec.reference)


def outcome_words(result: AuditResult) -> str:
    """``favorable: approved ('1')`` / ``favorable: '1'``, for a chart's subtitle."""
    meaning = result.outcome_meaning
    return (f"favorable: {meaning} ({result.favorable!r})" if meaning
            else f"favorable: {result.favorable!r}")


def chart_metrics(result: AuditResult) -> tuple[str, ...]:
    """The per-group metrics a chart can show, in the engine's order (no ``count``)."""
    names: dict[str, None] = {}
    for group in result.groups:
        names.update(dict.fromkeys(m for m in group.metrics if m != "count"))
    return tuple(names)


def impact_band(result: AuditResult) -> tuple[float, float]:
    """The acceptable ratio band: the impact-ratio criterion's minimum and its reciprocal."""
    minimum = next((c.threshold for c in result.spec.criteria if c.metric == "impact_ratio"),
                   DEFAULT_IMPACT_RATIO)
    return minimum, 1.0 / minimum if minimum > 0 else math.inf


def verdict_frame(result: AuditResult) -> pd.DataFrame:
    """One row per attribute, one column per criterion: passes, fails or no verdict."""
    table: dict[str, dict[str, str]] = {}
    for finding in result.findings:
        criterion = finding.criterion
        bound = "at least" if criterion.bound == "min" else "at most"
        column = (f"{CRITERION_NAMES.get(criterion.metric, criterion.metric)} "
                  f"({bound} {criterion.threshold:.2f})")
        table.setdefault(finding.attribute, {"attribute": finding.attribute})
        table[finding.attribute][column] = STATUS_WORDS[finding.status]
    return pd.DataFrame.from_records(list(table.values()))


def _interval(estimate: Estimate, digits: int = 3) -> str:
    return format_interval(estimate.ci_low, estimate.ci_high, digits)


def _flags(group: GroupMetrics) -> list[str]:
    return [TOO_SMALL] * group.small + [UNKNOWN] * group.unknown


def _too_few(group: GroupMetrics, metric: str, minimum: int) -> bool:
    """``metric`` of ``group`` rests on fewer than ``minimum`` people (rates only)."""
    count = group.denominators.get(metric)
    return count is not None and count < minimum


def _text(name: str) -> str:
    """A name from the file made safe for plotly's HTML-like labels (ticks, text, hover).

    Only pass names as data (ticks, ``text``, ``customdata``), never inside a
    ``hovertemplate``: plotly would read a ``%{...}`` in them as a placeholder.
    """
    return html.escape(name, quote=False)


def _tick(name: str, n: int, flags: Sequence[str]) -> str:
    return f"{_text(name)}<br>n={n:,}" + "".join(f"<br><i>{f}</i>" for f in flags)


def _error(estimates: Sequence[Estimate]) -> tuple[list[float], list[float]]:
    plus = [e.ci_high - e.value if e.defined and not math.isnan(e.ci_high) else 0.0
            for e in estimates]
    minus = [e.value - e.ci_low if e.defined and not math.isnan(e.ci_low) else 0.0
             for e in estimates]
    return plus, minus


def _nan_to_none(values: Sequence[float]) -> list[float | None]:
    return [None if math.isnan(v) else v for v in values]


def group_rates_figure(result: AuditResult, attribute: str, metrics: Sequence[str]) -> go.Figure:
    """Bars of each metric per group of ``attribute``, with confidence-interval error bars.

    Groups marked small are hatched and labelled `TOO_SMALL` under their name.
    """
    groups = result.groups_of(attribute)
    ticks = [_tick(g.group, g.n, _flags(g)) for g in groups]
    figure = go.Figure(layout={"template": TEMPLATE})
    for i, metric in enumerate(metrics):
        estimates = [g.metrics[metric] for g in groups]
        plus, minus = _error(estimates)
        figure.add_trace(go.Bar(
            x=ticks, y=_nan_to_none([e.value for e in estimates]), name=metric_label(metric),
            marker={"color": PALETTE[i % len(PALETTE)],
                    "pattern": {"shape": ["/" if g.unknown or _too_few(
                        g, metric, result.spec.min_denominator) else "" for g in groups]}},
            error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
            customdata=[[_text(g.group), g.n, _interval(e), "; ".join(_flags(g)) or "–"]
                        for g, e in zip(groups, estimates, strict=True)],
            hovertemplate=("%{customdata[0]}: %{y:.3f} (CI %{customdata[2]})<br>"
                           "n=%{customdata[1]:,}<br>%{customdata[3]}<extra>"
                           + metric_label(metric) + "</extra>"),
        ))
    bounded = all(m not in UNBOUNDED for m in metrics)
    figure.update_layout(
        barmode="group",
        title=(f"{_text(attribute)}: rates per group ({_level(result)} intervals)"
               f"<br><sup>{_text(outcome_words(result))}</sup>"),
        yaxis={"title": "rate", "range": [0, 1.05] if bounded else None},
        legend={"orientation": "h", "y": -0.25}, margin={"t": 60, "b": 10},
    )
    return figure


def _level(result: AuditResult) -> str:
    return f"{result.spec.confidence:.0%}"


def disparity_figure(result: AuditResult, attribute: str, metrics: Sequence[str]) -> go.Figure:
    """Each group's ratio to the reference group, per metric, with the pass band shaded.

    The band runs from the impact-ratio criterion's minimum (0.8) to its reciprocal (1.25).
    """
    reference = result.references[attribute]
    groups = {g.group: g for g in result.groups_of(attribute)}
    low, high = impact_band(result)
    figure = go.Figure(layout={
        "template": TEMPLATE,
        "shapes": [across(low, high, fillcolor=PASS_BAND, line={"width": 0}, layer="below"),
                   across(1.0, line={"dash": "dot", "color": "#555"})],
        "annotations": [label_at(low, f"{low:.2f}–{high:.2f}", xanchor="left",
                                 yanchor="top")]})
    for i, metric in enumerate(metrics):
        rows = [d for d in result.disparities if d.attribute == attribute and d.metric == metric]
        labels = [_tick(d.group, groups[d.group].n, _flags(groups[d.group])).replace("<br>", " ")
                  for d in rows]
        plus, minus = _error([d.ratio for d in rows])
        figure.add_trace(go.Scatter(
            y=labels, x=_nan_to_none([d.ratio.value for d in rows]), mode="markers",
            name=metric_label(metric),
            marker={"size": 11, "color": PALETTE[i % len(PALETTE)],
                    "symbol": ["circle-open" if d.small else "circle" for d in rows]},
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
            customdata=[[_text(d.group), _interval(d.ratio), format_p(d.p_adjusted),
                         TOO_SMALL if d.small else ("significant" if d.significant
                                                    else "not significant"),
                         _text(reference)] for d in rows],
            hovertemplate=("%{customdata[0]} / %{customdata[4]}: %{x:.3f} (CI %{customdata[1]})"
                           "<br>adjusted p=%{customdata[2]} (%{customdata[3]})<extra>"
                           + metric_label(metric) + "</extra>"),
        ))
    figure.update_layout(
        title=(f"{_text(attribute)}: ratio to the reference group {_text(reference)}"
               f"<br><sup>{_text(outcome_words(result))}; the adverse-impact table compares "
               "with the highest-rate category</sup>"),
        xaxis={"title": f"ratio (group / {_text(reference)}); shaded: {low:.2f} to {high:.2f}",
               "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "y": -0.3},
        height=max(320, 90 + 45 * max(1, len(groups) - 1)), margin={"t": 60, "b": 10},
    )
    return figure


def intersection_parts(attribute: str) -> tuple[str, ...]:
    """The attributes an intersection joins (``sex × race`` → ``("sex", "race")``)."""
    return tuple(attribute.split(INTERSECTION_SEP))


def intersection_heatmap(
    result: AuditResult, attribute: str, metric: str, *, rows: str, columns: str,
    fixed: Mapping[str, str] | None = None,
) -> go.Figure:
    """The intersection's groups as a grid: ``rows`` × ``columns``, coloured by ``metric``.

    With more than two attributes in the intersection, ``fixed`` picks the value of each
    other attribute (a slice). Each cell shows the value and n; small groups are marked.
    """
    parts = intersection_parts(attribute)
    fixed = dict(fixed or {})
    cells: dict[tuple[str, str], GroupMetrics] = {}
    for group in result.groups_of(attribute):
        values = group.group.split(INTERSECTION_SEP)
        if len(values) != len(parts):
            continue
        named = dict(zip(parts, values, strict=True))
        if all(named.get(k) == v for k, v in fixed.items()):
            cells[(named[rows], named[columns])] = group
    row_labels = sorted({r for r, _ in cells})
    column_labels = sorted({c for _, c in cells})
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for r in row_labels:
        z_row: list[float | None] = []
        text_row: list[str] = []
        hover_row: list[str] = []
        for c in column_labels:
            cell = cells.get((r, c))
            if cell is None:
                z_row.append(None)
                text_row.append("no rows")
                hover_row.append(f"{_text(r)} × {_text(c)}: no rows")
                continue
            estimate = cell.metrics[metric]
            flags = _flags(cell)
            z_row.append(None if not estimate.defined else estimate.value)
            text_row.append(f"{format_number(estimate.value, 2)}<br>n={cell.n:,}"
                            + "".join(f"<br>{f}" for f in flags))
            hover_row.append(f"{_text(cell.group)}<br>{metric_label(metric)} "
                             f"{format_number(estimate.value)} "
                             f"(CI {_interval(estimate)})<br>n={cell.n:,}"
                             + "".join(f"<br>{f}" for f in flags))
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    bounded = metric not in UNBOUNDED
    figure = go.Figure(go.Heatmap(
        z=z, x=[_text(c) for c in column_labels], y=[_text(r) for r in row_labels],
        text=text, texttemplate="%{text}",
        customdata=hover, hovertemplate="%{customdata}<extra></extra>", colorscale="YlGnBu",
        zmin=0 if bounded else None, zmax=1 if bounded else None,
        colorbar={"title": {"text": metric_label(metric)}},
    ), layout={"template": TEMPLATE})
    where = "".join(f", {_text(k)} = {_text(v)}" for k, v in fixed.items())
    figure.update_layout(
        title=f"{metric_label(metric)} by {_text(rows)} and {_text(columns)}{where}",
        xaxis={"title": _text(columns), "side": "bottom"},
        yaxis={"title": _text(rows), "autorange": "reversed"},
        height=max(300, 120 + 70 * len(row_labels)), margin={"t": 60, "b": 10},
    )
    return figure


def adverse_impact_frame(table: AdverseImpactTable, *, confidence: float,
                         impact_ratio: float = DEFAULT_IMPACT_RATIO) -> pd.DataFrame:
    """The adverse-impact table as text, one row per category, flags spelled out.

    A selection-rate table shows who was selected; a scoring-rate table (NYC LL144, with a
    score) who scored above the whole sample's median. The impact ratio is the point value
    the law asks for; its interval is Koopman's. Categories under 2% of the data and unknown
    ones have no ratio.
    """
    level = f"{confidence:.0%}"
    rate = BASIS_LABELS[table.basis].lower()
    counted = "selected" if table.basis == "selection_rate" else "scored above the median"
    records = []
    for row in table.rows:
        flags = []
        if row.category == table.highest_category:
            flags.append(f"highest {rate} (comparator)")
        if (row.impact_ratio.defined and row.impact_ratio.value < impact_ratio - PASS_TOLERANCE
                and not row.unknown):
            flags.append("below the four-fifths line" if not row.small
                         else "below the line, too few to judge")
        flags += ([f"{UNDER_2}: left out of the ratios"] * row.under_2_percent
                  + [TOO_SMALL] * row.small)
        flags += [f"{UNKNOWN} (left out of ratios)"] * row.unknown
        records.append({
            "category": row.category,
            "n": f"{row.n:,}",
            "share": format_percent(row.share),
            counted: f"{row.outcomes:,}",
            rate: format_percent(row.rate),
            "impact ratio": format_number(row.impact_ratio.value),
            f"{level} CI (Koopman)": _interval(row.impact_ratio),
            "adjusted p": format_p(row.p_adjusted),
            "smallest detectable gap": format_percent(row.detectable_difference),
            "flags": "; ".join(flags),
        })
    return pd.DataFrame.from_records(records)


def group_metrics_frame(result: AuditResult, attribute: str, metrics: Sequence[str]
                        ) -> pd.DataFrame:
    """Per-group values and intervals of ``metrics`` as text, with the small/unknown flags.

    A rate resting on fewer people than ``min_denominator`` says so, with the count."""
    records = []
    minimum = result.spec.min_denominator
    for group in result.groups_of(attribute):
        record = {"group": group.group, "n": f"{group.n:,}"}
        for metric in metrics:
            estimate = group.metrics[metric]
            text = f"{format_number(estimate.value)} ({_interval(estimate)})"
            if _too_few(group, metric, minimum):
                text += f" · {TOO_SMALL}: {group.denominators[metric]:,}"
            record[metric_label(metric)] = text
        record["flags"] = "; ".join(_flags(group))
        records.append(record)
    return pd.DataFrame.from_records(records)


def interval_methods(result: AuditResult, metrics: Sequence[str]) -> str:
    """The methods behind the intervals of ``metrics``, in one line for a caption."""
    methods = dict.fromkeys(
        f"{metric_label(m)}: {g.metrics[m].method}" for m in metrics
        for g in result.groups if m in g.metrics and g.metrics[m].method)
    return "; ".join(methods)
