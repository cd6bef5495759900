"""The PDF's statistical detail behind the verdicts: score metrics per group, each group
against its reference, and the tests behind the findings, each read from the record alone.

The findings' sentences say the outcome, the number and its interval; the tests, their
p-values (adjusted within the attribute's family) and the smallest gaps the data could
detect are here, the same numbers as in the JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit._words import (
    METRIC_NAMES,
    format_estimate,
    format_number,
    format_p,
    format_percent,
)
from audit.record._pdf_doc import (
    CELL_LIMIT,
    Doc,
    confidence_words,
    criterion_title,
    detailed,
    esc,
    methods_of,
)

SCORE_COLUMNS = (("roc_auc", "ROC AUC"), ("brier_score", "Brier score"),
                 ("calibration_difference", "Calibration in the large"))
COMPARED = tuple((m, METRIC_NAMES[m]) for m in ("selection_rate", "true_positive_rate",
                                                 "false_positive_rate"))


def score_metrics_section(doc: Doc) -> None:
    """Per group: ROC AUC, Brier score and calibration-in-the-large, when there is a score."""
    record = doc.record
    groups = [g for g in record["groups"] if "roc_auc" in g["metrics"]]
    if not groups:
        return
    doc.h1(f"Score metrics with {confidence_words(record)} confidence intervals")
    methods = methods_of(g["metrics"].get(m) for g in groups for m, _ in SCORE_COLUMNS)
    doc.add(doc.para(
        "ROC AUC: how well the score ranks people with a favorable label above the others "
        "(0.5 is chance). Brier score: mean squared difference between the score and the "
        "label (lower is better). Calibration-in-the-large: mean score minus the share with "
        "a favorable label (0 is calibrated on average; it does not check calibration at "
        "each score). Brier and calibration need scores between 0 and 1."
        + (f" Intervals: {esc(methods)}." if methods else ""), "small"))
    for attribute in detailed(record)[0]:  # intersections of very many groups: the JSON
        rows = [[esc(g["group"], CELL_LIMIT), f"{g['n']:,}",
                 *(format_estimate(g["metrics"].get(name)) for name, _ in SCORE_COLUMNS)]
                for g in groups if g["attribute"] == attribute]
        if rows:
            doc.h2(esc(attribute))
            doc.add(doc.table(["Group", "n", *(label for _, label in SCORE_COLUMNS)], rows,
                              [1.6, 0.55, 1.55, 1.55, 1.75], numeric=(1, 2, 3, 4)))


def _flag(d: Mapping[str, Any]) -> str:
    if d.get("unknown"):
        return "unknown"
    return "too few" if d.get("small") else ""


def disparities_section(doc: Doc) -> None:
    """Each group against its attribute's reference on the criteria's rates."""
    record = doc.record
    if not record.get("disparities"):
        return
    doc.h1("Each group against the reference group")
    wanted = [name for name, _ in COMPARED]
    shown = [d for d in record["disparities"] if d["metric"] in wanted]
    methods = methods_of([d.get("difference") for d in shown] + [d.get("ratio") for d in shown])
    doc.add(doc.para(
        f"Difference = group − reference; ratio = group ÷ reference, each with its "
        f"{confidence_words(record)} interval" + (f" ({esc(methods)})" if methods else "")
        + ". Adjusted p: two-proportion z-test (Fisher's exact test for small counts), "
        "corrected within the attribute's test family. Smallest gap seen: the smallest "
        "difference the test would detect with 80% power at these sizes.", "small"))
    names = dict(COMPARED)
    for attribute in detailed(record)[0]:  # intersections of very many groups: the JSON
        items = [d for d in shown if d["attribute"] == attribute]
        if not items:
            continue
        doc.h2(f"{esc(attribute)} (reference: {esc(items[0]['reference'], CELL_LIMIT)})")
        rows = [[esc(d["group"], CELL_LIMIT), names[d["metric"]],
                 format_estimate(d["difference"]), format_estimate(d["ratio"]),
                 format_p(d.get("p_adjusted")),
                 format_percent(d.get("detectable_difference")), _flag(d)]
                for d in sorted(items, key=lambda d: (d["group"], wanted.index(d["metric"])))]
        doc.add(doc.table(["Group", "Rate", "Difference (CI)", "Ratio (CI)", "Adj. p",
                           "Smallest gap seen", "Notes"], rows,
                          [1.35, 0.95, 1.5, 1.35, 0.6, 0.75, 0.55], numeric=(2, 3, 4, 5)))


def tests_section(doc: Doc) -> None:
    """The test behind each finding, with its raw and family-adjusted p-value."""
    record = doc.record
    rows = []
    for f in record["findings"]:
        for t in f.get("tests", []):
            rows.append([f"{criterion_title(f['criterion'])} — {esc(f['attribute'])}",
                         esc(t["metric"].replace("_", " ")), esc(t["test"]),
                         format_p(t.get("p_value")), format_p(t.get("p_adjusted"))])
    if not rows:
        return
    doc.h1("The tests behind the findings")
    family = record["summary"].get("test_family")
    doc.add(doc.para(
        "A max − min criterion's omnibus test asks whether the rate is the same in every "
        "judged group; a pair of groups is named in a finding only when this test is "
        "significant and the pair's simultaneous interval excludes no difference. The "
        "four-fifths rule's test compares the lowest category with the comparator."
        + (f" Test families: {esc(family)}" if family else ""), "small"))
    doc.add(doc.table(["Finding", "Rate", "Test", "p", "Adjusted p"], rows,
                      [2.2, 1.1, 2.3, 0.6, 0.8], numeric=(3, 4)))
    needed = [(f, f["people_needed"]) for f in record["findings"]
              if f.get("status") == "inconclusive" and f.get("people_needed") is not None]
    if needed:
        doc.add(doc.para("Inconclusive findings, and about how many more people per group "
                         "would decide them: " + "; ".join(
                             f"{criterion_title(f['criterion'])} — {esc(f['attribute'])}: "
                             f"{people:,.0f} ({format_number(f.get('scale'), 1)}× the present "
                             "numbers)" for f, people in needed) + ".", "small"))
