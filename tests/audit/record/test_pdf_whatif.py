"""The PDF's "Options considered" and the record's ``whatif``: every option with its
cut-offs, the lawfulness note next to each per-group option, the board's choice with its
criteria before and after; escaped group names; small groups hidden in exports.

The data are made here with numpy: a score with a planted gap between two race groups, a
race group whose name is markup, and one too small to judge (``D``).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from audit import AuditSpec, audit_inputs, read_csv, status_label, suppress_small_cells
from audit.record import build_record, render_pdf
from audit.record._pdf_whatif import NONE_CONSIDERED
from audit.whatif import LAWFULNESS_NOTE, apply_thresholds, whatif
from tests.conftest import validate_schema

MARKUP = "<b>B</b> & co"
ATTRIBUTE = "race"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils) is not installed")


def scored_csv(rows: int = 1500, seed: int = 5) -> bytes:
    rng = np.random.default_rng(seed)
    race = rng.choice(np.array(["A", MARKUP, "D"]), rows, p=[0.6, 0.385, 0.015])
    sex = rng.choice(np.array(["female", "male"]), rows)
    label = rng.random(rows) < 0.5
    score = np.clip(rng.normal(0.4 + 0.25 * label - 0.1 * (race == MARKUP), 0.2), 0, 1)
    frame = pd.DataFrame({"person": np.arange(rows), "race": race, "sex": sex,
                          "outcome": label.astype(int), "score": score.round(3),
                          "decision": (score.round(3) >= 0.5).astype(int)})
    return frame.to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def run():
    spec = AuditSpec(label="outcome", prediction="decision", score="score",
                     sensitive=("race", "sex"), favorable="1", bootstrap=50)
    return audit_inputs(dataset=read_csv(scored_csv(), name="scored.csv"), predictions=None,
                        spec=spec, id_column="person")


@pytest.fixture(scope="module")
def report(run):
    return whatif(run.data, run.result.spec, attribute=ATTRIBUTE, tolerance=0.05,
                  before=run.result)


@pytest.fixture(scope="module")
def record(run, report):
    return build_record(run, whatif=report.to_dict(chosen="equal_opportunity"),
                        audit_id="whatif-test", created_at="2026-01-15T10:00:00Z")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (pdftotext), with runs of whitespace made single spaces."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode("utf-8").split())


@pytest.fixture(scope="module")
def text(record) -> str:
    return pdf_text(render_pdf(record))


def cut_offs_line(cut_offs: dict[str, float]) -> str:
    """Written here, not with the package's formatter: each cut-off's shortest exact repr."""
    return "; ".join(f"{group} ≥ {float(value)!r}" for group, value in cut_offs.items())


def section(text: str) -> str:
    start = text.index("Options considered")
    return text[start:text.index("Definitions", start)] if "Definitions" in text[start:] \
        else text[start:]


def test_the_record_holds_the_options_and_the_choice(record, report):
    validate_schema(record)
    whatif_record = record["whatif"]
    assert whatif_record["chosen"] == "equal_opportunity"
    assert [o["id"] for o in whatif_record["options"]] == [o.id for o in report.options]
    chosen = report.option("equal_opportunity")
    stored = next(o for o in whatif_record["options"] if o["id"] == "equal_opportunity")
    assert stored["thresholds"] == {ATTRIBUTE: dict(chosen.choice.cut_offs)}
    assert [c["status"] for c in stored["criteria"]] == [f.status for f in
                                                         chosen.audit.findings]


def test_every_option_is_listed_with_its_cut_offs(text, record):
    part = section(text)
    assert part.startswith("Options considered")
    options = record["whatif"]["options"]
    assert any(o["randomized"] for o in options), "fairlearn's options are in the record"
    for option in options:
        assert option["name"] in part
        if option["randomized"]:
            assert " ".join(option["randomization"].split()) in part
        else:
            cut_offs = option["thresholds"][ATTRIBUTE]
            line = (f"everyone ≥ {float(next(iter(cut_offs.values())))!r}"
                    if len(set(cut_offs.values())) == 1 else cut_offs_line(cut_offs))
            assert f"Cut-offs (favorable when the score is at or above): {line}" in part


def test_the_lawfulness_note_is_next_to_each_per_group_option(text, record):
    part = section(text)
    options = record["whatif"]["options"]
    per_group = [o for o in options if o["uses_attribute"]]
    note = " ".join(LAWFULNESS_NOTE.format(attribute=ATTRIBUTE).split())
    assert part.count(f"Lawfulness. {note}") == len(per_group) >= 5
    # right after the option's cut-offs (or randomised rule), before the next option
    for option in per_group:
        body = (" ".join(option["randomization"].split()) if option["randomized"]
                else cut_offs_line(option["thresholds"][ATTRIBUTE]))
        assert f"{body} Lawfulness. {note}" in part, option["id"]
    single = next(o for o in options if o["id"] == "single")
    after_single = part.split(f"{single['name']} Cut-offs", 1)[1]
    next_name = options[1]["name"]
    assert "Lawfulness" not in after_single[:after_single.index(next_name)]


def test_the_choice_and_its_criteria_before_and_after(text, record, report):
    part = section(text)
    chosen = report.option("equal_opportunity")
    assert f"Chosen by the board: {chosen.name}; the board's decision cites it." in part
    assert f"{chosen.name} — chosen by the board" in part
    before_after = part[part.index(f"Before and after: {chosen.name}"):]
    for finding in chosen.audit.findings:
        assert status_label(finding.status) in before_after
    assert before_after.count(status_label("fail")) >= sum(
        f.status == "fail" for f in report.before.audit.findings)


def test_group_names_are_printed_as_written(text):
    assert MARKUP in section(text)


def test_without_a_what_if_analysis_the_section_says_so(run):
    plain = " ".join(re.sub(r"<[^>]+>", "", NONE_CONSIDERED).split())
    record = build_record(run, audit_id="none", created_at="2026-01-15T10:00:00Z")
    assert record["whatif"] is None
    text = pdf_text(render_pdf(record))
    assert f"Options considered {plain}" in text


def test_cut_offs_set_by_hand_can_be_chosen(run, report):
    cut_offs = {"A": 0.5, MARKUP: 0.41, "D": 0.5}
    manual = apply_thresholds(run.data, run.result.spec, attribute=ATTRIBUTE,
                              thresholds=cut_offs)
    record = build_record(run, whatif=report.with_option(manual).to_dict(chosen="manual"))
    validate_schema(record)
    stored = next(o for o in record["whatif"]["options"] if o["id"] == "manual")
    assert stored["thresholds"] == {ATTRIBUTE: cut_offs}
    part = section(pdf_text(render_pdf(record)))
    assert ("Chosen by the board: Cut-offs per group, set by hand; the board's decision "
            "cites it.") in part
    # in the engine's order of the groups
    assert f"{MARKUP} ≥ 0.41; A ≥ 0.5; D ≥ 0.5" in part


def test_exports_hide_small_groups_in_the_what_if_too(record):
    hidden_export = suppress_small_cells(record, k=30)
    validate_schema(hidden_export)
    hidden = {(g["attribute"], g["group"]) for g in hidden_export["suppression"]["groups"]}
    assert (ATTRIBUTE, "D") in hidden
    gone = {g for a, g in hidden if a == ATTRIBUTE}
    whatif_export = hidden_export["whatif"]
    assert not gone & set(whatif_export["groups"])
    assert not gone & set(whatif_export["operating_points"][ATTRIBUTE])
    for outcome in (whatif_export["before"], *whatif_export["options"]):
        for attribute, groups in outcome["group_rates"].items():
            assert not {g for a, g in hidden if a == attribute} & set(groups)
        for criterion in outcome["criteria"]:
            if any(a == criterion["attribute"] for a, _ in hidden):
                assert criterion["value"] is None and criterion["suppressed"] is True
    for option in whatif_export["options"]:
        assert not gone & set(option["thresholds"][ATTRIBUTE])
        assert all("D (n=" not in note for note in option["notes"])
        if option["randomized"]:
            assert not option["randomization"].count("D: a score")
    for curve in whatif_export["tradeoffs"]:
        for point in curve["points"]:
            assert not gone & set(point["thresholds"][ATTRIBUTE])
    # the full record still has them, and the PDF of the export prints none of D's cut-offs
    assert "D" in record["whatif"]["groups"]
    part = section(pdf_text(render_pdf(hidden_export)))
    assert " D ≥ " not in part and "; D ≥" not in part
