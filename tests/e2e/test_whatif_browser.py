"""The What-if page in a real browser: move a group's cut-off and see the criteria change,
pick an option on the trade-off chart, choose it, and find it in the downloaded PDF.

The shared server (``streamlit run app.py`` on a free local port) and the system Chromium
are the fixtures of tests/e2e/conftest.py. The expected numbers come from the engine run
here on the same file (the hiring sample, which has a score; ``40 and over`` is the group
the planted bias disadvantages).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import plotly.graph_objects as go
import pytest
from playwright.sync_api import Page

from audit import STATUS_WORDS
from audit.engine import audit_inputs
from audit.inputs import read_path
from audit.views import slider_range, tradeoff_figure
from audit.whatif import WhatIfOption, WhatIfReport, option_name, whatif
from benchmarks.server import idle
from pages._ui.whatif import HIRING, HIRING_ID, hiring_spec

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ATTRIBUTE, OLDER = "age_band", "40 and over"
TARGET_CUT_OFF = 0.375  # for 40 and over, with under 40 at 0.5: the four-fifths rule passes
SWEEP_TOLERANCE = 0.05  # a point of the equal-opportunity tolerance sweep


@pytest.fixture(scope="module")
def expected() -> WhatIfReport:
    """The engine's analysis of the hiring sample with the page's settings."""
    run = audit_inputs(dataset=read_path(HIRING), predictions=None, spec=hiring_spec(),
                       id_column=HIRING_ID)
    return whatif(run.data, run.result.spec, attribute=ATTRIBUTE, before=run.result)


def _idle(page: Page) -> None:
    """Wait until the script run has finished (a run starts a moment after a click)."""
    page.wait_for_timeout(300)
    idle(page)


def _criteria(page: Page) -> dict[tuple[str, str], tuple[str, str, str]]:
    """The before/after table as it is on screen: (criterion, attribute) → before, after,
    changed."""
    rows = page.locator('[data-testid="stTable"]').first.locator("tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        out[(cells[0], cells[1])] = (cells[2], cells[3], cells[4] if len(cells) > 4 else "")
    return out


def _move_slider(page: Page, label: str, value: float, low: float, high: float) -> None:
    """Press on the slider's track where ``value`` lies, as a person would."""
    slider = page.locator('[data-testid="stSlider"]').filter(
        has=page.get_by_text(label, exact=True))
    track = slider.locator('[role="group"] > div').first
    box = track.bounding_box()
    assert box is not None
    x = box["x"] + box["width"] * (value - low) / (high - low)
    page.mouse.click(x, box["y"] + box["height"] / 2)


def _click_point(page: Page, figure: go.Figure, trace_name: str, index: int) -> None:
    """Click point ``index`` of the trace ``trace_name`` of the trade-off chart on screen
    (drawn from ``figure``, the same chart built here)."""
    trace = next(i for i, t in enumerate(figure.data) if t.name == trace_name)
    chart = page.locator(".js-plotly-plot").nth(1)
    chart.scroll_into_view_if_needed()
    point = chart.locator(".scatterlayer .trace").nth(trace).locator("path.point").nth(index)
    box = point.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _status_text(option: WhatIfOption, attribute: str) -> str:
    """How the before/after table starts the four-fifths cell of ``option``'s audit."""
    finding = next(f for f in option.audit.findings
                   if f.attribute == attribute and f.criterion.metric == "impact_ratio")
    return f"{STATUS_WORDS[finding.status]}: {finding.estimate.value:.3f} ("


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


def test_move_a_cut_off_pick_an_option_and_file_it(page: Page, server: str, expected,
                                                   tmp_path: Path):
    page.goto(f"{server}/whatif")
    page.get_by_text("What if the cut-offs were different?").wait_for()
    page.get_by_role("button", name="Audit the hiring sample (it has a score column)").click()
    page.get_by_text("Shown before and after").wait_for()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stTable"] tbody tr')]
                 .some((row) => row.innerText.includes('age_band'))""")
    _idle(page)
    before = _criteria(page)
    four_fifths = ("Four-fifths rule (at least 0.80)", ATTRIBUTE)
    assert before[four_fifths][0].startswith(STATUS_WORDS["fail"])  # the planted bias
    assert before[four_fifths][0] == before[four_fifths][1]  # the sliders start as uploaded

    # move the cut-off of the group the bias disadvantages
    page.get_by_text("Set a cut-off for each group").click()
    page.get_by_text("Take legal advice before using it").first.wait_for()
    _idle(page)
    span = slider_range(expected)
    _move_slider(page, OLDER, TARGET_CUT_OFF, span.low, span.high)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stTable"] tbody tr')]
                 .some((row) => row.innerText.includes('age_band')
                                && row.innerText.includes('changed'))""")
    _idle(page)
    after = _criteria(page)
    assert after[four_fifths][0] == before[four_fifths][0]
    assert after[four_fifths][1].startswith(STATUS_WORDS["pass"])
    assert after[four_fifths][2] == "changed"
    page.screenshot(path=str(ARTIFACTS / "whatif_moved.png"))

    # click an option on the trade-off chart: it opens before and after
    figure = tradeoff_figure(expected, disparity="equal_opportunity_difference")
    single = expected.option("single")
    _click_point(page, figure, single.name, 0)
    page.get_by_text(f"{single.name}.", exact=True).wait_for()
    _idle(page)
    assert _criteria(page)[four_fifths][1].startswith(_status_text(single, ATTRIBUTE))

    # click a point of the tolerance sweep: its cut-offs go into the sliders, named
    curve = next(c for c in expected.tradeoffs if c.strategy == "equal_opportunity")
    index = [p.tolerance for p in curve.points].index(SWEEP_TOLERANCE)
    name = option_name("equal_opportunity", tolerance=SWEEP_TOLERANCE)
    _click_point(page, figure, "tolerance sweep: equal opportunity", index)
    page.get_by_text(f"{name}.", exact=True).wait_for()
    _idle(page)
    page.get_by_role("button", name="Choose this option for the record").click()
    page.get_by_text(f"Chosen for the record: {name}").wait_for()
    _idle(page)
    cut_offs = curve.points[index].cut_offs
    page.screenshot(path=str(ARTIFACTS / "whatif_chosen.png"))

    # the Review page cites it, and its PDF lists it with its cut-offs
    page.get_by_role("link", name="Review").click()
    page.get_by_text("4. Review and sign off").wait_for()
    _idle(page)
    page.wait_for_function(  # the cited option is shown as text, or in the box's input
        """(name) => {
            const box = document.querySelector('.st-key-review_whatif');
            const inputs = [...box.querySelectorAll('input')].map((i) => i.value);
            return box.innerText.includes(name) || inputs.includes(name);
        }""", arg=name)
    with page.expect_download() as download:
        page.get_by_role("button", name="PDF record").click()
    saved = tmp_path / "audit.pdf"
    download.value.save_as(saved)
    text = _pdf_text(saved)
    part = text[text.index("Options considered"):]
    line = "; ".join(f"{group} ≥ {value!r}" for group, value in cut_offs.items())
    assert f"Chosen by the board: {name}; the board's decision cites it." in part
    assert f"{name} — chosen by the board Cut-offs (favorable when the score is at or " \
           f"above): {line} Lawfulness." in part
