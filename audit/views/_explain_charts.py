"""Figures and words built from `Explanations`: presentation only, no new numbers.

Every function is pure: it reads an `Explanations` object (or one of its parts) and
returns a plotly ``Figure`` or text for the dashboard, the PDF or a notebook. Values are
selected, ordered, scaled to percentage points (× 100) and formatted; the only other
arithmetic is summing the smallest gap contributions into one "other features" bar, which
keeps the waterfall's bars summing exactly to the gap (SHAP contributions are additive).

Two units, chosen with ``units``: ``"points"``, percentage points of the favorable
decision (the Fairness page's unit, the default whenever the model gives a probability),
and ``"model"``, the explained model's own output (log-odds for the surrogate).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

import plotly.graph_objects as go

from audit.explain import (
    MODERATE_PROXY_AUC,
    STRONG_PROXY_AUC,
    Contribution,
    Explanations,
    Fidelity,
    GapAttribution,
    ProxyScore,
    strength_of,
)
from audit.views._charts import TEMPLATE, across, label_at

Units = Literal["points", "model"]
UNITS: tuple[Units, ...] = get_args(Units)
BAD_UNITS = "units must be one of {allowed}; got {units!r}"

TOP_FEATURES = 15
TOP_GROUP_FEATURES = 10
TOP_GAP_FEATURES = 8
DIRECT_COLOR = "#9467bd"
TOWARDS_COLOR = "#1f77b4"
AGAINST_COLOR = "#ff7f0e"
TOTAL_COLOR = "#555555"
REST_COLOR = "#b0b0b0"
STRENGTH_COLORS = {"strong": "#d62728", "moderate": "#ff7f0e", "weak": "#b0b0b0"}
ALL_FEATURES_COLOR = "#333333"
ALL_FEATURES = "all features together"
UNEXPLAINED = "not reproduced by the explained model (fidelity, sample)"
POINTS = "percentage points"
AXIS_UNITS = {"log-odds": "log-odds", "probability": "probability", "margin": "margin",
              "score": "score"}
METHODS = {
    "surrogate": "surrogate model (gradient-boosted trees fitted to the uploaded decisions)",
    "model": "the uploaded model",
}


def method_text(explanations: Explanations) -> str:
    """What was explained, in words."""
    return METHODS[explanations.method]


def fidelity_text(fidelity: Fidelity, *, method: str = "surrogate") -> str:
    """``agreement 89.3%, ROC AUC 0.961 on 1,517 held-out rows`` (or R² and MAE for scores)."""
    if fidelity.kind == "regression":
        parts = [f"R² {_num(fidelity.r2, 3)}", f"mean absolute error {_num(fidelity.mae, 3)}"]
    else:
        agreement = "–" if fidelity.agreement is None else f"{fidelity.agreement:.1%}"
        parts = [f"agreement {agreement}", f"ROC AUC {_num(fidelity.roc_auc, 3)}"]
    rows = "held-out rows" if method == "surrogate" else "explained rows"
    return f"{', '.join(parts)} on {fidelity.held_out_rows:,} {rows}"


def sample_text(explanations: Explanations) -> str:
    """``2,000 of 6,000 rows explained; the surrogate was fitted on 4,483 rows``."""
    text = (f"{explanations.sample_size:,} of {explanations.population_rows:,} rows explained "
            "(a seeded sample stratified by the sensitive attributes)")
    if explanations.surrogate_rows is not None:
        text += f"; the surrogate was fitted on {explanations.surrogate_rows:,} rows"
    return text


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _signed(value: float, digits: int = 2) -> str:
    """``+0.13``, ``−2.11``; small values get one more digit rather than read ``−0.00``."""
    if 0 < abs(value) < 0.5 * 10**-digits:
        digits += 1
    text = f"{value:+.{digits}f}"
    return text.replace("-", "\u2212")


def units_of(explanations: Explanations, units: Units | None = None) -> Units:
    """``units`` if it can be drawn, else the default: points whenever there is a probability.

    Raises ``ValueError`` for an unknown name (the allowed ones are listed).
    """
    _check(units)
    if not explanations.in_probability:
        return "model"
    return units or "points"


def _check(units: str | None) -> None:
    if units not in (None, *UNITS):
        raise ValueError(BAD_UNITS.format(allowed=", ".join(map(repr, UNITS)), units=units))


def unit_label(explanations: Explanations, units: Units) -> str:
    """``percentage points`` or the model's own units (``log-odds``)."""
    return POINTS if units == "points" else AXIS_UNITS[explanations.output]


def _scaled(value: float | None) -> float:
    return 100 * value if value is not None else float("nan")


