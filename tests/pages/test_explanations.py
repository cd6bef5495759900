"""Explanations page: computed on request, the engine's numbers and words, safe model uploads.

The run is the lending sample (``sex`` has a planted direct effect, ``zip_region`` is a
planted proxy for ``race``), audited here with a small bootstrap to keep the tests fast.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier
from streamlit.testing.v1 import AppTest

from audit.engine import AuditRun, audit_inputs
from audit.explain import TRUSTED_TYPES, Explanations, explain
from audit.explain._copies import CHOSEN
from audit.explain._model_io import PICKLE_REFUSED
from audit.inputs import AuditInput, drop_columns, read_csv, read_path
from audit.views import fidelity_text
from pages._ui.actions import SAMPLE_ID_COLUMN, sample_spec
from pages._ui.widgets import plain
from tests.conftest import SAMPLE_DATASET, SAMPLE_PREDICTIONS, open_page

TIMEOUT = 120
PAGE = "pages/screens/explanations.py"
SAMPLE_SIZE = 500
PICKLE = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01."  # pickle.dumps(1)


@pytest.fixture(scope="module")
def run() -> AuditRun:
    return audit_inputs(dataset=read_path(SAMPLE_DATASET),
                        predictions=read_path(SAMPLE_PREDICTIONS),
                        spec=replace(sample_spec(), bootstrap=50), id_column=SAMPLE_ID_COLUMN)


@pytest.fixture(scope="module")
def expected(run: AuditRun) -> Explanations:
    """The engine's explanations for the same input and settings as the page's."""
    spec = run.result.spec
    return explain(run.data, references=run.result.references, sample_size=SAMPLE_SIZE,
                   seed=spec.seed, intersections=spec.intersections)


def _open(run: AuditRun) -> AppTest:
    at = open_page(PAGE, timeout=TIMEOUT)
    at.session_state["run"] = run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def computed(run: AuditRun) -> AppTest:
    at = _open(run)
    at.number_input(key="explain_sample_size").set_value(SAMPLE_SIZE)
    at.button(key="run_explain").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown] + [m.value for m in at.sidebar.markdown]


def test_without_a_run_it_points_to_upload_and_sample():
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception
    assert at.info[0].value.startswith("No audit has been run yet.")


def test_nothing_is_computed_until_asked(run):
    at = _open(run)
    assert at.session_state["explanations"] is None
    assert at.number_input(key="explain_sample_size").value == 2000
    assert "Compute explanations" in at.info[0].value
    assert not at.get("plotly_chart")


def test_fidelity_and_sample_shown_are_the_engines(computed, expected):
    shown = computed.session_state["explanations"]
    assert shown.to_dict() == expected.to_dict()
    fidelity = expected.fidelity
    text = fidelity_text(fidelity)
    assert f"**Fidelity:** {text}" in [m.value for m in computed.sidebar.markdown]
    assert text == (f"agreement {fidelity.agreement:.1%}, ROC AUC {fidelity.roc_auc:.3f} on "
                    f"{fidelity.held_out_rows:,} held-out rows")
    sample = next(m.value for m in computed.sidebar.markdown if m.value.startswith("**Sample:**"))
    assert f"{expected.sample_size:,} of {expected.population_rows:,} rows" in sample
    assert "**Method:** surrogate model" in [m.value for m in computed.sidebar.markdown][0]
    # (today the lending surrogate reproduces under 90% of the decisions): said plainly
    warnings = [plain(fidelity.warning)] if fidelity.warning else []
    assert [w.value for w in computed.sidebar.warning] == warnings
    assert [w.value for w in computed.main.warning] == warnings
    assert fidelity.trustworthy == (not warnings)


def test_plain_words_name_the_planted_effects(computed, expected):
    computed.selectbox(key="explain_attribute").set_value("race").run()
    assert not computed.exception
    race = [s for s in expected.summary("race") if "zip_region" in s]
    assert race and all(plain(s) in "\n".join(_markdown(computed)) for s in race)
    computed.selectbox(key="explain_attribute").set_value("sex").run()
    sex = [s for s in expected.summary("sex") if "sex itself" in s]
    assert sex and all(plain(s) in "\n".join(_markdown(computed)) for s in sex)
    # importance, per group, gap, and the proxies of the attribute chosen (sex) only
    charts = computed.get("plotly_chart")
    assert len(charts) == 4
    assert "Which features predict sex" in charts[-1].proto.spec


def test_a_pickle_upload_is_refused_and_the_explanations_survive(computed):
    before = computed.session_state["explanations"]
    computed.file_uploader(key="upload_model").set_value(
        ("m.pkl", PICKLE, "application/octet-stream"))
    computed.run()
    assert not computed.exception
    assert [e.value for e in computed.error] == [plain(PICKLE_REFUSED.format(name="m.pkl"))]
    assert computed.button(key="run_explain").disabled
    assert computed.session_state["explanations"] is before
    assert computed.get("plotly_chart")


def test_the_same_settings_reuse_the_cached_explanations(computed):
    first = computed.session_state["explanations"]
    computed.button(key="run_explain").click().run()
    assert computed.session_state["explanations"] is first


def test_a_skops_model_is_explained_and_says_so(computed, run):
    numeric = ["income", "debt_to_income", "credit_history_years", "employment_years"]
    decided = np.where(np.asarray(run.data.y_pred, dtype=bool), "approved", "denied")
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    model.fit(run.data.frame[numeric], decided)
    computed.file_uploader(key="upload_model").set_value(
        ("model.skops", sio.dumps(model), "application/octet-stream"))
    computed.run()
    assert not computed.error
    (trusted,) = [e for e in computed.expander if e.label == "Types trusted in .skops files"]
    assert all(t in trusted.markdown[0].value for t in TRUSTED_TYPES)
    computed.button(key="run_explain").click().run()
    assert not computed.exception and not computed.error
    shown = computed.session_state["explanations"]
    assert shown.method == "model"
    sidebar = [m.value for m in computed.sidebar.markdown]
    assert sidebar[0] == "**Method:** the uploaded model"
    assert sidebar[1] == f"**Fidelity:** {fidelity_text(shown.fidelity, method='model')}"


def test_the_cache_tells_apart_runs_of_one_file_with_a_column_left_out():
    """The privacy step leaves columns out of the same bytes (same sha256): the explanations
    of one run must not be handed to the other."""
    frame = read_path(SAMPLE_DATASET).frame.copy()
    frame.insert(1, "email", [f"person{i}@example.org" for i in range(len(frame))])
    data = frame.to_csv(index=False).encode()
    kept = read_csv(data, name="people.csv")
    dropped = drop_columns(kept, ["email"])
    assert dropped.provenance.sha256 == kept.provenance.sha256

    def features(dataset: AuditInput) -> str:
        run = audit_inputs(dataset=dataset, predictions=read_path(SAMPLE_PREDICTIONS),
                           spec=replace(sample_spec(), bootstrap=50),
                           id_column=SAMPLE_ID_COLUMN)
        at = _open(run)
        at.number_input(key="explain_sample_size").set_value(SAMPLE_SIZE)
        at.button(key="run_explain").click().run()
        assert not at.exception, [e.value for e in at.exception]
        shown = at.session_state["explanations"]
        return json.dumps([f.feature for f in shown.global_importance]
                          + list(shown.dropped_features))

    assert "email" not in features(dropped)
    assert "email" in features(kept)


@pytest.fixture(scope="module")
def leaky_run() -> AuditRun:
    """The sample with ``outcome_code``: the label again, as the census data's ``income``."""
    frame = read_path(SAMPLE_DATASET).frame.copy()
    frame["outcome_code"] = (frame["outcome"] == "approved").astype(int)
    dataset = read_csv(frame.to_csv(index=False).encode(), name="leaky.csv")
    return audit_inputs(dataset=dataset, predictions=read_path(SAMPLE_PREDICTIONS),
                        spec=replace(sample_spec(), bootstrap=50), id_column=SAMPLE_ID_COLUMN)


