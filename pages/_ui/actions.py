"""What the pages do with session state: keep a finished run, load the bundled sample, and
ask before anything replaces the audit a user has loaded.

A run of the *same* files (another criterion, reference group or judgement rule) keeps the
board's review and its draft (`pages._ui.drafts`): notes stay on their finding's id. A run
of other files is another audit: the review, its draft and the record identity go, so a
page that would replace a loaded audit asks first (`confirm_replace`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from audit.engine import AuditRun
from audit.inputs import AuditInput, AuditSpec
from pages._ui import cache, drafts, options, widgets

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_DATASET = SAMPLE_DIR / "lending_applicants.csv"
SAMPLE_PREDICTIONS = SAMPLE_DIR / "lending_predictions.csv"
SAMPLE_ID_COLUMN = "applicant_id"
PENDING_KEY = "replace_pending"
REPLACE_WARNING = ("This replaces the audit that is loaded ({names}, {rows:,} rows){work}. "
                   "{what} will be audited instead. Replace it?")
REVIEW_WORK = ", and the review typed for it"


def sample_spec() -> AuditSpec:
    """The mapping of the lending sample (see sample_data/README.md)."""
    return AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                     favorable="approved", outcome_meaning="approved",
                     reference={"sex": "male", "race": "White"})


def inputs_of(run: AuditRun) -> tuple[AuditInput, AuditInput | None] | None:
    """The session's uploads if they are the files ``run`` audited, else ``None``.

    The Upload page keeps a new valid upload at once, before it is audited; a page that
    re-runs the audit with another spec must not silently switch to the new file.
    """
    dataset, predictions = st.session_state["dataset"], st.session_state["predictions"]
    current = [("dataset", dataset.provenance)] if dataset is not None else []
    if predictions is not None:
        current.append(("predictions", predictions.provenance))
    if dataset is None or tuple(current) != run.inputs:
        return None
    return dataset, predictions


def store_run(run: AuditRun, *, dataset: AuditInput, predictions: AuditInput | None,
              spec: AuditSpec, id_column: str | None) -> None:
    """Make ``run`` the one every page shows; only called after the run succeeded."""
    state = st.session_state
    before = state["run"]
    if before is not run:
        state["explanations"] = None  # they were computed for the previous run
    if before is not None and before.inputs != run.inputs:  # another audit, not a re-run
        discard_review()
    state["dataset"] = dataset
    state["predictions"] = predictions
    state["spec"] = spec
    state["id_column"] = id_column
    state["run"] = run
    options.forget_changed()  # the Upload page's options now describe this run


def discard_review() -> None:
    """Drop the review of the loaded audit, its draft, record identity and what-if choice
    (the audit is being replaced)."""
    state = st.session_state
    drafts.forget(state)
    for key in ("review", "record_identity", "record_pdf", "whatif", "whatif_loaded"):
        state[key] = None


def load_sample() -> AuditRun:
    """Read the lending sample through the upload path, audit it, and keep the run."""
    dataset = cache.read_bundled(str(SAMPLE_DATASET))
    predictions = cache.read_bundled(str(SAMPLE_PREDICTIONS))
    spec = sample_spec()
    run = cache.run_audit(dataset=dataset, predictions=predictions, spec=spec,
                          id_column=SAMPLE_ID_COLUMN)
    store_run(run, dataset=dataset, predictions=predictions, spec=spec,
              id_column=SAMPLE_ID_COLUMN)
    return run


def confirm_replace(what: str, *, key: str) -> bool:
    """Ask whether ``what`` (``"The sample lending data"``) may replace the loaded audit.

    Shown while ``replace_pending`` is ``key``: True once the user says replace (the review
    of the loaded audit is then dropped); "Keep my audit" takes the question away.
    """
    state = st.session_state
    if state[PENDING_KEY] != key:
        return False
    run = state["run"]
    if run is None:  # nothing to replace any more
        state[PENDING_KEY] = None
        return True
    draft = drafts.current(state)
    work = REVIEW_WORK if state["review"] is not None or not draft.empty else ""
    names = ", ".join(p.name for _, p in run.inputs)
    st.warning(widgets.plain(REPLACE_WARNING.format(names=names, rows=run.result.rows,
                                                    work=work, what=what)),
               icon=":material/warning:")
    left, right = st.columns(2)
    if left.button("Replace it", key=f"replace_yes_{key}", type="primary"):
        state[PENDING_KEY] = None
        discard_review()  # even when the same files are audited again: the user said so
        return True
    if right.button("Keep my audit", key=f"replace_no_{key}"):
        state[PENDING_KEY] = None
        st.rerun()  # the question goes; the audit stays
    return False


def review_work() -> bool:
    """Whether the board typed or saved a review for the loaded audit."""
    state = st.session_state
    return state["run"] is not None and (state["review"] is not None
                                         or not drafts.current(state).empty)


def ask_to_replace(key: str) -> bool:
    """Whether an audit is loaded that ``key``'s action would replace; if so, the question
    (`confirm_replace`) is put to the user on this and the next runs."""
    if st.session_state["run"] is None:
        return False
    st.session_state[PENDING_KEY] = key
    return True
