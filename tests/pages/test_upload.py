"""Upload page: upload, map, run; what the user reads equals the engine's answer; bad input
gets the engine's message and loses nothing."""

from __future__ import annotations

import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from audit import format_number as fmt
from audit.engine import audit_inputs
from audit.inputs import AuditSpec
from audit.inputs._prepare import ROLE_CLASH
from audit.inputs._read import MSG_DUPLICATE_COLUMNS, MSG_EMPTY_FILE, MSG_RAGGED_ROW
from audit.views import chart_metrics
from pages._ui.widgets import plain
from tests.conftest import (
    HIRING,
    SAMPLE_DATASET,
    SAMPLE_PREDICTIONS,
    open_details,
    run_audit,
    upload,
)

TIMEOUT = 120


@pytest.fixture
def uploaded(upload_page: AppTest) -> AppTest:
    upload(upload_page, "upload_dataset", SAMPLE_DATASET)
    upload(upload_page, "upload_predictions", SAMPLE_PREDICTIONS)
    assert not upload_page.exception, [e.value for e in upload_page.exception]
    assert not upload_page.error
    return upload_page


def test_preview_shows_rows_columns_and_hash(uploaded, sample_inputs):
    dataset, _ = sample_inputs
    captions = [c.value for c in uploaded.caption]
    assert any(f"6,000 rows × 12 columns · sha256 {dataset.provenance.sha256[:12]}" in c
               for c in captions)
    assert len(uploaded.dataframe) == 2


def test_roles_are_guessed_for_the_sample(uploaded):
    assert uploaded.selectbox(key="role_id").value == "applicant_id"
    assert uploaded.selectbox(key="role_label").value == "outcome"
    assert uploaded.selectbox(key="role_prediction").value == "decision"
    assert uploaded.selectbox(key="role_score").value is None
    assert uploaded.multiselect(key="role_sensitive").value == ["sex", "race", "age_group"]
    assert uploaded.selectbox(key="role_favorable").value == "approved"
    assert uploaded.text_input(key="outcome_meaning").value == "approved"


def test_run_shows_the_engines_numbers(uploaded, sample_inputs):
    at = uploaded
    at.multiselect(key="role_sensitive").set_value(["sex", "race"])
    open_details(at, "details_advanced").selectbox(key="role_reference::race").set_value("White")
    at.run()
    at.button(key="run_audit").click().run()  # the run opens the Fairness page
    assert not at.exception
    assert at.title[0].value == "2. Read the disparities"
    assert at.error[0].value.startswith("**Overall: FAILED.** ")
    at.switch_page("pages/screens/upload.py").run()  # the run is summed up here
    assert not at.exception and not at.error

    dataset, predictions = sample_inputs
    # the NYC LL144 roles, guessed by name, are confirmed on the page: they are in the spec
    spec = AuditSpec(label="outcome", prediction="decision", sensitive=("sex", "race"),
                     favorable="approved", outcome_meaning="approved",
                     reference={"race": "White"}, sex_column="sex", race_column="race")
    expected = audit_inputs(dataset=dataset, predictions=predictions, spec=spec,
                            id_column="applicant_id").result
    run = at.session_state["run"]
    assert run.result.spec == spec
    assert [f.message for f in run.result.findings] == [f.message for f in expected.findings]
    statuses = [f.status for f in expected.findings]
    assert at.success[0].value == (
        "Audit ready for lending\\_applicants.csv and lending\\_predictions.csv: 6,000 rows; "
        f"FAILED: {statuses.count('fail')} of {len(statuses)} checks failed, "
        f"{statuses.count('inconclusive')} inconclusive.")

    open_details(at.switch_page("pages/screens/fairness.py"), "details_findings")
    assert not at.exception
    shown = [e.value for e in at.error]
    for finding in expected.findings:
        assert plain(finding.message) in shown
    race = next(t for t in expected.adverse_impact if t.attribute == "race")
    black = next(r for r in race.rows if r.category == "Black")
    at.selectbox(key="fairness_attribute").set_value("race").run()
    table = next(d.value for d in at.dataframe if "impact ratio" in d.value.columns)
    assert table.set_index("category").loc["Black", "impact ratio"] == fmt(
        black.impact_ratio.value)
    assert fmt(black.impact_ratio.value) == "0.655"  # planted, sample_data/README.md


