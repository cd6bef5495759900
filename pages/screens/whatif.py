"""What if: other cut-offs on the uploaded scores, each audited again by the same engine.

Only with a score column (otherwise the page says how to map one). Per-group ROC curves
with the uploaded decisions' operating points; cut-offs set with sliders (one for everyone,
or one per group, with the lawfulness note); the named strategies (exact fixed cut-offs,
and fairlearn's randomised options); the trade-off chart across strategies with the
tolerance sweep, whose points open in the before/after view; and the choice the record
keeps. Every number and verdict comes from `audit.whatif` and the engine; the analysis
is computed once per inputs and settings (`pages._ui.whatif`).
"""

from __future__ import annotations

import streamlit as st

from audit import AuditInputError
from audit.views import UPLOADED, objective, options_frame, roc_figure, tradeoff_figure
from audit.whatif import DISPARITIES, words
from pages._ui import whatif as ui
from pages._ui import widgets
from pages._ui.widgets import plain

DISPARITY_NAMES = {
    "demographic_parity_difference": "demographic parity (selection rates)",
    "equal_opportunity_difference": "equal opportunity (true positive rates)",
    "equalized_odds_difference": "equalized odds (true and false positive rates)",
}

st.title("What if the cut-offs were different?")

run = st.session_state["run"]
if run is None or run.result.spec.score is None:
    ui.needs_score(run)
run = widgets.require_rows(run, "what-if")
st.markdown("The model gives every person a **score**; a person "
            f"{plain(words.person_decided(run.result.favorable, run.result.outcome_meaning))} "
            "when the score is at or above a **cut-off**. Here you can try other cut-offs "
            "— one for everyone, or one per group — and see the same audit again, before "
            "and after. Nothing changes the uploaded files or the audit itself.")
widgets.inputs_caption(run)

chosen = ui.settings(run)
try:
    report = ui.report_for(run, chosen)
except AuditInputError as err:
    widgets.error(err)
    st.stop()
ui.remember(run, report)
for warning in report.warnings:
    st.warning(plain(warning))

st.subheader("Where each group stands")
roc_place = st.container()
st.caption("Each curve runs through every cut-off of one group's scores (true positive rate "
           "against false positive rate). The dot is where the uploaded decisions put the "
           "group; the diamond is where the option shown below puts it.")

st.subheader("Set the cut-offs")
start = ui.uploaded(run)
st.caption(plain(words.UPLOADED_CUT_OFF.format(
    cut_off=words.format_cut_off(start.cut_off), agreement=start.agreement))
    + " The sliders start there.")
thresholds = ui.cut_off_sliders(report, start.cut_off)
manual = ui.manual_option(run, report, thresholds, chosen.cost_ratio)

st.subheader("Before and after")
view = ui.in_view(report, manual)
ui.before_after(report, view)
ui.record_section(run, report, view)
with roc_place:
    widgets.chart(roc_figure(report.roc_curves(), after=view.group_rates[report.attribute]),
                  key="whatif_roc")

st.subheader("The named strategies")
st.markdown("Each option below is computed from the scores: **one cut-off for everyone** "
            "(it does not use the attribute), the **most accurate cut-off for each group**, "
            "and cut-offs that keep the groups' rates within the tolerance (**demographic "
            "parity**, **equal opportunity**, **equalized odds**), found by an exact search "
            "with fixed cut-offs and, when asked for, by fairlearn's ThresholdOptimizer "
            "(which may decide some people by chance).")
st.dataframe(options_frame(report), hide_index=True)
ui.option_cards(report)

st.subheader("The trade-off")
disparity = st.selectbox("Disparity on the horizontal axis", DISPARITIES, index=1,
                         format_func=DISPARITY_NAMES.get, key="whatif_disparity",
                         persist_state="session")
widgets.chart(tradeoff_figure(report, disparity=disparity, manual=manual), key=ui.CHART,
              on_select=ui.on_point(report), selection_mode="points")
better = "Up" if objective(report) == "accuracy" else "Down"
st.caption(f"{better} and to the left is better. The star is the {UPLOADED.lower()}; squares are "
           "randomised options; the dotted line is the tolerance sweep of the strategy that "
           "targets this disparity (tolerances 0 to 1). Whiskers are bootstrap intervals "
           "with the cut-offs held fixed. Click a point to see it before and after.")
for note in report.notes:
    st.caption(plain(note))
