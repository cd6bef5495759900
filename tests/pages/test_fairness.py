"""Fairness page: the engine's findings and numbers, references and criteria that re-run the
cached audit, and views that never recompute it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from audit import format_number as fmt
from audit import verdict_detail, verdict_label
from audit.engine import audit_inputs
from audit.inputs import Criterion
from audit.views import GLOSSARY, TOO_SMALL, verdict_lines
from pages._ui.widgets import STATUS_ICONS, plain
from tests.conftest import HIRING, ROOT, open_details, open_page, run_audit, upload

TIMEOUT = 120


@pytest.fixture
def page() -> AppTest:
    """The Fairness page as a user reaches it: Home, "Try it with sample data"."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.button(key="try_sample").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "2. Read the disparities"
    return at


def _table(at: AppTest):
    """The adverse-impact table (the last one with impact ratios), indexed by category."""
    return next(d.value for d in reversed(at.dataframe)
                if "impact ratio" in d.value.columns).set_index("category")


def test_without_a_run_it_points_to_upload_and_sample():
    at = open_page("pages/screens/fairness.py", timeout=TIMEOUT).run()
    assert not at.exception
    assert at.info[0].value.startswith("No audit has been run yet.")


def test_findings_and_table_are_the_engines(page, sample_run):
    result = sample_run.result
    statuses = [f.status for f in result.findings]
    assert page.error[0].value == (f"**Overall: {verdict_label(result.verdict)}.** "
                                   f"{verdict_detail(result.verdict, statuses)}")
    assert page.error[0].value.startswith("**Overall: FAILED.** ")
    sex = next(t for t in result.adverse_impact if t.attribute == "sex")
    female = next(r for r in sex.rows if r.category == "female")
    assert _table(page).loc["female", "impact ratio"] == fmt(female.impact_ratio.value) == "0.703"
    assert len(page.get("plotly_chart")) == 2  # rates and ratios; the heatmap once opened
    # each finding in full is made only when its expander is opened
    assert len([*page.error, *page.success, *page.warning]) == 1  # the overall verdict
    open_details(page, "details_findings", "details_intersections")
    assert not page.exception
    shown = [e.value for e in [*page.error, *page.success, *page.warning]]
    for finding in result.findings:
        assert plain(finding.message) in shown
    assert len(page.get("plotly_chart")) == 3


