"""The dashboard in a real browser: upload the sample files, run, read the planted disparity.

Starts ``streamlit run app.py`` on a free local port and drives headless Chromium
(``/usr/bin/chromium``, the system package: ``apt-get install -y chromium``) with the
playwright package. Screenshots go to ``tests/e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from audit.engine import audit_inputs
from audit.inputs import AuditSpec
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, free_port, start_server, stop_server
from tests.conftest import SAMPLE_DATASET, SAMPLE_PREDICTIONS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
START_TIMEOUT_S = 90
STEP_TIMEOUT_MS = 120_000
WIDTH = 1400


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    try:
        process = start_server(port, ARTIFACTS / "streamlit.log", timeout_s=START_TIMEOUT_S)
    except (RuntimeError, TimeoutError) as err:
        pytest.fail(str(err))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs the system Chromium. "
                    "Install it with: apt-get update && apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": WIDTH, "height": 1000})
            tab.set_default_timeout(STEP_TIMEOUT_MS)
            yield tab
        finally:
            browser.close()


def _wait_until_idle(page: Page) -> None:
    """Wait for the script run to finish. Widgets clicked mid-run send the values the
    browser shows at that moment, which may still be placeholders."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def _wait_for_role(page: Page, key: str, value: str) -> None:
    """Wait until a role picker shows ``value`` (as text, or in its input box)."""
    page.wait_for_function(
        """([key, value]) => {
            const box = document.querySelector(`.st-key-${key}`);
            if (!box) return false;
            const inputs = [...box.querySelectorAll("input")].map((i) => i.value);
            return box.innerText.includes(value) || inputs.includes(value);
        }""",
        arg=[key, value])


def _screenshot(page: Page, name: str, height: int) -> Path:
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport."""
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.wait_for_timeout(1500)  # let charts and tables finish drawing
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    return path


def test_upload_run_and_read_the_planted_disparity(server: str, page: Page, sample_inputs):
    dataset, predictions = sample_inputs
    # the mapping the Upload page guesses for the sample (tests/pages/test_upload.py)
    spec = AuditSpec(label="outcome", prediction="decision",
                     sensitive=("sex", "race", "age_group"), favorable="approved")
    expected = audit_inputs(dataset=dataset, predictions=predictions, spec=spec,
                            id_column="applicant_id").result
    sex = next(f for f in expected.findings
               if f.attribute == "sex" and f.criterion.metric == "impact_ratio")
    ratio = f"{sex.estimate.value:.2f}"
    assert ratio == "0.70"  # planted: sample_data/README.md

    page.goto(f"{server}/upload")
    page.get_by_text("1. Upload and map columns").wait_for()
    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(SAMPLE_DATASET))
    page.get_by_text("6,000 rows × 12 columns").wait_for()
    # like a person: the first file's column roles are on screen before the second upload
    _wait_until_idle(page)
    _wait_for_role(page, "role_sensitive", "race")
    page.locator(".st-key-upload_predictions input[type=file]").set_input_files(
        str(SAMPLE_PREDICTIONS))
    page.get_by_text("6,000 rows × 2 columns").wait_for()
    page.get_by_text("Column roles").wait_for()
    _wait_until_idle(page)
    for key, value in (("role_id", "applicant_id"), ("role_label", "outcome"),
                       ("role_prediction", "decision"), ("role_favorable", "approved"),
                       ("role_sensitive", "race")):
        _wait_for_role(page, key, value)
    _screenshot(page, "upload.png", 2200)

    page.get_by_role("button", name="Run audit").click()
    page.get_by_text("Audit ready").wait_for()
    page.get_by_role("link", name="Read the disparities").click()

    page.get_by_text("Overall: FAILED").wait_for()
    # plain words first: one line per criterion; each finding in full behind an expander
    page.get_by_text(f"sex · Four-fifths rule (at least 0.80): FAILS — {ratio}").wait_for()
    page.get_by_text("Each finding in full").click()
    page.get_by_text(f"sex: female are approved at {ratio} times the rate of male").wait_for()
    page.locator(".js-plotly-plot").nth(2).wait_for()
    assert page.get_by_text("Traceback").count() == 0
    shot = _screenshot(page, "fairness.png", 4600)
    assert shot.stat().st_size > 50_000


def test_sample_button_opens_the_fairness_page(server: str, page: Page):
    page.goto(server)
    page.get_by_role("button", name="Try it with sample data").click()
    page.get_by_text("2. Read the disparities").wait_for()
    page.get_by_text("sex · Four-fifths rule (at least 0.80): FAILS — 0.70").wait_for()
    _screenshot(page, "home_sample.png", 1000)
