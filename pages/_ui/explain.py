"""The Explanations page's cache and rendering helpers.

SHAP takes seconds, so explanations are computed only when asked for, and once per
(run's input sha256s and columns, spec, references, sample size, seed, model sha256, the
columns left out and kept) through ``st.cache_resource``: the `Explanations` object is
frozen, so every rerun gets the same object back. An uploaded model is read once per
upload; a refused upload is remembered as its error (like a bad CSV in ``cache.py``), so
it is not read again on every rerun.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence

import streamlit as st

from audit import AuditInputError
from audit.engine import AuditRun, SourceRun, explain_uploads
from audit.explain import (
    TRUSTED_TYPES,
    Explanations,
    LoadedModel,
    explain,
    load_model,
    preload,
)
from audit.inputs import AuditInput
from audit.views import fidelity_text, method_text, sample_text
from pages._ui import cache, widgets
from pages._ui.widgets import SHA_SHOWN, plain

# Pickle types are listed so that such an upload reaches load_model and is refused with
# its reason, instead of being blocked by the browser without one.
MODEL_TYPES = ["skops", "onnx", "pkl", "pickle", "joblib", "sav"]
MAX_ENTRIES = 8


def _preload() -> None:
    with contextlib.suppress(Exception):  # explain imports them again and reports a failure
        preload()


@st.cache_resource(show_spinner=False)
def _preload_thread() -> threading.Thread:
    """The server process's one background import (``st.cache_resource``: started once).

    Not a daemon: a process that ends while a daemon thread is still inside the native code
    of an import can abort; Python waits for this one to finish its imports instead. (A
    one-process session test ended seconds after its first upload with "terminate called
    without an active exception", exit -6, once in CI; not reproduced on its own.)"""
    thread = threading.Thread(target=_preload, name="explain-preload", daemon=False)
    thread.start()
    return thread


def start_preload() -> None:
    """Start importing scikit-learn and SHAP in the background (once per server process):
    from the Upload page once a dataset is in, and from the Explanations page, so that
    "Compute explanations" does not also wait for seconds of imports."""
    _preload_thread()


def _preloaded() -> None:
    """Wait for the background imports, so that two threads never import the same module."""
    _preload_thread().join()


def run_key(run: AuditRun) -> str:
    """The run's inputs as ``role:sha256:name`` pairs, and the columns audited.

    The columns matter: the privacy step can leave some out of the same file (same sha256).
    """
    inputs = "|".join(f"{role}:{p.sha256}:{p.name}" for role, p in run.inputs)
    return f"{inputs}|columns:{json.dumps([str(c) for c in run.data.frame.columns])}"


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _explain(inputs_key: str, spec_json: str, id_column: str | None, references_json: str,
             sample_size: int, seed: int, intersections: bool, model_key: str,
             leave_out: tuple[str, ...], keep: tuple[str, ...], *,
             _run: AuditRun, _model: LoadedModel | None) -> Explanations:
    return explain(_run.data, references=_run.result.references, model=_model,
                   sample_size=sample_size, seed=seed, intersections=intersections,
                   leave_out=leave_out, keep=keep)


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _explain_drawn(dataset_key: str, predictions_key: str, spec_json: str,
                   id_column: str | None, sample_size: int, model_key: str,
                   leave_out: tuple[str, ...], keep: tuple[str, ...], *, _run: SourceRun,
                   _dataset: AuditInput, _predictions: AuditInput | None,
                   _model: LoadedModel | None) -> Explanations:
    return explain_uploads(_run, dataset=_dataset, predictions=_predictions,
                           sample_size=sample_size, model=_model, leave_out=leave_out,
                           keep=keep)


def columns_of(run: AuditRun | SourceRun) -> list[str]:
    """The columns the explanations may read: out of core, those of the drawn sample that
    the uploads kept (not the identifiers the user left out)."""
    if isinstance(run, AuditRun):
        return [str(c) for c in run.data.frame.columns]
    kept = {str(c) for role in ("dataset", "predictions")
            if (upload := st.session_state[role]) is not None for c in upload.frame.columns}
    return [str(c) for c in run.sample.frame.columns if str(c) in kept]


def features_of(run: AuditRun | SourceRun) -> list[str]:
    """The columns that describe the person (every column but the roles)."""
    if isinstance(run, AuditRun):
        return list(run.data.features)
    spec = run.result.spec
    roles = {spec.label, spec.prediction, spec.score, run.id_column, *spec.sensitive}
    return [c for c in columns_of(run) if c not in roles]


def explanations_for(run: AuditRun | SourceRun, *, sample_size: int, model: LoadedModel | None,
                     leave_out: Sequence[str] = (), keep: Sequence[str] = ()) -> Explanations:
    """`audit.explain` for ``run``, computed once per inputs, spec, size, seed, model and
    the columns left out and kept.

    Raises `AuditInputError` (not cached) when the model or the settings do not fit.
    """
    _preloaded()
    spec = run.result.spec
    model_key = "" if model is None else f"{model.sha256}:{model.feature_names}"
    if isinstance(run, SourceRun):  # out of core: a sample drawn from the files on disk
        dataset, predictions = st.session_state["dataset"], st.session_state["predictions"]
        return _explain_drawn(cache.input_key(dataset), cache.input_key(predictions),
                              cache.spec_key(spec), run.id_column, sample_size, model_key,
                              tuple(sorted(leave_out)), tuple(sorted(keep)), _run=run,
                              _dataset=dataset, _predictions=predictions, _model=model)
    return _explain(run_key(run), cache.spec_key(spec), run.id_column,
                    json.dumps(dict(run.result.references), sort_keys=True), sample_size,
                    spec.seed, spec.intersections, model_key, tuple(sorted(leave_out)),
                    tuple(sorted(keep)), _run=run, _model=model)


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(file_id: str, name: str, size: int, feature_names: tuple[str, ...] | None, *,
          _upload: cache.Upload) -> LoadedModel | AuditInputError:
    try:
        return load_model(_upload.getvalue(), name=name, feature_names=feature_names)
    except AuditInputError as err:
        return type(err)(str(err))  # without the traceback, which holds the file's bytes


def load_upload(upload: cache.Upload,
                feature_names: tuple[str, ...] | None = None) -> LoadedModel:
    """The uploaded model, read once per upload. Raises `AuditInputError` if refused."""
    outcome = _load(upload.file_id, upload.name, upload.size, feature_names, _upload=upload)
    if isinstance(outcome, AuditInputError):
        raise outcome
    return outcome


def trusted_types() -> None:
    with st.expander("Types trusted in .skops files"):
        st.markdown("scikit-learn's own estimators and transformers, and these types:\n"
                    + "\n".join(f"- `{t}`" for t in TRUSTED_TYPES)
                    + "\n\nA file with any other type is refused without being loaded.")


def model_section(columns: Sequence[str]) -> tuple[LoadedModel | None, bool]:
    """The optional model upload: ``(model, refused)``; errors are shown here."""
    upload = st.file_uploader(
        "Model file (optional): .skops or .onnx", type=MODEL_TYPES, key="upload_model",
        help="Without a model, a surrogate is fitted to the uploaded decisions. Pickle and "
             "joblib files are refused: opening them would run code from the file.")
    if upload is None:
        return None, False
    if upload.name.lower().endswith(".skops"):
        trusted_types()
    try:
        model = load_upload(upload)
        if model.feature_names is None:
            names = st.multiselect("The model's input columns, in the order it was trained on",
                                   columns, key="model_columns")
            model = load_upload(upload, tuple(names)) if names else model
    except AuditInputError as err:
        widgets.error(err)
        return None, True
    st.caption(f"Model {plain(model.name)}: {model.task}, explained with SHAP's "
               f"{model.explainer} explainer · sha256 {model.sha256[:SHA_SHOWN]}")
    return model, False


def trust_panel(explanations: Explanations) -> None:
    """Method, fidelity and sample: the facts that say how far to trust every chart."""
    st.header("How far to trust this")
    st.markdown(f"**Method:** {method_text(explanations)}")
    st.markdown(f"**Fidelity:** {fidelity_text(explanations.fidelity, method=explanations.method)}")
    st.markdown(f"**Sample:** {sample_text(explanations)}")
    if explanations.fidelity.warning:
        st.warning(plain(explanations.fidelity.warning), icon=":material/warning:")
    if explanations.left_out:
        st.caption("Columns left out: "
                   + plain(", ".join(c.column for c in explanations.left_out)))


KEEP_KEY = "explain_keep"


def column_choices(run: AuditRun | SourceRun) -> tuple[list[str], list[str]]:
    """The columns the user leaves out, and the copies of the outcome the user keeps in.

    The second list is chosen under the result (`copies_section`), once the copies are
    known; its value from the last run is read here, before the Compute button.
    """
    leave_out = st.multiselect(
        "Columns to leave out of the explanations", features_of(run),
        key="explain_leave_out",
        help="Columns that do not describe the person, such as sampling weights (fnlwgt) or "
             "record numbers. Columns that copy the label or the decision are found and "
             "left out on their own.")
    return leave_out, list(st.session_state.get(KEEP_KEY) or [])


def copies_section(explanations: Explanations) -> None:
    """What was left out of the explanations and why; copies of the outcome stand out, with
    the choice to keep them (it applies when Compute is pressed again)."""
    copies = explanations.copies
    if copies:
        st.warning("\n".join(f"- {plain(c.message)}" for c in copies),
                   icon=":material/content_copy:")
        st.multiselect(
            "Keep although it copies the outcome (then press Compute again)",
            [c.column for c in copies], key=KEEP_KEY,
            help="Only for a column that the model really uses and that is known before the "
                 "decision is made.")
    others = [c for c in explanations.left_out if c not in copies]
    if others:
        st.caption(" ".join(plain(c.message) for c in others))


def fidelity_caption(explanations: Explanations) -> None:
    """One line under a SHAP chart: what was explained and how faithfully."""
    trust = "" if explanations.fidelity.trustworthy else " Indicative only."
    st.caption(f"SHAP values of the {method_text(explanations)}; fidelity: "
               f"{fidelity_text(explanations.fidelity, method=explanations.method)}.{trust}")


def summary(explanations: Explanations, attribute: str) -> None:
    """The engine's sentences, the fidelity warning first and apart."""
    lines = explanations.summary(attribute)
    warning = explanations.fidelity.warning
    if warning and lines and lines[0] == warning:
        st.warning(plain(warning), icon=":material/warning:")
        lines = lines[1:]
    st.markdown("\n".join(f"- {plain(line)}" for line in lines))
