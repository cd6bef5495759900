"""Home: what the dashboard does, the steps, and a one-click audit of the sample data."""

from __future__ import annotations

import streamlit as st

from pages._ui import widgets
from pages._ui.actions import ask_to_replace, confirm_replace, load_sample

st.title("Fairness audit")
st.markdown(
    "Check whether a model's decisions treat groups of people differently. Upload the data "
    "the model decided on and its decisions; the audit compares every group (by sex, race, "
    "age and their combinations) on approval rates and error rates, with confidence "
    "intervals and significance tests, and judges each against the rules a review board "
    "uses: the **four-fifths rule** for adverse impact, **equal opportunity** and "
    "**equalized odds**. Groups too small to judge are marked as such, never reported as "
    "findings."
)

steps = st.columns(3)
with steps[0]:
    st.subheader("1. Upload")
    st.markdown("Two CSV files: the **dataset** (one row per person, with the true outcome and "
                "the sensitive attributes) and the model's **predictions**, joined by an id.")
    widgets.nav_link("pages/screens/upload.py", "Upload files", ":material/upload_file:")
with steps[1]:
    st.subheader("2. Map columns")
    st.markdown("Say which column is the true outcome, which is the model's decision, which "
                "are sensitive, and which outcome is the favorable one. The tool guesses; you "
                "confirm.")
with steps[2]:
    st.subheader("3. Read the disparities")
    st.markdown("A plain-language verdict first, then rates per group, ratios to a reference "
                "group, the adverse-impact table and the intersections. Then review the "
                "findings and export the signed audit record.")
    widgets.nav_link("pages/screens/fairness.py", "See the disparities", ":material/bar_chart:")

st.divider()
st.markdown("**No data at hand?** The bundled lending sample (6,000 synthetic applicants, with "
            "a bias planted on purpose) shows what an audit finds.")

def audit_the_sample() -> None:
    with st.spinner("Auditing the sample lending data…"):
        load_sample()
    st.switch_page("pages/screens/fairness.py")


if st.button("Try it with sample data", key="try_sample", type="primary") and not ask_to_replace(
        "sample"):
    audit_the_sample()
if confirm_replace("The sample lending data", key="sample"):
    audit_the_sample()

run = st.session_state["run"]
if run is not None:
    names = ", ".join(widgets.plain(p.name) for _, p in run.inputs)
    st.info(f"An audit is loaded ({names}, {run.result.rows:,} rows).")
