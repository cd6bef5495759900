"""The dashboard in a real browser: upload the sample files, run, read the planted disparity.

The shared ``streamlit run app.py`` and headless Chromium (``/usr/bin/chromium``, the system
package: ``apt-get install -y chromium``, driven by the playwright package) are the fixtures
of tests/e2e/conftest.py. Screenshots go to ``tests/e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from audit.engine import audit_inputs
from audit.inputs import AuditSpec
from benchmarks.server import idle, screenshot
from tests.conftest import SAMPLE_DATASET, SAMPLE_PREDICTIONS

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # made by conftest.py


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
    return screenshot(page, ARTIFACTS / name, height)


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
    idle(page)
    _wait_for_role(page, "role_sensitive", "race")
    page.locator(".st-key-upload_predictions input[type=file]").set_input_files(
        str(SAMPLE_PREDICTIONS))
    page.get_by_text("6,000 rows × 2 columns").wait_for()
    page.get_by_text("Column roles").wait_for()
    idle(page)
    for key, value in (("role_id", "applicant_id"), ("role_label", "outcome"),
                       ("role_prediction", "decision"), ("role_favorable", "approved"),
                       ("role_sensitive", "race")):
        _wait_for_role(page, key, value)
    _screenshot(page, "upload.png", 2200)

    page.get_by_role("button", name="Run audit").click()  # straight to the verdict
    page.get_by_text("Overall: FAILED").wait_for()
    # plain words first: one line per criterion; each finding in full behind an expander
    page.get_by_text(f"sex · Four-fifths rule (at least 0.80): FAILS — {ratio}").wait_for()
    page.locator(".js-plotly-plot").nth(1).wait_for()  # rates and ratios
    idle(page)
    assert page.locator(".js-plotly-plot").count() == 2
    shot = _screenshot(page, "fairness.png", 2600)  # the page as it opens (the README's)
    assert shot.stat().st_size > 50_000
    # the findings in full and the heatmap are made when their expanders are opened
    page.get_by_text("Each finding in full").click()
    page.get_by_text(f"sex: female are approved at {ratio} times the rate of male").wait_for()
    page.get_by_text("Intersections: each combination of the sensitive attributes").click()
    page.locator(".js-plotly-plot").nth(2).wait_for()
    assert page.get_by_text("Traceback").count() == 0


def test_sample_button_opens_the_fairness_page(server: str, page: Page):
    page.goto(server)
    page.get_by_role("button", name="Try it with sample data").click()
    page.get_by_text("2. Read the disparities").wait_for()
    page.get_by_text("sex · Four-fifths rule (at least 0.80): FAILS — 0.70").wait_for()
    _screenshot(page, "home_sample.png", 1000)
