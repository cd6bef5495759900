from __future__ import annotations

import copy
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest

from audit import format_estimate, format_number
from audit.engine import run_audit
from audit.inputs import AuditSpec, Provenance, prepare
from audit.record import AuditRecord, Review, fingerprint, record_to_dict, render_pdf, to_json
from audit.record._pdf_doc import below as _below

SAMPLES = Path(__file__).resolve().parents[3] / "sample_data"
MARKUP_GROUP = "<b>x</b> & <font size=40>"
FORMULA_NOTE = '=HYPERLINK("http://x")'


def provenance(name: str, frame: pd.DataFrame) -> Provenance:
    digest = hashlib.sha256((SAMPLES / name).read_bytes()).hexdigest()
    return Provenance(
        name=name,
        sha256=digest,
        rows=len(frame),
        columns=tuple(frame.columns),
        encoding="utf-8",
        delimiter=",",
    )


def record_of(result, frame: pd.DataFrame, review: Review | None = None) -> dict:
    inputs = (("dataset", provenance("lending_applicants.csv", frame)),)
    return record_to_dict(
        AuditRecord(result=result, inputs=inputs, id_column="applicant_id", review=review)
    )


def text_of(pdf: bytes) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    return pages, "\n".join(pages)


REVIEW = Review(
    reviewers=("Ada Lovelace", "Grace Hopper"),
    decision="approve_with_conditions",
    notes="Retrain with reweighing before launch.",
    conditions="Re-audit within 90 days.",
    finding_notes={"impact_ratio:sex": "Women are approved far less often."},
    reviewed_at="2026-01-15T10:00:00Z",
)


@pytest.fixture(scope="module")
def reviewed(lending, lending_frame) -> dict:
    return record_of(lending[1], lending_frame, REVIEW)


@pytest.fixture(scope="module")
def reviewed_pdf(reviewed) -> bytes:
    return render_pdf(reviewed)


def test_pdf_shows_the_records_numbers_exactly(reviewed, reviewed_pdf):
    _, text = text_of(reviewed_pdf)
    sex = next(t for t in reviewed["adverse_impact"] if t["attribute"] == "sex")
    female = next(r for r in sex["rows"] if r["category"] == "female")
    estimate = female["impact_ratio"]
    ratio = format_estimate(estimate)
    assert ratio == (
        f"{estimate['value']:.3f} ({estimate['ci_low']:.3f}–{estimate['ci_high']:.3f})"
    )
    assert ratio in text
    assert format_number(female["selection_rate"]) in text
    group = next(
        g for g in reviewed["groups"] if g["attribute"] == "sex" and g["group"] == "female"
    )
    assert format_estimate(group["metrics"]["true_positive_rate"]) in text
    for finding in reviewed["findings"]:
        assert format_estimate(finding) in text
    assert "FAILED" in text and "FAIL" in text


def test_pdf_shows_decision_reviewers_notes_and_fingerprint_on_every_page(reviewed, reviewed_pdf):
    pages, text = text_of(reviewed_pdf)
    assert "Approved with conditions" in pages[0]
    assert "Ada Lovelace, Grace Hopper" in pages[0]
    assert "Re-audit within 90 days." in text
    assert "Retrain with reweighing before launch." in text
    assert "Women are approved far less often." in text
    footer = f"Record sha256: {fingerprint(reviewed)}"
    assert all(footer in page for page in pages)
    assert all(f"Page {i} of {len(pages)}" in page for i, page in enumerate(pages, start=1))


def test_first_page_is_the_summary(reviewed, reviewed_pdf):
    first = text_of(reviewed_pdf)[0][0]
    for words in (
        "Fairness audit record",
        "What was audited",
        "lending_applicants.csv",
        "6,000",
        "outcome",
        "decision",
        "sex × race",
        "approved",
        "Verdict per criterion",
        "FAILED",
    ):
        assert words in first


def test_unreviewed_record_says_so(lending, lending_frame):
    pages, _ = text_of(render_pdf(record_of(lending[1], lending_frame)))
    assert "Not yet reviewed" in pages[0]


