"""What the pages do with session state: keep a finished run, load the bundled sample."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from audit.engine import AuditRun
from audit.inputs import AuditInput, AuditSpec
from pages._ui import cache

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_DATASET = SAMPLE_DIR / "lending_applicants.csv"
SAMPLE_PREDICTIONS = SAMPLE_DIR / "lending_predictions.csv"
SAMPLE_ID_COLUMN = "applicant_id"


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
    if state["run"] is not run:
        state["explanations"] = None  # they were computed for the previous run
    state["dataset"] = dataset
    state["predictions"] = predictions
    state["spec"] = spec
    state["id_column"] = id_column
    state["run"] = run


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
