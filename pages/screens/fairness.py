"""Fairness: the verdict in plain words, then per-group rates, ratios and the adverse-impact table.

Every number comes from the `AuditRun` in session state. Changing a reference group or a
criterion makes a new spec and asks the cached audit for it; changing what a chart shows
only re-renders.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from audit import JUDGEMENT_WORDS, AuditInputError
from audit.inputs import JUDGEMENTS, AuditSpec, Criterion
from audit.views import (
    chart_metrics,
    disparity_figure,
    group_metrics_frame,
    group_rates_figure,
    interval_methods,
    metric_label,
)
from pages._ui import cache, widgets
from pages._ui.actions import inputs_of, store_run

DEFAULT_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate")
GAP_CRITERIA = ("equal_opportunity_difference", "equalized_odds_difference")

st.title("2. Read the disparities")

run = widgets.require_run()


def threshold(spec: AuditSpec, metric: str, default: float) -> float:
    return next((c.threshold for c in spec.criteria if c.metric == metric), default)


def with_thresholds(spec: AuditSpec, impact: float, gap: float) -> tuple[Criterion, ...]:
    wanted = {"impact_ratio": impact, **dict.fromkeys(GAP_CRITERIA, gap)}
    return tuple(replace(c, threshold=float(wanted.get(c.metric, c.threshold)))
                 for c in spec.criteria)


spec = run.result.spec
with st.sidebar:
    st.header("Criteria")
    impact = st.number_input(
        "Lowest acceptable impact ratio (four-fifths rule)", min_value=0.0, max_value=1.0,
        value=threshold(spec, "impact_ratio", 0.8), step=0.05, format="%.2f",
        key="crit_impact_ratio")
    gap = st.number_input(
        "Largest acceptable gap in true/false positive rates (equal opportunity, equalized "
        "odds)", min_value=0.0, max_value=1.0, step=0.01, format="%.2f",
        value=threshold(spec, "equal_opportunity_difference", 0.1), key="crit_max_difference")
    min_denominator = st.number_input(
        "Fewest people a rate must rest on to be judged", min_value=1, max_value=1_000_000,
        step=1, value=spec.min_denominator, key="crit_min_denominator",
        help="Everyone for a selection rate; people with a favorable label for a true "
        "positive rate; people without one for a false positive rate.")
    judgement = st.radio(
        "Judge each criterion on", JUDGEMENTS, index=JUDGEMENTS.index(spec.judgement),
        key="crit_judgement", format_func=lambda j: {"interval": "the confidence interval",
                                                     "point": "the point value"}[j],
        help="; ".join(f"{j}: {words}" for j, words in JUDGEMENT_WORDS.items()))

summary = st.container()
st.divider()
left, middle, right = st.columns([1, 1, 2])
attribute = left.selectbox("Attribute", run.result.attributes, key="fairness_attribute",
                           persist_state="session")
choices = [g.group for g in run.result.groups_of(attribute) if not g.unknown]
current = run.result.references[attribute]
reference = middle.selectbox(
    "Reference group", choices, index=choices.index(current) if current in choices else 0,
    key=f"fairness_reference::{attribute}")
metrics = right.multiselect(
    "Metrics", chart_metrics(run.result), default=DEFAULT_METRICS, format_func=metric_label,
    key="fairness_metrics", persist_state="session")

references = dict(spec.reference)
if reference != current:
    references[attribute] = reference
wanted = replace(spec, reference=references, min_denominator=int(min_denominator),
                 judgement=judgement, criteria=with_thresholds(spec, impact, gap))
inputs = inputs_of(run)
if wanted != spec and inputs is None:
    st.warning("The files on the Upload page have changed since this audit ran. Run the audit "
               "again there to use them; until then the results below are for the earlier files.")
elif wanted != spec and inputs is not None:
    dataset, predictions = inputs
    try:
        with st.spinner("Recomputing the audit…"):
            new_run = cache.run_audit(dataset=dataset, predictions=predictions, spec=wanted,
                                      id_column=run.id_column)
    except AuditInputError as err:
        widgets.error(err)
    else:
        store_run(new_run, dataset=dataset, predictions=predictions, spec=wanted,
                  id_column=run.id_column)
        run = new_run

result = run.result
with summary:
    widgets.inputs_caption(run)
    widgets.findings_summary(result)
    widgets.warnings_box(run)

if not metrics:
    st.info("Choose at least one metric to draw the charts.")
else:
    st.subheader("Rates per group")
    widgets.chart(group_rates_figure(result, attribute, metrics), key="chart_rates")
    if (box := widgets.details("The numbers behind this chart",
                               key="details_rates")) is not None:
        box.dataframe(group_metrics_frame(result, attribute, metrics), hide_index=True)
        box.caption(f"Intervals: {interval_methods(result, metrics)}.")
    st.subheader(f"Ratio to the reference group ({widgets.plain(result.references[attribute])})")
    widgets.chart(disparity_figure(result, attribute, metrics), key="chart_ratios")

st.subheader(f"Adverse-impact table: {widgets.plain(attribute)}")
widgets.adverse_impact_section(result, attribute)
widgets.ll144_section(result)
if (box := widgets.details("Intersections: each combination of the sensitive attributes",
                           key="details_intersections", icon=":material/grid_on:")) is not None:
    with box:
        widgets.heatmap_section(result)
