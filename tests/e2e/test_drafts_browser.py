"""Issue 15, item 2 in a real browser: a review typed, then a criterion changed, then the page
refreshed: every note is still there; and the sample button asks before it replaces an audit.

Runs on the shared server and Chromium of tests/e2e/conftest.py, a new session per test; the
audit is the bundled lending sample, loaded with the Home page's button. Screenshots go to
``tests/e2e/artifacts/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from audit import second_look
from benchmarks.server import idle, nav
from pages._ui.actions import REPLACE_WARNING, REVIEW_WORK
from pages._ui.sessions import QUERY_KEY

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTES = {"impact_ratio:sex": "Women approved far less often.",
         "impact_ratio:sex × race": "Black women are hit hardest."}


def _committed(page: Page) -> None:
    """Until the rerun a box's blur asked for is over: a page switch sent at once would
    overtake it (Streamlit merges the two requests, and the switch carries no widget values
    of the page left), as it would for a person who clicks away in the same instant."""
    page.wait_for_timeout(1500)
    idle(page)


def _nav(page: Page, title: str) -> None:
    nav(page, title)
    idle(page)


def _key(name: str) -> str:
    """Streamlit's class for a widget key (characters outside [A-Za-z0-9_-] become "-")."""
    return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _sample(page: Page, server: str) -> None:
    page.goto(server)
    page.get_by_role("button", name="Try it with sample data").click()
    page.get_by_text("Overall: FAILED").first.wait_for()
    idle(page)


def _note(page: Page, finding: str):  # noqa: ANN202 - playwright's Locator
    return page.locator(f"{_key('review_note_' + finding)} textarea")


def test_a_typed_review_survives_a_criterion_change_and_a_refresh(server: str, page: Page):
    _sample(page, server)
    _nav(page, "Review")
    page.get_by_text("Notes and decision").wait_for()
    page.locator(f"{_key('review_reviewers')} input").fill("Ada Lovelace")
    for finding, note in NOTES.items():
        _note(page, finding).fill(note)
    page.locator(f"{_key('review_notes')} textarea").fill("Retrain before launch.")
    page.locator(f"{_key('review_notes')} textarea").press("Tab")  # commits the box
    _committed(page)

    _nav(page, "Fairness")
    box = page.locator(f"{_key('crit_impact_ratio')} input")
    box.fill("0.70")
    box.press("Enter")
    idle(page)
    page.get_by_text(re.compile(r"sex · Four-fifths rule \(at least 0\.70\): inconclusive")
                     ).first.wait_for()

    _nav(page, "Review")
    page.get_by_text("Notes and decision").wait_for()
    mark = second_look("fail", "inconclusive")
    page.get_by_text(mark).wait_for()
    assert page.get_by_text(mark).count() == 1  # sex × race still fails: no mark there
    assert QUERY_KEY + "=" in page.url

    page.reload()  # a refresh: a new Streamlit session, the same URL
    page.get_by_text("Notes and decision").wait_for()
    idle(page)
    for finding, note in NOTES.items():
        expect(_note(page, finding)).to_have_value(note)
    expect(page.locator(f"{_key('review_reviewers')} input")).to_have_value("Ada Lovelace")
    expect(page.locator(f"{_key('review_notes')} textarea")).to_have_value(
        "Retrain before launch.")
    page.get_by_text(mark).wait_for()
    assert page.get_by_text("Traceback").count() == 0
    page.get_by_text(mark).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "review_after_refresh.png"))


def test_the_sample_button_asks_before_it_replaces_an_audit(server: str, page: Page):
    _sample(page, server)
    _nav(page, "Review")
    _note(page, "impact_ratio:sex").fill("Keep this note.")
    _note(page, "impact_ratio:sex").press("Tab")
    _committed(page)
    _nav(page, "Home")
    page.get_by_role("button", name="Try it with sample data").click()
    question = REPLACE_WARNING.format(names="lending_applicants.csv, lending_predictions.csv",
                                      rows=6000, work=REVIEW_WORK, what="The sample lending data")
    page.get_by_text(question).wait_for()
    page.screenshot(path=str(ARTIFACTS / "sample_asks_first.png"))
    page.get_by_role("button", name="Keep my audit").click()
    expect(page.get_by_text(question)).to_have_count(0)
    _nav(page, "Review")
    expect(_note(page, "impact_ratio:sex")).to_have_value("Keep this note.")

    _nav(page, "Home")
    page.get_by_role("button", name="Try it with sample data").click()
    page.get_by_role("button", name="Replace it").click()
    page.get_by_text("Overall: FAILED").first.wait_for()
    idle(page)
    _nav(page, "Review")
    page.get_by_text("Notes and decision").wait_for()
    expect(_note(page, "impact_ratio:sex")).to_have_value("")
    page.get_by_text("Not yet reviewed").wait_for()
    assert page.get_by_text("Traceback").count() == 0
