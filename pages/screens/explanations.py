"""Explanations: why the model treats groups differently.

SHAP values of a surrogate fitted to the uploaded decisions (or of an uploaded model in a
safe format): what drives the decisions overall and within each group, where the gap
between a group and its reference comes from, in percentage points as on the Fairness page,
and which features act as proxies for a sensitive attribute. Columns that copy the label or
the decision are left out and named; the user leaves out others (weights, ids) or keeps a
copy. Computed only when asked for (it takes seconds) and cached; the method, its fidelity
and the sample stay in view in the sidebar.
"""

from __future__ import annotations

import streamlit as st

from audit import AuditInputError
from audit.engine import SourceRun
from audit.explain import drawn_note
from audit.views import (
    gap_groups,
    gap_waterfall,
    group_importance_figure,
    importance_figure,
    intersection_parts,
    method_text,
    proxy_attributes,
    proxy_figure,
    proxy_text,
    unit_label,
)
from pages._ui import explain as ui
from pages._ui import review as review_ui
from pages._ui import widgets

DEFAULT_SAMPLE_SIZE = 2000

state = st.session_state
st.title("3. Why the model treats groups differently")

run = widgets.require_run()
out_of_core = isinstance(run, SourceRun)  # counted by DuckDB: explained on a drawn sample
ui.start_preload()  # scikit-learn and SHAP load while the settings are chosen

st.markdown("The board uploads decisions, not a model, so by default a **surrogate** model is "
            "trained to reproduce them and explained with SHAP; how faithfully it reproduces "
            "them is shown in the sidebar. You can upload the model itself instead, as a "
            ".skops or .onnx file.")
left, right = st.columns([1, 2])
size = left.number_input(
    "Rows to explain", min_value=10, max_value=50_000, value=DEFAULT_SAMPLE_SIZE, step=500,
    key="explain_sample_size",
    help="A seeded sample, stratified so that small groups keep some rows. More rows: "
         "steadier numbers, slower.")
if out_of_core:
    st.info(widgets.plain(drawn_note([p.name for _, p in run.inputs],
                                     population=int(run.sample.cell_rows.sum()),
                                     sample_size=int(size))), icon=":material/storage:")
with right:
    model, refused = ui.model_section(ui.columns_of(run))
leave_out, keep = ui.column_choices(run)
if st.button("Compute explanations", key="run_explain", type="primary", disabled=refused,
             help="Takes a few seconds; the result is kept for this audit."):
    try:
        with st.spinner("Computing SHAP values…"):
            state["explanations"] = ui.explanations_for(run, sample_size=int(size), model=model,
                                                        leave_out=leave_out, keep=keep)
    except AuditInputError as err:
        widgets.error(err)

explanations = state["explanations"]
if explanations is None:
    st.info("Press **Compute explanations** to see why the model treats groups differently. "
            "It takes a few seconds.")
    st.stop()

with st.sidebar:
    ui.trust_panel(explanations)
st.caption(f"Showing the explanations of the {method_text(explanations)}, "
           f"{explanations.sample_size:,} rows. Change the settings above and press "
           "Compute again to update them.")
ui.copies_section(explanations)
st.divider()
units = "model"
if explanations.in_probability:
    units = st.radio("Units", ["points", "model"], horizontal=True, key="explain_units",
                     format_func=lambda u: ("percentage points of the favorable outcome (as on "
                                            "the Fairness page)" if u == "points" else
                                            f"{unit_label(explanations, 'model')} (the model's "
                                            "own scale)"))

attributes = explanations.attributes
attribute = widgets.pick("Attribute", attributes, attributes[0], key="explain_attribute")
attribute = attribute or attributes[0]
st.subheader(f"In plain words: {widgets.plain(attribute)}")
ui.summary(explanations, attribute)

st.subheader("What drives the decisions")
widgets.chart(importance_figure(explanations, units=units), key="chart_importance")
ui.fidelity_caption(explanations)
widgets.chart(group_importance_figure(explanations, attribute, units=units),
              key="chart_group_importance")
st.caption("Mean |SHAP| is how far a feature moves the decision on average, in either "
           "direction. A feature that matters far more in one group than in the others "
           "deserves a question.")

st.subheader("Where the gap comes from")
gaps = {g.group: g for g in gap_groups(explanations, attribute)}
if not gaps:
    st.info("This attribute has no group besides its reference group.")
else:
    # start at the largest gap of a group large enough to judge (not "small", not unknown)
    judged = {g.group for g in run.result.groups_of(attribute) if not (g.small or g.unknown)}
    largest = max(gaps.values(), key=lambda g: (g.group in judged, abs(g.gap))).group
    reference = widgets.plain(next(iter(gaps.values())).reference)
    group = widgets.pick(f"Group compared with {reference}",
                         list(gaps), largest, key=f"explain_group::{attribute}") or largest
    widgets.chart(gap_waterfall(gaps[group], output=explanations.output, units=units),
                  key="chart_gap_waterfall")
    ui.fidelity_caption(explanations)
    total = ("the gap in favorable outcomes on the Fairness page (dark bar); the last grey "
             "bar is the part the explained model does not reproduce" if units == "points"
             else "the gap (dark bar) in the model's output")
    st.caption(f"The bars add up exactly to {total}. The attribute's own column (purple) is "
               "the **direct** effect: the model uses the attribute itself. The other bars "
               "are **indirect** (blue raises the group's outcome, orange lowers it): the "
               "groups differ in those features, which may be legitimate or may be proxies.")

st.subheader("Proxies: features that stand in for a sensitive attribute")
scored = proxy_attributes(explanations)
# the attribute chosen above (each part of an intersection); all when it was not scored
names = [n for n in scored if n in intersection_parts(attribute)] or list(scored)
if not names:
    st.info("Proxies were not scored for this audit.")
elif len(names) < len(scored):
    st.caption("For the chosen attribute; choose another attribute above to see its proxies.")
for column, name in zip(st.columns(max(1, len(names))), names, strict=False):
    with column:
        widgets.chart(proxy_figure(explanations, name), key=f"chart_proxy::{name}")
        st.markdown(widgets.plain(proxy_text(explanations, name)))
st.caption("AUC of predicting the attribute from one feature alone (cross-validated): 0.5 "
           "means no information; from 0.6 a moderate proxy, from 0.7 a strong one. The dark "
           "bar uses all features together.")
review_ui.prepare(run, explanations)  # the Review page's record, written while this is read
