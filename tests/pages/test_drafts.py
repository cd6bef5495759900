"""Nothing a board member typed is lost (issue 15, item 2): review drafts survive page
switches, a criterion change and a refresh; the sample asks before it replaces an audit."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from audit import NOTES_LEFT_OVER, second_look, second_looks
from pages._ui import drafts, sessions
from pages._ui.actions import REPLACE_WARNING, REVIEW_WORK, SAMPLE_ID_COLUMN, sample_spec
from tests.conftest import open_page, run_audit, upload

REVIEW = "pages/screens/review.py"
FAIRNESS = "pages/screens/fairness.py"
HOME = "pages/screens/home.py"
NOTES = {"impact_ratio:sex": "Women approved far less often.",
         "impact_ratio:sex × race": "Black women are hit hardest.",
         "equal_opportunity_difference:race": "Check the race gap again next quarter."}


def _loaded(page: str, sample_inputs, sample_run) -> AppTest:
    """A session with the lending sample audited, as "Try it with sample data" leaves it."""
    at = open_page(page)
    dataset, predictions = sample_inputs
    for key, value in {"dataset": dataset, "predictions": predictions, "spec": sample_spec(),
                       "id_column": SAMPLE_ID_COLUMN, "run": sample_run}.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _type_review(at: AppTest) -> None:
    at.text_input(key="review_reviewers").input("Ada Lovelace, Grace Hopper")
    for finding, note in NOTES.items():
        at.text_area(key=f"review_note_{finding}").input(note)
    at.text_area(key="review_notes").input("Retrain before launch.")
    at.radio(key="review_decision").set_value("reject")
    at.run()
    assert not at.exception


def _shown(at: AppTest) -> dict[str, str]:
    return {key: at.text_area(key=drafts.note_key(key)).value for key in NOTES}


def test_a_typed_review_survives_a_criterion_change_and_a_refresh(sample_inputs, sample_run):
    at = _loaded(REVIEW, sample_inputs, sample_run)
    _type_review(at)  # typed, never saved

    at.switch_page(FAIRNESS).run()
    at.number_input(key="crit_impact_ratio").set_value(0.70).run()
    assert not at.exception
    rerun = at.session_state["run"]
    assert rerun is not sample_run and rerun.result.spec.criteria[0].threshold == 0.70
    status = {f"{f.criterion.metric}:{f.attribute}": f.status for f in rerun.result.findings}
    assert status["impact_ratio:sex"] == "inconclusive"  # 0.667–0.740 straddles 0.70
    assert status["impact_ratio:sex × race"] == "fail"

    at.switch_page(REVIEW).run()
    assert not at.exception
    assert _shown(at) == NOTES
    assert at.text_input(key="review_reviewers").value == "Ada Lovelace, Grace Hopper"
    assert at.text_area(key="review_notes").value == "Retrain before launch."
    assert at.radio(key="review_decision").value == "reject"
    # the two notes whose finding changed verdict are marked; the one still failing is not
    marks = [w.value for w in at.warning]
    assert marks[0] == second_looks(1)
    assert marks[1:] == [second_look("fail", "inconclusive")]

    token = at.session_state["session_token"]
    assert at.query_params[sessions.QUERY_KEY] == token
    refreshed = open_page(REVIEW)  # a refresh: a new session with the same URL
    refreshed.query_params[sessions.QUERY_KEY] = token
    refreshed.run()
    assert not refreshed.exception
    assert refreshed.session_state["run"] is rerun
    assert _shown(refreshed) == NOTES
    assert refreshed.text_input(key="review_reviewers").value == "Ada Lovelace, Grace Hopper"
    assert refreshed.radio(key="review_decision").value == "reject"
    assert [w.value for w in refreshed.warning] == marks

    # saving the review is the second look: the marks go, the notes are in the review
    refreshed.button(key="review_save").click().run()
    assert not refreshed.exception and not refreshed.warning
    assert dict(refreshed.session_state["review"].finding_notes) == NOTES


def test_a_draft_survives_page_switches_and_keeps_notes_of_findings_that_are_gone(
        sample_inputs, sample_run):
    at = _loaded(REVIEW, sample_inputs, sample_run)
    at.text_area(key="review_note_impact_ratio:sex").input("Look at the appeals.")
    at.run()
    at.session_state[drafts.DRAFT_KEY] = drafts.Draft(
        finding_notes={**drafts.current(at.session_state).finding_notes,
                       "impact_ratio:age": "An attribute no longer audited."})
    for page in (FAIRNESS, HOME, REVIEW):
        at.switch_page(page).run()
        assert not at.exception
    assert at.text_area(key="review_note_impact_ratio:sex").value == "Look at the appeals."
    assert NOTES_LEFT_OVER in [c.value for c in at.caption]
    assert "- `impact\\_ratio:age`: An attribute no longer audited." in [
        m.value for m in at.markdown]


def test_another_session_id_or_another_person_gets_a_new_empty_session(sample_inputs,
                                                                      sample_run):
    at = _loaded(REVIEW, sample_inputs, sample_run)
    _type_review(at)
    token = at.session_state["session_token"]
    guessed = open_page(REVIEW)
    guessed.query_params[sessions.QUERY_KEY] = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    guessed.run()
    assert guessed.session_state["run"] is None
    assert guessed.session_state["session_token"] not in (token, None)

    store = sessions.session_store()
    assert store.get(token, "https://login.example.invalid\nsub-eve") is None
    assert store.get(token, "")["review_draft"].reviewers == "Ada Lovelace, Grace Hopper"


def test_the_store_forgets_after_its_time_and_beyond_its_size():
    store = sessions.SessionStore(ttl_s=0.0, limit=2)
    store.put("a" * 22, "", {"run": 1})
    assert store.get("a" * 22, "") is None  # expired at once
    store = sessions.SessionStore(limit=2)
    for token in ("a" * 22, "b" * 22, "c" * 22):
        store.put(token, "", {"run": token})
    assert store.get("a" * 22, "") is None and store.get("c" * 22, "") == {"run": "c" * 22}
    store.put("c" * 22, "someone else", {"run": "stolen"})
    assert store.get("c" * 22, "") == {"run": "c" * 22}


@pytest.fixture
def home_with_review(sample_inputs, sample_run) -> AppTest:
    at = _loaded(REVIEW, sample_inputs, sample_run)
    _type_review(at)
    at.switch_page(HOME).run()
    assert not at.exception
    return at


def test_the_sample_asks_before_it_replaces_an_audit(home_with_review, sample_run):
    at = home_with_review
    at.button(key="try_sample").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [REPLACE_WARNING.format(
        names="lending\\_applicants.csv, lending\\_predictions.csv", rows=6000,
        work=REVIEW_WORK, what="The sample lending data")]
    assert at.session_state["run"] is sample_run  # nothing replaced yet

    at.button(key="replace_no_sample").click().run()
    assert not at.warning and at.session_state["run"] is sample_run
    assert drafts.current(at.session_state).reviewers == "Ada Lovelace, Grace Hopper"

    at.button(key="try_sample").click().run()
    at.button(key="replace_yes_sample").click().run()
    assert not at.exception
    assert at.session_state["run"] is not sample_run  # the sample, audited afresh
    assert at.session_state["review_draft"] is None and at.session_state["review"] is None


def test_without_an_audit_the_sample_loads_at_once():
    at = open_page(HOME).run()
    at.button(key="try_sample").click().run()
    assert not at.exception and not at.warning
    assert at.session_state["run"] is not None


def test_the_what_if_sample_asks_before_it_replaces_an_audit(sample_inputs, sample_run):
    at = _loaded("pages/screens/whatif.py", sample_inputs, sample_run)  # no score: offered
    at.button(key="whatif_sample").click().run()
    assert not at.exception
    assert at.session_state["run"] is sample_run
    assert REPLACE_WARNING.format(
        names="lending\\_applicants.csv, lending\\_predictions.csv", rows=6000, work="",
        what="The hiring sample") in [w.value for w in at.warning]
    at.button(key="replace_yes_hiring").click().run()
    assert not at.exception
    assert at.session_state["run"].result.spec.score == "score"


def test_other_files_ask_before_they_replace_an_audit_with_a_review(home_with_review,
                                                                     sample_run):
    at = home_with_review.switch_page("pages/screens/upload.py").run()
    # another dataset, on its own: the loaded audit and its typed review would go
    data = "id,sex,y_true,y_pred\n" + "".join(
        f"{i},{'fm'[i % 2]},{i % 3 % 2},{i % 5 % 2}\n" for i in range(60))
    upload(at, "upload_dataset", name="other.csv", data=data.encode())
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="role_label").set_value("y_true")
    at.selectbox(key="role_prediction").set_value("y_pred")
    at.multiselect(key="role_sensitive").set_value(["sex"])
    at.selectbox(key="role_favorable").set_value("1").run()
    run_audit(at)
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.warning if "replaces" in w.value] == [REPLACE_WARNING.format(
        names="lending\\_applicants.csv, lending\\_predictions.csv", rows=6000,
        work=REVIEW_WORK, what="The files above")]
    assert at.session_state["run"] is sample_run  # nothing replaced yet

    at.button(key="replace_no_upload").click().run()
    assert at.session_state["run"] is sample_run
    assert drafts.current(at.session_state).reviewers == "Ada Lovelace, Grace Hopper"

    run_audit(at)
    at.button(key="replace_yes_upload").click().run()
    assert not at.exception, [e.value for e in at.exception]
    replaced = at.session_state["run"]
    assert replaced is not sample_run and replaced.result.rows == 60
    assert at.session_state["review_draft"] is None and at.session_state["review"] is None
