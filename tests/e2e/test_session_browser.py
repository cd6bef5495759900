"""Issue 15 in a real browser: a copy of the label left out of the explanations with a message,
and the History page warning that two audits of different inputs are being compared.

Starts ``streamlit run app.py`` on a free port with its own audit history and a shared local
board (tests/e2e/conftest.py's ``streamlit_server``) and drives the session's Chromium. The
data is a 2,000-row census twin made here (``benchmarks/census_twin.py``) as one file, with
``income``, the true outcome as text, among the features. Screenshots go to
``tests/e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from audit.engine import audit_inputs
from audit.explain._copies import COPY_LEFT_OUT, IDENTICAL, OUTCOMES
from audit.inputs import AuditSpec, read_path
from audit.record import HistoryStore, build_record, compare
from audit.record._compare import NOT_LIKE_WITH_LIKE
from benchmarks.census_twin import make_census
from benchmarks.server import idle, nav

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BOARD = "session-tests"  # the server's shared local board (AUDIT_BOARD)
ROWS = 2000


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("session")


@pytest.fixture(scope="module")
def census_file(folder: Path) -> Path:
    people, predictions = make_census(ROWS, seed=3)
    one = people.merge(predictions, on="id").drop(columns=["marital_status"])
    path = folder / "census_one_file.csv"
    one.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def history_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'history.sqlite3'}"


@pytest.fixture(scope="module")
def server(streamlit_server, history_url: str) -> Iterator[str]:
    with streamlit_server("streamlit-session.log", {"AUDIT_DB_URL": history_url,
                                                    "AUDIT_BOARD": BOARD}) as url:
        yield url


def test_a_copy_of_the_label_is_left_out_of_the_explanations_with_a_message(
        server: str, page: Page, census_file: Path):
    page.goto(f"{server}/upload")
    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(census_file))
    page.get_by_text(f"{ROWS:,} rows × ").first.wait_for()
    idle(page)
    page.wait_for_function("""() => {  // the guessed label is on screen, in its input box
        const box = document.querySelector('.st-key-role_label');
        return box && [...box.querySelectorAll('input')].some((i) => i.value === 'y_true');
    }""")
    favorable = page.locator(".st-key-role_favorable input")  # 0/1: the user says which
    favorable.click()
    favorable.fill("1")
    page.get_by_role("option", name="1", exact=True).click()
    idle(page)
    page.get_by_role("button", name="Run audit").click()
    page.get_by_text("2. Read the disparities").wait_for()
    idle(page)
    nav(page, "Explanations")
    page.get_by_role("button", name="Compute explanations").click()
    message = COPY_LEFT_OUT["label"].format(column="income", outcome=OUTCOMES["label"],
                                            how=IDENTICAL)
    page.get_by_text(message).wait_for()
    page.get_by_text("Where the gap comes from").wait_for()
    idle(page)
    page.locator(".js-plotly-plot").first.wait_for()
    importance = page.locator(".js-plotly-plot").first.text_content() or ""
    assert "relationship" in importance and "income" not in importance
    assert "Columns left out: income" in (page.locator('[data-testid="stSidebar"]')
                                          .text_content() or "")
    assert page.get_by_text("Traceback").count() == 0
    page.get_by_text(message).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "explanations_copy_left_out.png"))


def test_history_compare_warns_on_different_inputs(server: str, page: Page, census_file: Path,
                                                   history_url: str, sample_run):
    census = audit_inputs(dataset=read_path(census_file), predictions=None, spec=AuditSpec(
        label="y_true", prediction="y_pred", sensitive=("sex", "race"), favorable="1",
        bootstrap=50), id_column="id")
    lending = build_record(sample_run, audit_id="lending", created_at="2026-01-01T00:00:00Z")
    later = build_record(census, audit_id="census", created_at="2026-02-01T00:00:00Z")
    with HistoryStore(history_url) as store:
        store.append(lending, board=BOARD)
        store.append(later, board=BOARD)
        expected = compare(store.filed("lending", board=BOARD),
                           store.filed("census", board=BOARD))
    assert expected.warning == NOT_LIKE_WITH_LIKE.format(
        differences=" ".join(d.message for d in expected.differences))
    assert {d.aspect for d in expected.differences} >= {"columns", "favorable", "roles"}
    page.goto(f"{server}/history")
    page.get_by_text("Compare two audits").wait_for()
    idle(page)
    warning = page.locator('[data-testid="stAlert"]').filter(
        has_text="These audits are not of like inputs")
    warning.wait_for()
    shown = " ".join((warning.text_content() or "").split())
    for difference in expected.differences:
        assert " ".join(difference.message.split()) in shown
    assert page.get_by_text("Traceback").count() == 0
    warning.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "history_compare_warning.png"))