def _in_order(node):
    """Every element under ``node``, in the order the page shows them."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _in_order(child)


def test_the_summary_comes_before_the_charts(page):
    kinds = [n.type for n in _in_order(page.main)]
    assert kinds.index("error") < kinds.index("plotly_chart")


def test_reference_change_recomputes_through_the_cache(page):
    first = page.session_state["run"]
    assert first.result.references["sex"] == "male"
    page.selectbox(key="fairness_reference::sex").set_value("female").run()
    assert not page.exception
    changed = page.session_state["run"]
    assert changed is not first
    assert changed.result.references["sex"] == "female"
    assert page.session_state["spec"].reference["sex"] == "female"
    assert "Ratio to the reference group (female)" in [s.value for s in page.subheader]
    page.selectbox(key="fairness_reference::sex").set_value("male").run()
    # the same spec again: the cache hands back the very object computed first
    assert page.session_state["run"] is first


def test_changing_views_and_pages_never_recomputes(page):
    first = page.session_state["run"]
    page.multiselect(key="fairness_metrics").set_value(["accuracy", "base_rate"]).run()
    open_details(page, "details_intersections")
    page.selectbox(key="heatmap_metric").set_value("true_positive_rate").run()
    page.selectbox(key="fairness_attribute").set_value("sex × race").run()
    assert not page.exception
    assert page.session_state["run"] is first
    page.switch_page("pages/screens/upload.py").run()
    page.switch_page("pages/screens/fairness.py").run()
    assert not page.exception
    assert page.session_state["run"] is first
    # the view choices survive the page switch
    assert page.selectbox(key="fairness_attribute").value == "sex × race"


def test_criteria_thresholds_rerun_the_audit(page, sample_inputs):
    page.number_input(key="crit_impact_ratio").set_value(0.6).run()
    assert not page.exception
    run = page.session_state["run"]
    spec = run.result.spec
    assert Criterion("impact_ratio", 0.6, "min") in spec.criteria
    dataset, predictions = sample_inputs
    expected = audit_inputs(dataset=dataset, predictions=predictions, spec=spec,
                            id_column="applicant_id").result
    sex = next(f for f in expected.findings
               if f.attribute == "sex" and f.criterion.metric == "impact_ratio")
    assert sex.status == "pass"
    open_details(page, "details_findings")
    assert plain(sex.message) in [s.value for s in page.success]


def test_small_groups_are_marked_too_small_to_judge(page):
    page.number_input(key="crit_min_denominator").set_value(100).run()
    page.selectbox(key="fairness_attribute").set_value("race").run()
    assert not page.exception
    assert page.session_state["run"].result.spec.min_denominator == 100
    assert TOO_SMALL in _table(page).loc["Native American", "flags"]
    assert TOO_SMALL not in _table(page).loc["Black", "flags"]
    page.selectbox(key="fairness_attribute").set_value("sex × race").run()
    assert TOO_SMALL in _table(page).loc["male × Unknown", "flags"]


def test_an_inconclusive_finding_has_its_own_colour_and_words(page):
    # female / male approval ratio 0.703 (95% CI 0.67-0.74): against 0.70 it straddles
    page.number_input(key="crit_impact_ratio").set_value(0.7).run()
    assert not page.exception
    result = page.session_state["run"].result
    sex = next(f for f in result.findings
               if f.attribute == "sex" and f.criterion.metric == "impact_ratio")
    assert sex.status == "inconclusive"
    assert sex.message.startswith("sex: the data cannot tell whether this meets the "
                                  "four-fifths rule (impact ratio at least 0.70); about ")
    open_details(page, "details_findings")
    assert plain(sex.message) in [w.value for w in page.warning]
    assert "inconclusive (the data cannot tell)" in page.dataframe[0].value.to_numpy()


def test_the_judgement_rule_can_be_the_point_value(page):
    page.number_input(key="crit_impact_ratio").set_value(0.7).run()
    page.radio(key="crit_judgement").set_value("point").run()
    assert not page.exception
    result = page.session_state["run"].result
    assert result.spec.judgement == "point"
    sex = next(f for f in result.findings
               if f.attribute == "sex" and f.criterion.metric == "impact_ratio")
    assert sex.status == "pass"  # 0.703 >= 0.70 on the point value
    assert {f.status for f in result.findings} <= {"pass", "fail", "not_judged"}


def test_scoring_rates_and_the_ll144_sex_by_race_table_are_shown():
    at = open_page("pages/screens/upload.py", timeout=TIMEOUT).run()
    at = upload(at, "upload_dataset", HIRING)
    at.multiselect(key="role_sensitive").set_value(["gender", "ethnicity", "age_band"])
    open_details(at, "details_advanced")
    assert at.selectbox(key="opt_sex_column").value == "gender"
    assert at.selectbox(key="opt_race_column").value == "ethnicity"
    at.number_input(key="opt_bootstrap").set_value(50)
    at.selectbox(key="role_favorable").set_value("1")  # 0/1: the user says which
    at.run()
    run_audit(at)
    assert not at.exception and not at.error
    result = at.session_state["run"].result
    at.switch_page("pages/screens/fairness.py").run()
    at.selectbox(key="fairness_attribute").set_value("age_band").run()
    assert not at.exception
    assert "NYC Local Law 144: gender × ethnicity" in [s.value for s in at.subheader]
    scoring = result.impact_table("age_band", "scoring_rate")
    older = next(r for r in scoring.rows if r.category == "40 and over")
    frames = [d.value for d in at.dataframe if "scoring rate" in d.value.columns]
    assert frames[0].set_index("category").loc["40 and over", "impact ratio"] == fmt(
        older.impact_ratio.value)
    assert any("the median score of the whole sample" in c.value for c in at.caption)


def test_plain_words_first_then_definitions_and_statistics_on_request(page, sample_run):
    result = sample_run.result
    lines = verdict_lines(result)
    assert [line.text for line in lines][:1] == [
        "sex · Four-fifths rule (at least 0.80): FAILS — 0.70 (95% interval 0.67–0.74)"]
    sex = result.findings[0]
    assert (f"{sex.estimate.ci_low:.2f}", f"{sex.estimate.ci_high:.2f}") == ("0.67", "0.74")
    assert len(lines) == len(result.findings) == 9
    # the first markdown under the verdict holds one line per attribute and criterion
    summary = next(m.value for m in page.markdown if "Four-fifths rule (at least" in m.value)
    assert summary.split("  \n") == [f"{STATUS_ICONS[line.status]} {plain(line.text)}"
                                     for line in lines]
    kinds = [(n.type, getattr(n, "label", None)) for n in _in_order(page.main)]
    labels = [label for _, label in kinds]
    assert labels.index("Each finding in full") > [k for k, _ in kinds].index("error")
    assert "Statistical detail: the tests and their adjusted p-values" in labels
    glossary = "\n\n".join(f"**{term}**: {meaning}" for term, meaning in GLOSSARY.items())
    assert glossary in [m.value for m in page.markdown]  # in the popover, said once
    assert not [d for d in page.dataframe if "test" in d.value.columns]  # until opened
    open_details(page, "details_tests")
    tests = next(d.value for d in page.dataframe if "adjusted p" in d.value.columns
                 and "test" in d.value.columns)
    assert len(tests) == sum(len(f.tests) for f in result.findings)
    # no p-value or definition in the lines a board member reads first
    assert "adjusted p" not in summary and "p =" not in summary
    assert "impact ratio" not in _table(page).columns or "adjusted p" not in _table(page).columns