def test_a_copy_of_the_label_is_left_out_and_named_then_kept_on_request(leaky_run):
    at = _open(leaky_run)
    at.number_input(key="explain_sample_size").set_value(SAMPLE_SIZE)
    at.button(key="run_explain").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.session_state["explanations"]
    (copy,) = shown.copies
    assert copy.column == "outcome_code" and copy.reason == "copies_label"
    assert f"- {plain(copy.message)}" in [w.value for w in at.main.warning]
    assert "outcome_code" not in {f.feature for f in shown.global_importance}
    assert "outcome\\_code" in next(c.value for c in at.sidebar.caption
                                    if c.value.startswith("Columns left out"))
    at.multiselect(key="explain_keep").set_value(["outcome_code"])
    at.button(key="run_explain").click().run()
    kept = at.session_state["explanations"]
    assert [c.column for c in kept.kept] == ["outcome_code"]
    assert "outcome_code" in {f.feature for f in kept.global_importance}


def test_a_column_left_out_by_the_user_is_not_explained_with(run):
    at = _open(run)
    at.number_input(key="explain_sample_size").set_value(SAMPLE_SIZE)
    at.multiselect(key="explain_leave_out").set_value(["income"])
    at.button(key="run_explain").click().run()
    assert not at.exception
    shown = at.session_state["explanations"]
    assert "income" not in {f.feature for f in shown.global_importance}
    assert [c.column for c in shown.left_out if c.reason == "chosen"] == ["income"]
    assert plain(CHOSEN.format(column="income")) in [c.value for c in at.caption]


def test_gaps_read_in_points_first_and_in_log_odds_on_request(computed, expected):
    assert computed.radio(key="explain_units").value == "points"
    importance = json.loads(computed.get("plotly_chart")[0].proto.spec)
    assert importance["layout"]["xaxis"]["title"]["text"] == (
        "mean |SHAP value| (percentage points)")
    computed.radio(key="explain_units").set_value("model").run()
    importance = json.loads(computed.get("plotly_chart")[0].proto.spec)
    assert importance["layout"]["xaxis"]["title"]["text"] == "mean |SHAP value| (log-odds)"
    assert importance["data"][0]["x"][0] == expected.global_importance[0].mean_abs_shap
