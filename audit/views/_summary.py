"""The verdict in plain words first: one short line per attribute and criterion, the terms
in a glossary, and the statistics (tests, adjusted p-values) apart for whoever asks.

The Fairness page opens with `verdict_lines`; `GLOSSARY` goes in a help popover instead of
repeating each definition in every sentence; `tests_frame` is the statistical detail,
behind an expander on the page (it is in the PDF's tables and the JSON too).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from audit._words import (
    CRITERION_NAMES,
    STATUS_WORDS,
    format_against,
    format_interval,
    format_p,
)
from audit.engine import AuditResult, Finding

__all__ = ["GLOSSARY", "VerdictLine", "tests_frame", "verdict_lines"]

GLOSSARY: dict[str, str] = {
    "Four-fifths rule": (
        "Each group's selection rate divided by the highest group's (the impact ratio) should "
        "be at least 0.80 (the EEOC rule; NYC Local Law 144 reports the same ratio)."),
    "Equal opportunity": (
        "Among people whose true outcome was favorable, every group should get the favorable "
        "decision about as often: the largest gap in true positive rates stays within the "
        "threshold."),
    "Equalized odds": (
        "Equal opportunity, and also among people whose true outcome was not favorable: the "
        "largest gap in true or false positive rates stays within the threshold."),
    "Selection rate": "The share of a group given the favorable decision.",
    "True positive rate": (
        "Among people whose true outcome was favorable, the share given the favorable "
        "decision."),
    "False positive rate": (
        "Among people whose true outcome was not favorable, the share given the favorable "
        "decision anyway."),
    "Reference group": (
        "The group others are compared with in the ratio chart (the largest, unless chosen). "
        "The four-fifths table compares with the highest-rate category, as the rule says."),
    "Interval": (
        "The range the true value very likely lies in (95% unless set otherwise), given how "
        "many people the number rests on."),
    "Passes / fails / inconclusive": (
        "Passes: the whole interval is on the right side of the threshold. Fails: the whole "
        "interval is beyond it. Inconclusive: the interval straddles it, so the data cannot "
        "tell; more people would."),
    "Not judged": "Too few people in a group to judge the rate (see the sidebar's minimum).",
    "Adjusted p": (
        "How surprising a gap this size would be if the groups were treated alike, corrected "
        "for testing many comparisons at once (Holm). Small means unlikely to be chance."),
}


@dataclass(frozen=True)
class VerdictLine:
    """One finding in one line: ``status`` (for the colour) and ``text`` (markdown-free)."""

    finding_id: str
    attribute: str
    status: str
    text: str


def _line(finding: Finding, confidence: float) -> str:
    criterion = finding.criterion
    name = CRITERION_NAMES.get(criterion.metric, criterion.metric.replace("_", " "))
    bound = "at least" if criterion.bound == "min" else "at most"
    estimate = finding.estimate
    number = ("no number (too few people)" if not estimate.defined else
              f"{format_against(estimate.value, criterion.threshold)}"
              + ("" if estimate.ci_low != estimate.ci_low else
                 f" ({confidence:.0%} interval "
                 f"{format_interval(estimate.ci_low, estimate.ci_high, 2)})"))
    return (f"{finding.attribute} · {name} ({bound} {criterion.threshold:.2f}): "
            f"{STATUS_WORDS[finding.status]} — {number}")


def verdict_lines(result: AuditResult) -> tuple[VerdictLine, ...]:
    """One line per finding, in the engine's order: the attribute, the criterion and its
    threshold, the outcome, the number and its interval.

    ``sex · Four-fifths rule (at least 0.80): FAILS — 0.70 (95% interval 0.67–0.74)``
    """
    return tuple(VerdictLine(f"{f.criterion.metric}:{f.attribute}", f.attribute, f.status,
                             _line(f, result.spec.confidence)) for f in result.findings)


def tests_frame(result: AuditResult) -> pd.DataFrame:
    """The tests behind the findings: one row per test, with its p-value and the
    Holm-adjusted p-value used everywhere else."""
    rows = [{
        "attribute": f.attribute,
        "criterion": CRITERION_NAMES.get(f.criterion.metric, f.criterion.metric),
        "rate": t.metric.replace("_", " "), "test": t.test, "groups": " vs ".join(t.groups)
        if len(t.groups) <= 2 else f"{len(t.groups)} groups",
        "p": format_p(t.p_value), "adjusted p": format_p(t.p_adjusted),
    } for f in result.findings for t in f.tests]
    return pd.DataFrame(rows, columns=["attribute", "criterion", "rate", "test", "groups", "p",
                                       "adjusted p"])
