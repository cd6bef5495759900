"""Figures and words built from `Explanations`: presentation only, no new numbers.

Every function is pure: it reads an `Explanations` object (or one of its parts) and
returns a plotly ``Figure`` or text for the dashboard, the PDF or a notebook. Values are
selected, ordered and formatted; the only arithmetic is summing the smallest gap
contributions into one "other features" bar, which keeps the waterfall's bars summing
exactly to the gap (SHAP contributions are additive).
"""

from __future__ import annotations

import plotly.graph_objects as go

from audit.explain import (
    MODERATE_PROXY_AUC,
    STRONG_PROXY_AUC,
    Explanations,
    Fidelity,
    GapAttribution,
    ProxyScore,
    strength_of,
)

TOP_FEATURES = 15
TOP_GROUP_FEATURES = 10
TOP_GAP_FEATURES = 8
DIRECT_COLOR = "#9467bd"
TOWARDS_COLOR = "#1f77b4"
AGAINST_COLOR = "#ff7f0e"
TOTAL_COLOR = "#555555"
STRENGTH_COLORS = {"strong": "#d62728", "moderate": "#ff7f0e", "weak": "#b0b0b0"}
ALL_FEATURES_COLOR = "#333333"
ALL_FEATURES = "all features together"
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


def importance_figure(explanations: Explanations, *, top: int = TOP_FEATURES) -> go.Figure:
    """Horizontal bars of mean |SHAP| per feature, the ``top`` most important first."""
    shown = explanations.global_importance[:top]
    units = AXIS_UNITS[explanations.output]
    figure = go.Figure(go.Bar(
        x=[f.mean_abs_shap for f in shown], y=[f.feature for f in shown], orientation="h",
        marker={"color": TOWARDS_COLOR}, text=[f"{f.mean_abs_shap:.2f}" for f in shown],
        textposition="auto", hovertemplate="%{y}: %{x:.3f}<extra>mean |SHAP|</extra>",
    ))
    figure.update_layout(
        title=f"What drives the model's decisions overall (top {len(shown)} features)",
        xaxis={"title": f"mean |SHAP value| ({units})"},
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(300, 90 + 28 * len(shown)), margin={"t": 60, "b": 10},
    )
    return figure


def group_importance_figure(explanations: Explanations, attribute: str, *,
                            top: int = TOP_GROUP_FEATURES) -> go.Figure:
    """Heatmap of mean |SHAP| per group of ``attribute`` (rows) and feature (columns).

    Features are the ``top`` most important overall, most important first; hover shows
    the signed mean SHAP too (which way the feature pushes that group's decisions).
    """
    groups = [g for g in explanations.by_group if g.attribute == attribute]
    features = [f.feature for f in explanations.global_importance[:top]]
    z, hover = [], []
    for group in groups:
        cells = {i.feature: i for i in group.importance}
        z.append([cells[f].mean_abs_shap for f in features])
        hover.append([f"{f} in {group.group} (n={group.n:,})<br>mean |SHAP| "
                      f"{cells[f].mean_abs_shap:.3f}<br>mean SHAP {_signed(cells[f].mean_shap, 3)}"
                      for f in features])
    figure = go.Figure(go.Heatmap(
        z=z, x=features, y=[f"{g.group} (n={g.n:,})" for g in groups], colorscale="Blues",
        zmin=0, texttemplate="%{z:.2f}", customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        colorbar={"title": {"text": "mean |SHAP|"}},
    ))
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


def gap_waterfall(gap: GapAttribution, *, output: str = "log-odds",
                  top: int = TOP_GAP_FEATURES) -> go.Figure:
    """The gap between ``gap.group`` and its reference split by feature, as a waterfall.

    The attribute's own column(s) (the *direct* effect) come first, in their own colour;
    then the other features by size, the smallest summed into one bar. The relative bars
    sum to ``gap.gap``; the last bar (measure ``"absolute"``) is the gap itself.
    """
    direct = [c for c in gap.contributions if c.sensitive]
    indirect = [c for c in gap.contributions if not c.sensitive]
    labels = [f"{c.feature} (own column)" for c in direct]
    values = [c.contribution for c in direct]
    names = [c.feature for c in indirect[:top]]
    others = [c.contribution for c in indirect[:top]]
    rest = indirect[top:]
    if rest:
        names.append(f"{len(rest)} other feature{'s' * (len(rest) > 1)}")
        others.append(sum(c.contribution for c in rest))
    units = AXIS_UNITS[output]
    figure = go.Figure()
    if direct:
        figure.add_trace(go.Waterfall(
            name=f"{' and '.join(c.feature for c in direct)} "
                 f"{'itself' if len(direct) == 1 else 'themselves'} (direct)", x=labels, y=values,
            measure=["relative"] * len(values), text=[_signed(v) for v in values],
            increasing={"marker": {"color": DIRECT_COLOR}},
            decreasing={"marker": {"color": DIRECT_COLOR}},
            connector={"line": {"color": "#999999", "dash": "dot"}},
            hovertemplate="%{x}: %{y:+.3f}<extra>direct</extra>",
        ))
    figure.add_trace(go.Waterfall(
        name="other features (indirect)", x=names, y=others, base=sum(values),
        measure=["relative"] * len(others), text=[_signed(v) for v in others],
        increasing={"marker": {"color": TOWARDS_COLOR}},
        decreasing={"marker": {"color": AGAINST_COLOR}},
        connector={"line": {"color": "#999999", "dash": "dot"}},
        hovertemplate="%{x}: %{y:+.3f}<extra>indirect</extra>",
    ))
    figure.add_trace(go.Waterfall(
        name="gap", x=["gap"], y=[gap.gap], measure=["absolute"], text=[_signed(gap.gap)],
        totals={"marker": {"color": TOTAL_COLOR}}, showlegend=False,
        hovertemplate="gap: %{y:+.3f}<extra></extra>",
    ))
    points = ("" if gap.gap_probability is None or output == "probability"
              else f" ({_signed(100 * gap.gap_probability, 1)} percentage points)")
    figure.update_layout(
        title=f"Why {gap.group} and {gap.reference} differ: gap {_signed(gap.gap)} "
              f"{units}{points}",
        yaxis={"title": f"contribution to the gap ({units})", "zeroline": True},
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
    ))
    figure.add_vline(x=0.5, line={"dash": "dot", "color": "#999999"})
    for value, label in ((MODERATE_PROXY_AUC, "moderate"), (STRONG_PROXY_AUC, "strong")):
        figure.add_vline(x=value, line={"dash": "dash", "color": "#d62728"},
                         annotation_text=label, annotation_position="top")
    low = min([0.45, *(a - 0.02 for a in aucs)])
    figure.update_layout(
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