def importance_figure(explanations: Explanations, *, top: int = TOP_FEATURES,
                      units: Units | None = None) -> go.Figure:
    """Horizontal bars of mean |SHAP| per feature, the ``top`` most important first."""
    units = units_of(explanations, units)
    shown = explanations.global_importance[:top]
    values = [_scaled(f.mean_abs_probability) if units == "points" else f.mean_abs_shap
              for f in shown]
    label = unit_label(explanations, units)
    digits = 1 if units == "points" else 2
    figure = go.Figure(go.Bar(
        x=values, y=[f.feature for f in shown], orientation="h",
        marker={"color": TOWARDS_COLOR}, text=[f"{v:.{digits}f}" for v in values],
        textposition="auto", hovertemplate="%{y}: %{x:.3f}<extra>mean |SHAP|</extra>",
    ), layout={"template": TEMPLATE})
    figure.update_layout(
        title=f"What drives the model's decisions overall (top {len(shown)} features)",
        xaxis={"title": f"mean |SHAP value| ({label})"},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(300, 90 + 28 * len(shown)), margin={"t": 60, "b": 10},
    )
    return figure


def group_importance_figure(explanations: Explanations, attribute: str, *,
                            top: int = TOP_GROUP_FEATURES,
                            units: Units | None = None) -> go.Figure:
    """Heatmap of mean |SHAP| per group of ``attribute`` (rows) and feature (columns).

    Features are the ``top`` most important overall, most important first; hover shows
    the signed mean SHAP too (which way the feature pushes that group's decisions).
    """
    units = units_of(explanations, units)
    label = unit_label(explanations, units)
    groups = [g for g in explanations.by_group if g.attribute == attribute]
    features = [f.feature for f in explanations.global_importance[:top]]
    z, hover = [], []
    for group in groups:
        cells = {i.feature: i for i in group.importance}
        if units == "points":
            pairs = [(_scaled(cells[f].mean_abs_probability), _scaled(cells[f].mean_probability))
                     for f in features]
        else:
            pairs = [(cells[f].mean_abs_shap, cells[f].mean_shap) for f in features]
        z.append([size for size, _ in pairs])
        hover.append([f"{f} in {group.group} (n={group.n:,})<br>mean |SHAP| {size:.3f} "
                      f"{label}<br>mean SHAP {_signed(mean, 3)}"
                      for f, (size, mean) in zip(features, pairs, strict=True)])
    figure = go.Figure(go.Heatmap(
        z=z, x=features, y=[f"{g.group} (n={g.n:,})" for g in groups], colorscale="Blues",
        zmin=0, texttemplate="%{z:.1f}" if units == "points" else "%{z:.2f}", customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        colorbar={"title": {"text": f"mean |SHAP|<br>({label})"}},
    ), layout={"template": TEMPLATE})
    figure.update_layout(
        title=f"What drives the decisions within each group of {attribute}",
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"side": "bottom", "automargin": True},
        height=max(300, 200 + 32 * len(groups)), margin={"t": 60, "b": 10},
    )
    return figure


def gap_groups(explanations: Explanations, attribute: str) -> tuple[GapAttribution, ...]:
    """The gap attributions of ``attribute``, one per group other than the reference."""
    return tuple(g for g in explanations.gap_attribution if g.attribute == attribute)


def gap_waterfall(gap: GapAttribution, *, output: str = "log-odds", units: Units | None = None,
                  top: int = TOP_GAP_FEATURES) -> go.Figure:
    """The gap between ``gap.group`` and its reference split by feature, as a waterfall.

    The attribute's own column(s) (the *direct* effect) come first, in their own colour;
    then the other features by size, the smallest summed into one bar. In points (the
    default when the gap has a probability) a last relative bar holds what the explained
    model leaves of the observed gap, so that the bars add up to the gap on the Fairness
    page, the last bar (measure ``"absolute"``). In the model's units they add up to the
    model's gap, ``gap.gap``.
    """
    _check(units)
    points = gap.gap_probability is not None and units != "model"
    amount: Callable[[Contribution], float] = (
        (lambda c: _scaled(c.probability)) if points else (lambda c: c.contribution))
    ranked = sorted(gap.contributions, key=lambda c: -abs(amount(c)))
    direct = [c for c in ranked if c.sensitive]
    indirect = [c for c in ranked if not c.sensitive]
    labels = [f"{c.feature} (own column)" for c in direct]
    values = [amount(c) for c in direct]
    names = [c.feature for c in indirect[:top]]
    others = [amount(c) for c in indirect[:top]]
    rest = indirect[top:]
    if rest:
        names.append(f"{len(rest)} other feature{'s' * (len(rest) > 1)}")
        others.append(sum(amount(c) for c in rest))
    if points:
        total, digits, units_text = 100 * gap.observed_gap, 1, POINTS
        total_name = "gap on the Fairness page"
    else:
        total, digits, units_text = gap.gap, 2, AXIS_UNITS[output]
        total_name = "gap"
    figure = go.Figure(layout={"template": TEMPLATE})
    if direct:
        figure.add_trace(go.Waterfall(
            name=f"{' and '.join(c.feature for c in direct)} "
                 f"{'itself' if len(direct) == 1 else 'themselves'} (direct)", x=labels, y=values,
            measure=["relative"] * len(values), text=[_signed(v, digits) for v in values],
            increasing={"marker": {"color": DIRECT_COLOR}},
            decreasing={"marker": {"color": DIRECT_COLOR}},
            connector={"line": {"color": "#999999", "dash": "dot"}},
            hovertemplate="%{x}: %{y:+.3f}<extra>direct</extra>",
        ))
    figure.add_trace(go.Waterfall(
        name="other features (indirect)", x=names, y=others, base=sum(values),
        measure=["relative"] * len(others), text=[_signed(v, digits) for v in others],
        increasing={"marker": {"color": TOWARDS_COLOR}},
        decreasing={"marker": {"color": AGAINST_COLOR}},
        connector={"line": {"color": "#999999", "dash": "dot"}},
        hovertemplate="%{x}: %{y:+.3f}<extra>indirect</extra>",
    ))
    if points:
        rest_value = _scaled(gap.unexplained)
        figure.add_trace(go.Waterfall(
            name=UNEXPLAINED, x=[UNEXPLAINED], y=[rest_value], base=sum(values) + sum(others),
            measure=["relative"], text=[_signed(rest_value, digits)],
            increasing={"marker": {"color": REST_COLOR}},
            decreasing={"marker": {"color": REST_COLOR}}, showlegend=False,
            hovertemplate="%{x}: %{y:+.3f}<extra></extra>",
        ))
    figure.add_trace(go.Waterfall(
        name=total_name, x=[total_name], y=[total], measure=["absolute"],
        text=[_signed(total, digits)], totals={"marker": {"color": TOTAL_COLOR}},
        showlegend=False, hovertemplate=f"{total_name}: %{{y:+.3f}}<extra></extra>",
    ))
    if points:
        title = (f"Why {gap.group} and {gap.reference} differ: {_signed(total, 1)} percentage "
                 f"points ({100 * gap.group_rate:.1f}% against {100 * gap.reference_rate:.1f}%)")
    else:
        extra = ("" if gap.gap_probability is None or output == "probability"
                 else f" ({_signed(100 * gap.gap_probability, 1)} percentage points)")
        title = (f"Why {gap.group} and {gap.reference} differ: gap {_signed(gap.gap)} "
                 f"{units_text}{extra}")
    figure.update_layout(
        title=title,
        yaxis={"title": f"contribution to the gap ({units_text})", "zeroline": True},
        waterfallgap=0.3, showlegend=bool(direct), legend={"orientation": "h", "y": -0.3},
        margin={"t": 60, "b": 10},
    )
    return figure