def test_same_record_same_bytes_even_reopened_from_json(reviewed, reviewed_pdf):
    assert render_pdf(json.loads(to_json(reviewed))) == reviewed_pdf


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_every_page_renders(reviewed_pdf, tmp_path):
    path = tmp_path / "audit.pdf"
    path.write_bytes(reviewed_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == len(pypdf.PdfReader(io.BytesIO(reviewed_pdf)).pages) >= 5


def test_uploaded_text_is_printed_not_interpreted(lending_frame):
    frame = lending_frame.replace({"sex": {"female": MARKUP_GROUP}})
    frame = frame.rename(columns={"race": "<i>race</i>"})
    spec = AuditSpec(
        label="outcome",
        prediction="decision",
        sensitive=("sex", "<i>race</i>"),
        favorable="approved",
        bootstrap=20,
    )
    result = run_audit(prepare(frame, spec, id_column="applicant_id"), spec)
    review = Review(
        reviewers=("<script>alert(1)</script>",),
        decision="reject",
        notes=FORMULA_NOTE,
        finding_notes={"impact_ratio:sex": FORMULA_NOTE},
        reviewed_at="2026-01-15T10:00:00Z",
    )
    pdf = render_pdf(record_of(result, frame, review))
    pages, text = text_of(pdf)
    assert MARKUP_GROUP in text
    assert "<i>race</i>" in text
    assert "<script>alert(1)</script>" in pages[0]
    assert text.count(FORMULA_NOTE) == 2
    assert b"/URI" not in pdf and b"/Annots" not in pdf


def test_sixty_intersection_groups_paginate(tmp_path):
    rng = np.random.default_rng(7)
    n = 6000
    frame = pd.DataFrame(
        {
            "region": rng.choice([f"region {i}" for i in range(6)], n),
            "band": rng.choice([f"band {i}" for i in range(10)], n),
            "label": rng.choice(["yes", "no"], n),
            "pred": rng.choice(["yes", "no"], n),
        }
    )
    spec = AuditSpec(
        label="label",
        prediction="pred",
        sensitive=("region", "band"),
        favorable="yes",
        bootstrap=20,
    )
    result = run_audit(prepare(frame, spec), spec)
    record = record_to_dict(
        AuditRecord(
            result=result,
            inputs=(
                (
                    "dataset",
                    Provenance("many.csv", "0" * 64, n, tuple(frame.columns), "utf-8", ","),
                ),
            ),
        )
    )
    crossed = [g for g in record["groups"] if g["attribute"] == "region × band"]
    assert len(crossed) == 60
    pdf = render_pdf(record)
    pages, text = text_of(pdf)
    assert len(pages) >= 10
    for g in crossed:  # in the group table, the adverse-impact table and the charts
        assert text.count(g["group"]) >= 2, g["group"]
    if shutil.which("pdftoppm"):
        path = tmp_path / "many.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "p")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert len(list(tmp_path.glob("p*.png"))) == len(pages)


def test_explanations_section(reviewed):
    record = copy.deepcopy(reviewed)
    record["explanations"] = {
        "method": "surrogate",
        "sample_size": 2000,
        "fidelity": {
            "kind": "classification",
            "agreement": 0.934,
            "roc_auc": 0.97,
            "trustworthy": True,
            "held_out_rows": 600,
        },
        "global_importance": [
            {"feature": "income", "mean_abs_shap": 0.4123},
            {"feature": "zip_region", "mean_abs_shap": 0.1876},
        ],
        "by_group": [],
        "gap_attribution": [
            {
                "attribute": "sex",
                "group": "female",
                "reference": "male",
                "gap": -0.2011,
                "contributions": [
                    {"feature": "income", "contribution": -0.1502},
                    {"feature": "zip_region", "contribution": -0.0509},
                ],
            }
        ],
        "proxies": [{"attribute": "race", "feature": "zip_region", "score": 0.71}],
    }
    _, text = text_of(render_pdf(record))
    for words in (
        "Global importance",
        "0.4123",
        "Gap attribution",
        format_number(-0.2011),
        format_number(-0.1502),
        "zip_region",
        "0.710",
        "0.934",
    ):
        assert words in text


def test_interval_labels_follow_the_records_confidence_and_alpha(reviewed):
    record = copy.deepcopy(reviewed)
    record["spec"]["confidence"] = 0.9
    record["spec"]["alpha"] = 0.01
    for finding in record["findings"]:  # the engine words its messages at the same level
        finding["message"] = finding["message"].replace("95%", "90%")
    _, text = text_of(render_pdf(record))
    assert "Group metrics with 90% confidence intervals" in text
    assert "Impact ratio (90% CI)" in text
    assert "90% confidence interval" in text
    words = " ".join(text.split())  # the definitions paragraph wraps
    assert "Under 0.01: statistically significant" in words
    assert "95%" not in text
    assert "Under 0.05" not in words


def test_no_verdict_banner(reviewed):
    record = copy.deepcopy(reviewed)
    for finding in record["findings"]:
        if finding["status"] == "fail":
            finding["status"] = "insufficient_data"
    record["summary"]["verdict"] = "no_verdict"
    record["summary"]["passed"] = False
    pages, text = text_of(render_pdf(record))
    assert "NO VERDICT" in pages[0]
    assert "neither passes nor fails" in pages[0]
    assert "PASSED" not in text and "FAILED" not in text


def test_verdict_falls_back_to_passed_for_older_records(reviewed):
    record = copy.deepcopy(reviewed)
    record["summary"].pop("verdict", None)
    record["summary"]["passed"] = False
    assert "FAILED" in text_of(render_pdf(record))[0][0]


def test_impact_ratio_uses_the_engines_tolerance():
    assert not _below(0.7999999999999999, 0.8)
    assert not _below(0.8, 0.8)
    assert _below(0.79, 0.8)
    assert not _below(None, 0.8) and not _below(0.5, None)


def test_explanations_section_in_points_with_the_columns_left_out(reviewed):
    record = copy.deepcopy(reviewed)
    record["explanations"] = {
        "method": "surrogate", "sample_size": 2000, "fidelity": {}, "global_importance": [],
        "by_group": [], "proxies": [],
        "left_out": [{"column": "income", "reason": "copies_label", "auc": 1.0,
                      "identical": True, "message": "income copies the true outcome (label)."}],
        "gap_attribution": [{
            "attribute": "sex", "group": "female", "reference": "male", "gap": -1.2,
            "gap_probability": -0.121, "observed_gap": -0.126, "unexplained": -0.005,
            "contributions": [{"feature": "relationship", "contribution": -0.6,
                               "probability": -0.0504},
                              {"feature": "occupation", "contribution": -0.6,
                               "probability": -0.0706}]}],
    }
    _, text = text_of(render_pdf(record))
    flat = " ".join(text.split())
    for words in ("Columns left out of the explanations", "income copies the true outcome",
                  "Gap attribution in percentage points", "−12.6", "−12.1", "−0.5",
                  "occupation −7.1; relationship −5.0"):
        assert words in flat, words


def test_charts_are_vector_drawings_naming_every_group(reviewed):
    """The rate charts are drawn as shapes and text (no image): each group's label with its
    size, and the panel titles in the outcome's words, can be read back from the page."""
    record = copy.deepcopy(reviewed)
    record["summary"]["outcome_meaning"] = "approved"
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(record))).pages
    texts = [page.extract_text() for page in pages]
    first = next(i for i, t in enumerate(texts)
                 if "Selection rate and true positive rate by group" in t)
    charts = "\n".join(texts[first:first + 2])
    assert "Selection rate (share approved)" in charts
    assert "True positive rate (approved among the truly approved)" in charts
    for g in record["groups"][:10]:
        assert f"{g['group']} (n={g['n']:,})" in charts, g["group"]
    for page in pages[first:first + 2]:
        xobjects = page["/Resources"].get("/XObject") or {}
        assert not [k for k, v in xobjects.items() if v.get_object().get("/Subtype") == "/Image"]
