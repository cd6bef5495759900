"""Upload: the two files (CSV or Parquet), a preview of each, the column roles, and the
audit run. A file above the in-memory threshold is counted out of core by DuckDB, and the
page says so (`pages._ui.uploads`).

A file is kept in session state only once it was read without error (within the size and
row limits the operator set), and a run only once it finished; a bad upload or a failed
run leaves the earlier ones in place. Columns that identify people directly are flagged
and left out before anything else sees the file (`pages._ui.privacy`).
"""

from __future__ import annotations

import streamlit as st

from audit import AuditInputError, verdict_label
from audit.inputs import DEFAULT_CRITERIA, AuditSpec
from pages._ui import cache, mapping, uploads, widgets
from pages._ui import explain as explain_ui
from pages._ui.actions import (
    ask_to_replace,
    confirm_replace,
    inputs_of,
    review_work,
    store_run,
)
from pages._ui.options import advanced_step
from pages._ui.privacy import identifier_step

state = st.session_state
st.title("1. Upload and map columns")
st.markdown("Upload the **dataset** (one row per person: the sensitive attributes and the true "
            "outcome) and, if the model's decisions are in a separate file, the **predictions** "
            "file with an id column that both files share.")

try:
    limits = cache.upload_limits()
except AuditInputError as err:  # the operator's AUDIT_MAX_* setting, not the user's file
    widgets.error(err)
    st.stop()
roles = ("dataset", "predictions")
places = st.columns(2)
fresh = uploads.upload_step(places, limits)
mapping.clear_old_predictions(fresh)  # a new dataset alone drops an older predictions file
identifier_step(fresh)  # keeps each new file in session state, without identifier columns
for column, role in zip(places, roles, strict=True):
    if state[role] is not None:
        with column:
            widgets.preview(state[role], role=role.capitalize())
            uploads.out_of_core(state[role])
if state["predictions"] is not None and state["upload_predictions"] is None and st.button(
        "Audit without a predictions file", key="clear_predictions"):
    state["predictions"] = None
    st.rerun()

dataset, predictions = state["dataset"], state["predictions"]
if dataset is None:
    st.info("Upload a dataset to map its columns.")
    st.stop()
# scikit-learn and SHAP (3-4 s of imports in a new server process) load in the background
# while the board maps the columns, long before anyone asks for explanations
explain_ui.start_preload()
widgets.load_charts()  # and the browser loads its chart code

st.header("Column roles")
guess = cache.guess(dataset, predictions)  # over both files
columns = list(dict.fromkeys([*dataset.frame.columns,
                              *(predictions.frame.columns if predictions else ())]))
prior = mapping.fresh_mapping(dataset, predictions)  # new files: nothing of the old mapping
ids = (list(dataset.frame.columns) if predictions is None else
       [c for c in dataset.frame.columns if c in predictions.frame.columns])


def source_of(column: str):  # noqa: ANN202
    return dataset if column in dataset.frame.columns else predictions


left, right = st.columns(2)
with left:
    id_column = widgets.pick(
        "Id column (the same person in both files)", ids,
        state["id_column"] if prior else guess.id_column, key="role_id",
        none="none: join the files by row order")
    label = widgets.pick("True outcome (label)", columns,
                         prior.label if prior else guess.label, key="role_label")
    prediction = widgets.pick("Model decision (prediction)", columns,
                              prior.prediction if prior else guess.prediction,
                              key="role_prediction")
with right:
    sensitive = widgets.pick_many(
        "Sensitive attributes", columns, list(prior.sensitive if prior else guess.sensitive),
        key="role_sensitive", help="Groups are compared on each, and on their intersection.")
    score = widgets.pick("Model score (optional)", columns,
                         prior.score if prior else guess.score, key="role_score", none="no score")

st.subheader("The favorable outcome")
context = state["context"]
favorable, meaning, ready = mapping.outcome_step(
    list(cache.values(source_of(label), label)) if label else [], label=label,
    prediction=prediction, default=prior.favorable if prior else guess.favorable,
    meaning=(prior.outcome_meaning if prior else "")
    or (context.use.outcome_meaning if context else ""))
bins, bands, bands_ok = mapping.bands_step(sensitive, source_of, prior)
mapping.sizes_step(sensitive, source_of, minimum=int(state.get("opt_min_denominator") or 10),
                   bins=bins)

options = advanced_step(sensitive, bands, source_of, prior)

run_now = st.button("Run audit", key="run_audit", type="primary",
                    disabled=not (ready and bands_ok))
# other files would replace an audit the board has typed a review for: ask first
if (run_now and review_work() and inputs_of(state["run"]) is None
        and ask_to_replace("upload")):
    run_now = False
if confirm_replace("The files above", key="upload"):
    run_now = True
if run_now:
    if label is None or prediction is None:
        st.error("Choose the column with the true outcome (label) and the column with the "
                 "model's decision (prediction).")
        st.stop()
    spec = AuditSpec(
        label=label, prediction=prediction, sensitive=tuple(sensitive), score=score,
        favorable=favorable, outcome_meaning=meaning, bins=bins,
        criteria=prior.criteria if prior else DEFAULT_CRITERIA,
        judgement=prior.judgement if prior else "interval", **options)  # type: ignore[arg-type]
    try:
        with st.spinner(f"Auditing {dataset.provenance.rows:,} rows…"):
            run = cache.run_audit(dataset=dataset, predictions=predictions, spec=spec,
                                  id_column=id_column)
    except AuditInputError as err:
        widgets.error(err)
    else:
        store_run(run, dataset=dataset, predictions=predictions, spec=spec, id_column=id_column)
        # straight to the verdict: drawing this page again first cost the board a second
        st.switch_page("pages/screens/fairness.py")

if state["run"] is not None:
    done = state["run"]
    files = " and ".join(widgets.plain(p.name) for _, p in done.inputs)
    if inputs_of(done) is None:  # the files above are not the ones audited
        st.info(f"The last audit was of {files}. Press Run audit to audit the files above.")
        st.stop()
    statuses = [f.status for f in done.result.findings]
    st.success(f"Audit ready for {files}: {done.result.rows:,} rows; "
               f"{verdict_label(done.result.verdict)}: {statuses.count('fail')} of "
               f"{len(statuses)} checks failed, {statuses.count('inconclusive')} inconclusive.")
    widgets.nav_link("pages/screens/fairness.py", "Read the disparities", ":material/bar_chart:")