def test_a_column_name_in_an_error_is_shown_as_text_not_markdown(upload_page):
    image = "![x](http://127.0.0.1:9/p.png)"
    data = f"a,{image},{image}\n1,2,3\n".encode()
    at = upload(upload_page, "upload_dataset", name="dup.csv", data=data)
    assert not at.exception
    shown = at.error[0].value
    assert shown == plain(MSG_DUPLICATE_COLUMNS.format(file="dup.csv", columns=repr(image)))
    assert "!\\[x\\](http\u2060://127.0.0.1:9/p.png)" in shown and "![" not in shown


def test_a_bad_file_shows_the_engines_message_and_keeps_the_earlier_work(uploaded):
    at = uploaded
    run_audit(at)
    dataset, run = at.session_state["dataset"], at.session_state["run"]
    assert run is not None

    upload(at, "upload_dataset", name="ragged.csv", data=b"a,b\n1,2\n3,4,5\n")
    assert not at.exception
    assert at.error[0].value == plain(MSG_RAGGED_ROW.format(
        file="ragged.csv", line=3, found=3, expected=2, delimiter="comma"))
    assert at.session_state["dataset"] is dataset
    assert at.session_state["run"] is run
    assert any("Still using the earlier dataset file lending\\_applicants.csv" in c.value
               for c in at.caption)

    upload(at, "upload_predictions", name="empty.csv", data=b"")
    assert at.error[-1].value == plain(MSG_EMPTY_FILE.format(file="empty.csv"))
    assert at.session_state["run"] is run
    # the mapping still works on the kept files
    assert at.selectbox(key="role_label").value == "outcome"


def test_a_bad_mapping_shows_the_engines_message_and_keeps_the_run(uploaded):
    at = uploaded
    run_audit(at)
    run = at.session_state["run"]
    at.selectbox(key="role_prediction").set_value("outcome").run()
    run_audit(at)
    assert not at.exception
    assert at.error[0].value == plain(ROLE_CLASH.format(column="outcome", first="label",
                                                        second="prediction"))
    assert at.session_state["run"] is run


def test_one_file_with_a_score(upload_page):
    at = upload(upload_page, "upload_dataset", HIRING)
    assert at.selectbox(key="role_score").value == "score"
    # 0/1 codes: nothing is pre-filled and nothing runs until the user chooses
    assert at.selectbox(key="role_favorable").value is None
    assert at.button(key="run_audit").disabled
    assert at.info[-1].value == ("The label 'qualified' holds the codes '0', '1': choose "
                                 "which one is favorable, and say what it means, before "
                                 "running the audit.")
    at.selectbox(key="role_favorable").set_value("1").run()
    at.text_input(key="outcome_meaning").set_value("shortlisted").run()
    run_audit(at)
    assert not at.exception and not at.error
    result = at.session_state["run"].result
    assert (result.spec.favorable, result.spec.outcome_meaning) == ("1", "shortlisted")
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    assert " are shortlisted at " in impact.message and "get '1'" not in impact.message
    assert result.spec.score == "score"
    assert result.spec.sensitive == ("gender", "age_band", "ethnicity")
    at.switch_page("pages/screens/fairness.py").run()
    every = list(chart_metrics(result))
    assert "roc_auc" in every and "calibration_difference" in every
    at.multiselect(key="fairness_metrics").set_value(every).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # rates and ratios, with every metric
    open_details(at, "details_intersections")
    assert len(at.get("plotly_chart")) == 3
    at.switch_page("pages/screens/upload.py").run()  # back: the run's choices are kept
    assert at.selectbox(key="role_favorable").value == "1"
    assert at.text_input(key="outcome_meaning").value == "shortlisted"


