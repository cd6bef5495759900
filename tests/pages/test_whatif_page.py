"""What-if page: its states (no run, no score, with a score, an option chosen), the engine's
numbers before and after, the lawfulness note next to every per-group option, and the
choice reaching the record built on the Review page.

The run is the hiring sample (it has a score; ``40 and over`` is the planted disadvantaged
group), audited here with a small bootstrap to keep the tests fast. Every "after" shown is
checked against the engine's audit of decisions made here with numpy from the score.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from audit import STATUS_WORDS, run_audit, verdict_label
from audit.engine import AuditResult, AuditRun, audit_inputs
from audit.inputs import read_path
from audit.whatif import LAWFULNESS_NOTE, WhatIfReport, format_cut_off, uploaded_cut_off, words
from pages._ui.whatif import HIRING, HIRING_ID, NEEDS_SCORE, hiring_spec
from pages._ui.widgets import NO_RUN, plain
from tests.conftest import open_page

TIMEOUT = 180
PAGE = "pages/screens/whatif.py"
ATTRIBUTE = "age_band"
OLDER, YOUNGER = "40 and over", "under 40"


@pytest.fixture(scope="module")
def run() -> AuditRun:
    return audit_inputs(dataset=read_path(HIRING), predictions=None,
                        spec=replace(hiring_spec(), bootstrap=100), id_column=HIRING_ID)


def _open(run: AuditRun) -> AppTest:
    at = open_page(PAGE, timeout=TIMEOUT)
    at.session_state["run"] = run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def page(run: AuditRun) -> AppTest:
    return _open(run)


def _report(at: AppTest) -> WhatIfReport:
    return at.session_state["whatif"].report


def _after_of(run: AuditRun, cut_offs: dict[str, float]) -> AuditResult:
    """The engine's audit of ``score >= cut-off of the person's age band``, made with numpy."""
    frame = run.data.frame
    score = frame["score"].to_numpy(dtype=float)
    cut = frame[ATTRIBUTE].map(cut_offs).to_numpy(dtype=float)
    return run_audit(replace(run.data, y_pred=score >= cut, score=None), run.result.spec)


def _texts(result: AuditResult) -> dict[str, str]:
    """The status word each criterion on age_band shows, from an audit."""
    return {f.criterion.metric: STATUS_WORDS[f.status] for f in result.findings
            if f.attribute == ATTRIBUTE}


def test_without_a_run_it_says_what_it_needs_and_offers_a_scored_sample():
    at = open_page(PAGE, timeout=TIMEOUT).run()
    assert not at.exception
    assert at.info[0].value == NEEDS_SCORE + " " + NO_RUN
    at.button(key="whatif_sample").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["run"]
    assert run.result.spec.score == "score"
    assert at.session_state["whatif"].report.attribute == ATTRIBUTE  # the failing one


def test_without_a_score_column_it_says_how_to_map_one(sample_run):
    at = open_page(PAGE, timeout=TIMEOUT)
    at.session_state["run"] = sample_run  # the lending sample: no score
    at.run()
    assert not at.exception
    assert at.info[0].value == NEEDS_SCORE + " " + plain(
        words.NO_SCORE.format(favorable=sample_run.result.favorable))
    assert "Upload page" in at.info[0].value
    assert not at.get("plotly_chart") and not at.slider


def test_sliders_start_at_the_uploaded_decisions_and_after_equals_before(page, run):
    start = uploaded_cut_off(run.data)
    # independent: the hiring decisions are exactly score >= 0.5
    score = run.data.frame["score"].to_numpy(dtype=float)
    assert start.cut_off == score[score >= 0.5].min() and start.agreement == 1.0
    assert page.slider(key=f"whatif_cut::{ATTRIBUTE}").value == start.cut_off
    table = page.table[0].value
    assert list(table["before"]) == list(table["after"])  # same decisions, same audit
    assert set(table["changed"]) == {""}
    verdict = verdict_label(run.result.verdict)
    assert any(m.value.startswith(f"**Overall verdict:** {verdict} before → **{verdict}**")
               for m in page.markdown)


def test_moving_a_groups_cut_off_re_audits_with_the_engine(page, run):
    page.toggle(key=f"whatif_per_group::{ATTRIBUTE}").set_value(True).run()
    cut_offs = {OLDER: 0.375, YOUNGER: uploaded_cut_off(run.data).cut_off}
    page.slider(key=f"whatif_cut::{ATTRIBUTE}::{OLDER}").set_value(cut_offs[OLDER]).run()
    assert not page.exception, [e.value for e in page.exception]
    expected = _after_of(run, cut_offs)
    table = page.table[0].value
    assert list(table["attribute"]) == [f.attribute for f in expected.findings]
    for after, finding in zip(table["after"], expected.findings, strict=True):
        assert after.startswith(f"{STATUS_WORDS[finding.status]}: "
                                f"{finding.estimate.value:.3f} ("), (after, finding)
    # the planted gap closes: the four-fifths rule on age_band goes from fails to passes
    assert _texts(run.result)["impact_ratio"] == STATUS_WORDS["fail"]
    assert _texts(expected)["impact_ratio"] == STATUS_WORDS["pass"]
    row = table[(table["attribute"] == ATTRIBUTE)].iloc[0]
    assert row["before"].startswith(STATUS_WORDS["fail"]) and row["changed"] == "changed"


def _cards(at: AppTest) -> list:
    """The option cards of the page, in the report's order."""
    found = {}

    def walk(node) -> None:
        key = getattr(node, "key", None) or ""
        if key.startswith("whatif_card_"):
            found[int(key.rsplit("_", 1)[1])] = node
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return [found[i] for i in sorted(found)]


