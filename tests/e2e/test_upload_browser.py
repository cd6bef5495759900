"""Issue 15's Upload step in a real browser: a 0/1 label that must be confirmed, whose
meaning then reads in the verdict; a single file clearing the sample's predictions file;
an age cut into typed bands; and the second file's id and score guessed.

Runs on the shared server and Chromium of tests/e2e/conftest.py, a new session per test,
on synthetic data made here: 600 people, women approved at half the rate of men (30%
against 60%), ages 18 to 79. Screenshots go to
``tests/e2e/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from benchmarks.server import choose, idle, nav, screenshot, shows, type_text
from pages._ui.mapping import CLEARED

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROWS = 600


def _people(rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    sex = np.array(["female", "male"] * (rows // 2))
    approved = np.where(sex == "female", rng.random(rows) < 0.3, rng.random(rows) < 0.6)
    return pd.DataFrame({
        "id": np.arange(rows), "sex": sex, "age": rng.integers(18, 80, rows),
        "income": rng.integers(10_000, 90_000, rows),
        "y_true": np.where(rng.random(rows) < 0.85, approved, ~approved).astype(int),
        "decision": approved.astype(int)})


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("upload")
    frame = _people()
    paths = {"one": folder / "applicants_one_file.csv", "data": folder / "applicants.csv",
             "predictions": folder / "model_output.csv"}
    frame.to_csv(paths["one"], index=False)
    frame.drop(columns="decision").to_csv(paths["data"], index=False)
    rng = np.random.default_rng(12)
    pd.DataFrame({"id": frame["id"][::-1], "y_pred": frame["decision"][::-1],
                  "score": rng.random(ROWS).round(4)}).to_csv(paths["predictions"],
                                                             index=False)
    return paths


def _screenshot(page: Page, name: str, height: int) -> None:
    screenshot(page, ARTIFACTS / name, height, settle_ms=1000)


def test_a_coded_label_waits_for_its_meaning_and_age_is_cut_into_bands(
        server: str, page: Page, files: dict[str, Path]):
    page.goto(server)
    page.get_by_role("button", name="Try it with sample data").click()
    page.get_by_text("Overall:").first.wait_for()  # the sample, with its predictions file
    idle(page)
    nav(page, "Upload")
    page.get_by_text("Column roles").wait_for()
    idle(page)

    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(files["one"]))
    page.get_by_text(f"{ROWS} rows × 6 columns").wait_for()
    idle(page)
    # a single file clears the sample's predictions file, and says so
    cleared = " ".join(CLEARED.format(name="lending_predictions.csv",
                                      dataset="applicants_one_file.csv")
                       .replace("**", "").split())
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="was cleared")
    alert.wait_for()
    assert cleared in " ".join((alert.text_content() or "").split())
    shows(page, "role_label", "y_true")
    shows(page, "role_prediction", "decision")
    # 0/1: nothing pre-filled, nothing runs
    run = page.get_by_role("button", name="Run audit")
    assert run.is_disabled()
    page.get_by_text("holds the codes '0', '1': choose which one is favorable").wait_for()

    choose(page, page.locator(".st-key-role_favorable"), "1")
    type_text(page, "What it means for the person", "approved")
    bands = page.locator('[data-testid="stSelectbox"]').filter(has_text="group them into")
    choose(page, bands, "cut points I type")
    type_text(page, "Cut points for age", "25, 40, 60")
    page.get_by_text("Bands: 18–24, 25–39, 40–59, 60–79").wait_for()
    expect(run).to_be_enabled()  # once the page has rerun with the bands
    page.locator(".st-key-role_favorable").scroll_into_view_if_needed()
    _screenshot(page, "upload_outcome_and_bands.png", 1900)
    run.click()  # straight to the verdict
    page.get_by_text("Each finding in full").click()  # plain-words lines first, then these
    page.get_by_text("sex: female are approved at ").first.wait_for()
    idle(page)
    text = page.locator("section.main, [data-testid='stMain']").first.text_content() or ""
    assert "get '1'" not in text
    assert "Favorable outcome: '1' (approved)" in text
    assert "age: " in text and "25–39" in text
    assert page.get_by_text("Traceback").count() == 0
    _screenshot(page, "fairness_meaning_and_bands.png", 1600)


def test_the_second_file_fills_the_id_and_score_roles(server: str, page: Page,
                                                      files: dict[str, Path]):
    page.goto(f"{server}/upload")
    page.locator(".st-key-upload_dataset input[type=file]").set_input_files(str(files["data"]))
    page.get_by_text(f"{ROWS} rows × 5 columns").wait_for()
    idle(page)
    assert page.locator(".st-key-role_score input").first.input_value() == ""
    page.locator(".st-key-upload_predictions input[type=file]").set_input_files(
        str(files["predictions"]))
    page.get_by_text(f"{ROWS} rows × 3 columns").wait_for()
    idle(page)
    shows(page, "role_id", "id")
    shows(page, "role_score", "score")
    shows(page, "role_prediction", "y_pred")
    shows(page, "role_label", "y_true")
    assert page.get_by_text("Traceback").count() == 0
    _screenshot(page, "upload_second_file_roles.png", 1600)