def test_the_browser_is_sent_a_blank_chart_once_to_load_its_chart_code(upload_page):
    at = upload(upload_page, "upload_dataset", SAMPLE_DATASET)
    (loader,) = at.sidebar.get("plotly_chart")  # the first run with a dataset
    figure = plotly.io.from_json(loader.proto.spec)
    assert (figure.data, figure.layout.height) == ((), 10)
    assert at.session_state["charts_loaded"]
    assert not at.run().get("plotly_chart")  # and never again in this session


def test_advanced_options_are_drawn_when_opened_and_kept_when_closed(uploaded):
    at = uploaded
    assert not [n for n in at.number_input if n.key == "opt_bootstrap"]  # closed: not drawn
    open_details(at, "details_advanced")
    at.number_input(key="opt_bootstrap").set_value(250)
    at.selectbox(key="role_reference::race").set_value("Black")
    at.session_state["details_advanced"] = False  # closed again, then another page and back
    at.run().switch_page("pages/screens/about.py").run()
    at.switch_page("pages/screens/upload.py").run()
    assert not at.exception
    spec = run_audit(at).session_state["run"].result.spec
    assert (spec.bootstrap, spec.reference) == (250, {"race": "Black"})
    # a reference chosen on the Fairness page is the one offered here from then on
    at.switch_page("pages/screens/fairness.py").run()
    at.selectbox(key="fairness_attribute").set_value("race").run()
    at.selectbox(key="fairness_reference::race").set_value("White").run()
    assert at.session_state["run"].result.spec.reference == {"race": "White"}
    at.switch_page("pages/screens/upload.py")
    assert open_details(at, "details_advanced").selectbox(
        key="role_reference::race").value == "White"
    assert at.number_input(key="opt_bootstrap").value == 250


def test_ll144_options_are_guessed_and_can_be_changed(uploaded):
    at = uploaded
    at.multiselect(key="role_sensitive").set_value(["sex", "race", "age_group"])
    open_details(at, "details_advanced")
    # guessed by name, shown for the user to confirm
    assert at.selectbox(key="opt_sex_column").value == "sex"
    assert at.selectbox(key="opt_race_column").value == "race"
    assert at.text_area(key="opt_unknown_values").value.splitlines()[:2] == [
        "Unknown", "Not reported"]
    at.text_area(key="opt_unknown_values").set_value("Unknown\nNot given")
    at.selectbox(key="opt_sex_column").set_value(None)  # "none": no sex × race table
    at.number_input(key="opt_min_denominator").set_value(25)
    at.run()
    run_audit(at)
    assert not at.exception and not at.error
    result = at.session_state["run"].result
    assert result.spec.unknown_values == ("Unknown", "Not given")
    assert (result.spec.sex_column, result.spec.race_column) == ("", "race")
    assert (result.sex_column, result.race_column) == (None, "race")
    assert result.spec.min_denominator == 25
    assert not any(t.ll144_only for t in result.adverse_impact)


def test_group_sizes_are_shown_before_the_run(uploaded, sample_inputs):
    dataset, _ = sample_inputs
    assert "Group sizes" in [h.value for h in uploaded.subheader]
    # sex, race, age_group: the guessed sensitive attributes, a line each in words
    (words,) = [m.value for m in uploaded.markdown if m.value.startswith("- **sex**")]
    counts = {a: dataset.frame[a].value_counts() for a in ("sex", "race", "age_group")}
    assert words.splitlines() == [
        f"- **{plain(a)}**: {len(c)} groups: "
        + ", ".join(f"{plain(str(v))} ({n:,})" for v, n in c.items()) + "."
        for a, c in counts.items()]
    assert not uploaded.get("plotly_chart")  # the chart only when asked for
    (chart,) = open_details(uploaded, "details_sizes").get("plotly_chart")
    bars = plotly.io.from_json(chart.proto.spec).data  # one figure, a chart per attribute
    for bar, (attribute, c) in zip(bars, counts.items(), strict=True):
        assert dict(zip(bar.y, map(int, bar.x), strict=True)) == c.to_dict(), attribute