def test_lawfulness_note_next_to_every_per_group_option(page):
    report = _report(page)
    note = plain(LAWFULNESS_NOTE.format(attribute=ATTRIBUTE))
    cards = _cards(page)
    assert len(cards) == len(report.options)
    for card, option in zip(cards, report.options, strict=True):
        assert card.markdown[0].value == f"**{plain(option.name)}**"
        shown = [w.value for w in card.warning]
        assert shown == ([note] if option.choice.uses_attribute else []), option.id
    # the single cut-off option, which does not use the attribute, is always offered
    assert report.options[0].id == "single" and not report.options[0].choice.uses_attribute
    assert sum(o.choice.uses_attribute for o in report.options) >= 4
    # with a cut-off per group, the note is next to the sliders too
    page.toggle(key=f"whatif_per_group::{ATTRIBUTE}").set_value(True).run()
    slider_note = page.main.warning[0].value
    assert slider_note == note and page.slider[1].label == plain(OLDER)


def test_options_show_the_engines_cut_offs_and_randomised_words(page, run):
    report = _report(page)
    markdown = [m.value for m in page.markdown]
    infos = [i.value for i in page.info]
    for option in report.options:
        assert f"**{plain(option.name)}**" in markdown
        if option.choice.randomized:
            assert any(text.startswith(plain(words.RANDOMIZATION_NOTE)[:60]) for text in infos)
        else:
            line = "; ".join(f"{g} ≥ {format_cut_off(c)}" for g, c in
                             option.choice.cut_offs.items())
            if len(set(option.choice.cut_offs.values())) == 1:
                line = f"everyone ≥ {format_cut_off(option.choice.cut_offs[OLDER])}"
            assert plain(f"Favorable when the score is at least: {line}.") in markdown
    assert any(o.choice.randomized for o in report.options)  # fairlearn's, at 4,000 rows


def test_an_option_opens_before_and_after_and_is_chosen_for_the_record(page, run):
    report = _report(page)
    option = report.option("equal_opportunity")
    page.button(key="whatif_show::equal_opportunity").click().run()
    assert page.selectbox(key="whatif_view").value == "equal_opportunity"
    expected = _after_of(run, dict(option.choice.cut_offs))
    assert [f.status for f in option.audit.findings] == [f.status for f in expected.findings]
    table = page.table[0].value
    assert [a.split(":")[0] for a in table["after"]] == [
        STATUS_WORDS[f.status] for f in expected.findings]
    page.button(key="whatif_choose").click().run()
    assert not page.exception
    kept = page.session_state["whatif"]
    assert kept.chosen is option and kept.run is run
    assert page.success[0].value.startswith(f"Chosen for the record: **{plain(option.name)}**")
    stored = kept.to_dict()
    assert stored["chosen"] == "equal_opportunity"
    chosen = next(o for o in stored["options"] if o["id"] == "equal_opportunity")
    assert chosen["thresholds"] == {ATTRIBUTE: dict(option.choice.cut_offs)}
    assert [c["status"] for c in chosen["criteria"]] == [f.status for f in expected.findings]
    assert [c["status"] for c in stored["before"]["criteria"]] == [
        f.status for f in run.result.findings]


def test_cut_offs_set_by_hand_are_recorded_with_their_audit(page, run):
    page.toggle(key=f"whatif_per_group::{ATTRIBUTE}").set_value(True).run()
    page.slider(key=f"whatif_cut::{ATTRIBUTE}::{OLDER}").set_value(0.4).run()
    page.button(key="whatif_choose").click().run()
    stored = page.session_state["whatif"].to_dict()
    assert stored["chosen"] == "manual"
    manual = next(o for o in stored["options"] if o["id"] == "manual")
    cut_offs = {OLDER: 0.4, YOUNGER: uploaded_cut_off(run.data).cut_off}
    assert manual["thresholds"] == {ATTRIBUTE: cut_offs}
    assert manual["lawfulness"] == LAWFULNESS_NOTE.format(attribute=ATTRIBUTE)
    expected = _after_of(run, cut_offs)
    assert [(c["id"], c["status"], c["value"]) for c in manual["criteria"]] == [
        (f"{f.criterion.metric}:{f.attribute}", f.status, f.estimate.value)
        for f in expected.findings]