def proxy_figure(explanations: Explanations, attribute: str, *,
                 top: int = TOP_FEATURES) -> go.Figure:
    """Features ranked by how well each alone predicts ``attribute`` (cross-validated AUC).

    The all-features AUC is the first bar; lines mark the moderate and strong thresholds.
    """
    scores = explanations.proxies.for_attribute(attribute)[:top]
    together = next((a.auc for a in explanations.proxies.all_features
                     if a.attribute == attribute), None)
    names = [s.feature for s in scores]
    aucs = [s.auc for s in scores]
    colors = [STRENGTH_COLORS[s.strength] for s in scores]
    strengths = [s.strength for s in scores]
    if together is not None:
        names, aucs = [ALL_FEATURES, *names], [together, *aucs]
        colors, strengths = [ALL_FEATURES_COLOR, *colors], [strength_of(together), *strengths]
    figure = go.Figure(go.Bar(
        x=aucs, y=names, orientation="h", marker={"color": colors},
        text=[f"{a:.2f}" for a in aucs], textposition="outside", cliponaxis=False,
        customdata=strengths,
        hovertemplate="%{y}: AUC %{x:.3f} (%{customdata})<extra></extra>",
    ), layout={"template": TEMPLATE})
    thresholds = ((MODERATE_PROXY_AUC, "moderate"), (STRONG_PROXY_AUC, "strong"))
    low = min([0.45, *(a - 0.02 for a in aucs)])
    figure.update_layout(
        shapes=[across(0.5, line={"dash": "dot", "color": "#999999"}),
                *(across(value, line={"dash": "dash", "color": "#d62728"})
                  for value, _ in thresholds)],
        annotations=[label_at(value, label) for value, label in thresholds],
        title=f"Which features predict {attribute} (possible proxies)",
        xaxis={"title": f"ROC AUC of predicting {attribute} (0.5 = no information)",
               "range": [low, 1.0], "dtick": 0.1},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(300, 110 + 28 * len(names)),
        margin={"t": 80, "b": 10},
    )
    return figure


def proxy_text(explanations: Explanations, attribute: str, *, top: int = 3) -> str:
    """The top proxies of ``attribute`` named in words, with their AUC and strength."""
    scores = explanations.proxies.for_attribute(attribute)
    named: list[ProxyScore] = [s for s in scores if s.strength != "weak"][:top]
    if named:
        listed = ", ".join(f"{s.feature} (AUC {s.auc:.2f}, {s.strength})" for s in named)
        return f"Possible proxies for {attribute}: {listed}."
    if scores:
        return (f"No feature alone is a proxy for {attribute}: the highest AUC is "
                f"{scores[0].auc:.2f} ({scores[0].feature}).")
    return f"Proxies for {attribute} could not be scored (too few rows or no features)."


def proxy_attributes(explanations: Explanations) -> tuple[str, ...]:
    """The sensitive attributes whose proxies were scored (single attributes only)."""
    return tuple(a.attribute for a in explanations.proxies.all_features)