def test_loading_an_option_sets_the_sliders_and_keeps_its_name(page):
    report = _report(page)
    option = report.option("demographic_parity")
    page.button(key="whatif_load::demographic_parity").click().run()
    assert page.toggle(key=f"whatif_per_group::{ATTRIBUTE}").value is True
    for group, cut in option.choice.cut_offs.items():
        assert page.slider(key=f"whatif_cut::{ATTRIBUTE}::{group}").value == cut
    assert page.selectbox(key="whatif_view").value == "manual"
    assert any(m.value.startswith(f"**{plain(option.name)}.**") for m in page.markdown)
    table = page.table[0].value
    expected = option.audit  # the same cut-offs, the same engine: the same audit
    assert [row.split(":")[0] for row in table["after"]] == [
        STATUS_WORDS[f.status] for f in expected.findings]


def test_reruns_reuse_the_analysis(page):
    first = _report(page)
    page.slider(key=f"whatif_cut::{ATTRIBUTE}").set_value(0.45).run()
    page.button(key="whatif_show::single").click().run()
    assert _report(page) is first


def test_the_review_page_cites_the_chosen_option_and_the_record_holds_it(page, run,
                                                                          downloads):
    page.button(key="whatif_show::equal_opportunity").click().run()
    page.button(key="whatif_choose").click().run()
    option = _report(page).option("equal_opportunity")
    page.switch_page("pages/screens/review.py").run()
    assert not page.exception, [e.value for e in page.exception]
    assert page.selectbox(key="review_whatif").value == "equal_opportunity"
    record = json.loads(downloads["download_json"])
    assert record["whatif"]["chosen"] == "equal_opportunity"
    assert record["whatif"]["attribute"] == ATTRIBUTE
    assert next(o for o in record["whatif"]["options"] if o["id"] == "equal_opportunity")[
        "thresholds"] == {ATTRIBUTE: dict(option.choice.cut_offs)}
    # the board may cite no option after all: the record keeps the options considered
    page.selectbox(key="review_whatif").select_index(0).run()  # "none"
    record = json.loads(downloads["download_json"])
    assert record["whatif"]["chosen"] is None
    assert len(record["whatif"]["options"]) == len(_report(page).options)


def test_a_record_without_the_what_if_page_has_none(sample_run, downloads):
    at = open_page("pages/screens/review.py", timeout=TIMEOUT)
    at.session_state["run"] = sample_run
    at.run()
    assert not at.exception
    assert json.loads(downloads["download_json"])["whatif"] is None
    assert not at.selectbox or all(s.key != "review_whatif" for s in at.selectbox)


def test_before_is_the_sessions_audit_not_a_new_one(page, run):
    """The page hands the session's audit to the analysis as "before" (not audited again);
    its accuracy is the share of uploaded decisions that match the labels."""
    report = _report(page)
    assert report.before.audit is run.result
    assert np.isclose(report.before.evaluation.accuracy.value,
                      (run.data.y_true == run.data.y_pred).mean())


def test_sentences_use_the_outcomes_meaning(run):
    """With a stated meaning ("invited to interview"), the page says what a cut-off does in
    those words, like the Fairness page, and the record's randomisation sentences do too."""
    meant = audit_inputs(dataset=read_path(HIRING), predictions=None, id_column=HIRING_ID,
                         spec=replace(hiring_spec(), bootstrap=100,
                                      outcome_meaning="invited to interview"))
    page = _open(meant)
    report = _report(page)
    intro = page.markdown[0].value
    assert intro.startswith("The model gives every person a **score**; a person is invited "
                            "to interview when the score is at or above a **cut-off**.")
    assert page.slider[0].label == ("One cut-off for everyone: people scoring at or above "
                                    "it are invited to interview")
    single = report.option("single")
    cut = format_cut_off(single.choice.cut_offs[OLDER])
    markdown = [m.value for m in page.markdown]
    assert plain(f"Invited to interview when the score is at least: everyone ≥ {cut}.") in markdown
    randomised = [o for o in report.options if o.choice.randomized]
    assert randomised  # fairlearn's, at 4,000 rows
    infos = [i.value for i in page.info]
    for option in randomised:
        group, rule = next(iter(option.choice.rules.items()))
        low, high, below, _, _ = rule.bands
        gets = (f"{group}: a score below {low:.6g} is invited to interview with probability "
                f"{below:.1%}")
        assert any(plain(gets) in text for text in infos), option.id
        stored = next(o for o in page.session_state["whatif"].to_dict()["options"]
                      if o["id"] == option.id)
        assert gets in stored["randomization"]
    # without a meaning, the words name the favorable value, as before
    plain_page = _open(run)
    assert plain_page.slider[0].label == "One cut-off for everyone: a score at or above it gets '1'"
    assert "a person gets the favorable outcome ('1') when" in plain_page.markdown[0].value
