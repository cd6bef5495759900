"""The product's own words, with one owner: status and verdict labels, criterion names,
number formats, the pass tolerance and how a long list is cut short.

The CLI, the dashboard's pages, the PDF, compare and the history all read them from here,
so that one audit is never called "passes" in one place and "NO VERDICT" in another.

Two levels of outcome:

- a *finding* (one criterion on one attribute) has a **status**: ``pass``, ``fail``,
  ``inconclusive`` (its interval straddles the threshold) or ``not_judged`` (too few
  people to judge). Records written before the three-outcome rule say
  ``insufficient_data`` for ``not_judged``; `status_label` reads both.
- an *audit* has a **verdict**: ``fail`` if any finding fails; else ``inconclusive`` if any
  is inconclusive; else ``pass`` if any was judged; else ``no_verdict``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "CRITERION_NAMES",
    "CRITERION_TITLES",
    "DECISION_CHOICES",
    "DECISION_LABELS",
    "DEFAULT_UNKNOWN_VALUES",
    "DENOMINATOR_WORDS",
    "JUDGEMENT_WORDS",
    "METRIC_NAMES",
    "IN_HISTORY",
    "NOTES_LEFT_OVER",
    "NOT_SIGNED",
    "PDF_FAILED",
    "PASS_TOLERANCE",
    "SAVED_TO_HISTORY",
    "SEALED",
    "SIGNED_BY",
    "SIGNING_KEY_UNUSABLE",
    "STATUS_LABELS",
    "STATUS_WORDS",
    "TOO_FEW",
    "UNDER_2_PERCENT_JUSTIFICATION",
    "VERDICT_LABELS",
    "Verdict",
    "clip",
    "format_against",
    "format_estimate",
    "format_interval",
    "format_number",
    "format_p",
    "format_percent",
    "given_words",
    "label_words",
    "outcome_label",
    "outcome_verb",
    "listed",
    "people",
    "people_needed_words",
    "quoted",
    "reference_note",
    "rule_name",
    "second_look",
    "second_looks",
    "status_label",
    "verdict_detail",
    "verdict_label",
    "verdict_of",
]

Verdict = Literal["pass", "fail", "inconclusive", "no_verdict"]

# A value this close to a threshold is on the passing side: 0.8 passes "at least 0.80" even
# when it was computed as 0.7999999999999999.
PASS_TOLERANCE = 1e-12

# a finding's status, as a badge (CLI lines, Review page, PDF grid)
STATUS_LABELS: dict[str, str] = {
    "pass": "PASS",
    "fail": "FAIL",
    "inconclusive": "INCONCLUSIVE",
    "not_judged": "NOT JUDGED",
    "insufficient_data": "NOT JUDGED",
}
# a finding's status inside a sentence or a table cell
STATUS_WORDS: dict[str, str] = {
    "pass": "passes",
    "fail": "FAILS",
    "inconclusive": "inconclusive (the data cannot tell)",
    "not_judged": "not judged (too few people)",
    "insufficient_data": "not judged (too few people)",
}
# the audit's overall verdict (banner, CLI last line, history, compare)
VERDICT_LABELS: dict[str, str] = {
    "pass": "PASSED",
    "fail": "FAILED",
    "inconclusive": "INCONCLUSIVE",
    "no_verdict": "NO VERDICT",
}

# short names (tables, column heads) and titles (the PDF) of the criteria
CRITERION_NAMES: dict[str, str] = {
    "impact_ratio": "Four-fifths rule",
    "equal_opportunity_difference": "Equal opportunity",
    "equalized_odds_difference": "Equalized odds",
    "demographic_parity_difference": "Demographic parity",
}
CRITERION_TITLES: dict[str, str] = {
    "impact_ratio": "Impact ratio (four-fifths rule)",
    "equal_opportunity_difference": "Equal opportunity difference",
    "equalized_odds_difference": "Equalized odds difference",
    "demographic_parity_difference": "Demographic parity difference",
}
_RULES: dict[str, str] = {
    "impact_ratio": "the four-fifths rule (impact ratio at least {t:.2f})",
    "equal_opportunity_difference": "equal opportunity (true positive rates within {t:.2f})",
    "equalized_odds_difference": "equalized odds (true and false positive rates within {t:.2f})",
    "demographic_parity_difference": "demographic parity (selection rates within {t:.2f})",
}

# a per-group metric in plain words (fairlearn's name -> words): charts, tables, findings
METRIC_NAMES: dict[str, str] = {
    "selection_rate": "selection rate",
    "true_positive_rate": "true positive rate",
    "false_positive_rate": "false positive rate",
    "true_negative_rate": "true negative rate",
    "false_negative_rate": "false negative rate",
    "positive_predictive_value": "positive predictive value (precision)",
    "negative_predictive_value": "negative predictive value",
    "false_discovery_rate": "false discovery rate",
    "false_omission_rate": "false omission rate",
    "accuracy": "accuracy",
    "base_rate": "base rate (share with a favorable label)",
    "roc_auc": "ROC AUC",
    "brier_score": "Brier score",
    "mean_score": "mean score",
    "calibration_difference": "calibration-in-the-large (mean score − share with a favorable "
                              "label)",
    "scoring_rate": "scoring rate (share scoring above the median)",
}

# how a criterion is judged (AuditSpec.judgement)
JUDGEMENT_WORDS: dict[str, str] = {
    "interval": ("the whole confidence interval must lie within the threshold to pass; wholly "
                 "beyond it fails; an interval that straddles it is inconclusive"),
    "point": ("the point value alone is compared with the threshold (the conventional rule); "
              "intervals are shown but do not decide"),
}

# a rate rests on the people in its denominator (AuditSpec.min_denominator)
TOO_FEW = "too few to judge this rate"
DENOMINATOR_WORDS: dict[str, str] = {
    "selection_rate": "",
    "true_positive_rate": " with a favorable label",
    "false_positive_rate": " without a favorable label",
    "scoring_rate": "",
}

# "Unknown" categories of a sensitive column (AuditSpec.unknown_values): NYC LL144's usual
# wordings first, then other common ones. Compared without case or surrounding spaces.
DEFAULT_UNKNOWN_VALUES: tuple[str, ...] = (
    "Unknown", "Not reported", "Prefer not to answer", "Decline to self-identify",
    "Not disclosed", "Choose not to disclose", "Missing", "Not specified", "Unspecified",
    "Undisclosed", "Prefer not to say", "Declined", "Declined to state", "?", "None",
    "Other/Unknown",
)
UNDER_2_PERCENT_JUSTIFICATION = (
    "Categories with under 2% of the data are too small for a stable impact ratio; 6 RCNY "
    "§5-301 lets the auditor leave them out of the impact-ratio calculations. Their numbers "
    "of people and their rates are reported.")

# the board's decision: as a choice to make (Review page) and as a fact (PDF, history)
DECISION_CHOICES: dict[str, str] = {
    "approve": "Approve",
    "approve_with_conditions": "Approve with conditions",
    "reject": "Reject",
}
DECISION_LABELS: dict[str, str] = {
    "approve": "Approved",
    "approve_with_conditions": "Approved with conditions",
    "reject": "Rejected",
}
NOT_REVIEWED = "Not reviewed"
# a review note whose finding changed verdict (a criterion changed) or is gone from the audit
_SECOND_LOOK = ("Look at this note again: the verdict on this finding changed from {before} to "
                "{now} since it was written ({why}). Saving the review confirms it.")
_SECOND_LOOK_ALL = ("{count} note(s) were written when their finding had another verdict; "
                    "they are marked below. Saving the review confirms them.")
NOTES_LEFT_OVER = ("Notes on findings this audit no longer has (kept here, not in the record "
                   "until the finding is back):")

# the record filed, sealed, or not made: the dashboard's and the CLI's lines
SAVED_TO_HISTORY = "Saved to the audit history as #{seq}. Record sha256: {sha}"
IN_HISTORY = "This record is in the audit history as #{seq}."
SEALED = ("Sealed {pdf}: the record is embedded; its fingerprint (sha256 of {json}) is {sha}; "
          "{signed}.")
SIGNED_BY = "digitally signed by {name}"
NOT_SIGNED = ("not digitally signed (set AUDIT_SIGNING_KEY and AUDIT_SIGNING_CERT to sign; the "
              "PDF says so)")
PDF_FAILED = ("The PDF record could not be made: this is a fault in the tool, not in your "
              "data or your review, and it has been logged for whoever runs this server. "
              "The review is unaffected: download the JSON record, save it to the history, and "
              "please report the problem.")
# board members read this; the reason, with the server's file paths, goes to the server log
SIGNING_KEY_UNUSABLE = ("The server's signing key could not be loaded, so the PDF record is "
                        "not offered; the JSON record and saving to the history are "
                        "unaffected. The operator has the details in the server log.")

NULL = "—"  # how an undefined number is printed everywhere
CLIP = 80  # characters of a name or value quoted in a message
LIST_LIMIT = 6  # names listed in a sentence before "and N more"


def outcome_verb(favorable: str, meaning: str = "", *, plural: bool = True) -> str:
    """What a group gets, in a sentence: ``are approved`` (with the outcome's meaning), else
    ``get '1'``; ``is approved`` / ``gets '1'`` for one group."""
    if meaning:
        return f"{'are' if plural else 'is'} {meaning}"
    return f"{'get' if plural else 'gets'} {favorable!r}"


def given_words(favorable: str, meaning: str = "") -> str:
    """The model's favorable decision after "share": ``approved``, else ``given '1'``."""
    return meaning or f"given {favorable!r}"


def label_words(favorable: str, meaning: str = "", *, negate: bool = False) -> str:
    """Whose true outcome is (not) favorable: ``whose true outcome is approved ('1')`` /
    ``whose true outcome is not approved``; without a meaning ``whose label is '1'`` /
    ``whose label is not``."""
    if meaning:
        return (f"whose true outcome is not {meaning}" if negate
                else f"whose true outcome is {meaning} ({favorable!r})")
    return "whose label is not" if negate else f"whose label is {favorable!r}"


def outcome_label(favorable: str, meaning: str = "") -> str:
    """The favorable outcome for a caption or a table: ``'1' (approved)``, else ``'1'``."""
    return f"{favorable!r} ({meaning})" if meaning else repr(favorable)


def reference_note(attribute: str, *, reference: str, highest: str, chosen: bool) -> str:
    """Why an attribute's ratio chart and adverse-impact table may compare with different
    groups, said next to them: the chart uses the reference group (chosen, or the largest
    group), the table the highest-rate category, as the four-fifths rule and NYC LL144 ask."""
    how = "chosen" if chosen else "the largest group"
    if reference == highest:
        return (f"{attribute}: the ratio chart and the adverse-impact table both compare with "
                f"{reference}, the reference group ({how}) and also the highest-rate "
                "category.")
    return (f"{attribute}: two comparisons, on purpose. The ratio chart compares each group "
            f"with the reference group, {reference} ({how}); the adverse-impact table "
            f"compares with the highest-rate category, {highest}, as the four-fifths rule "
            "(EEOC) and NYC Local Law 144 ask.")


def rule_name(metric: str, threshold: float) -> str:
    """A criterion in words with its threshold: ``the four-fifths rule (impact ratio at least
    0.80)``."""
    return _RULES.get(metric, metric.replace("_", " ") + " ({t:.2f})").format(t=threshold)


def second_look(before: str, now: str, *, why: str = "a criterion changed") -> str:
    """Why a review note is marked for a second look: its finding's status moved from
    ``before`` to ``now`` (``FAIL`` to ``INCONCLUSIVE``)."""
    return _SECOND_LOOK.format(before=status_label(before), now=status_label(now), why=why)


def second_looks(count: int) -> str:
    """Above the notes, when ``count`` of them are marked by `second_look`."""
    return _SECOND_LOOK_ALL.format(count=count)


def people(count: int, metric: str = "selection_rate") -> str:
    """``1 person``, ``12 people``, ``3 people with a favorable label`` (the denominator of
    ``metric``)."""
    return f"{count:,} {'person' if count == 1 else 'people'}{DENOMINATOR_WORDS.get(metric, '')}"


def people_needed_words(additional: float, scale: float) -> str:
    """How much more data would decide an inconclusive finding, in a clause:
    ``about 1,200 more people per group would (2.5 times as many)``."""
    if math.isnan(additional):
        return "more data might"
    if math.isinf(additional):
        return ("no amount of data would, because the value measured sits on the threshold "
                "itself")
    shown = float(f"{additional:.2g}") if additional >= 100 else math.ceil(additional)
    return (f"about {shown:,.0f} more people per group would ({scale:.1f} times as many)"
            if scale >= 1.05 else f"about {shown:,.0f} more people per group would")


def status_label(status: str) -> str:
    """A finding's badge (``PASS``, ``FAIL``, ``INCONCLUSIVE``, ``NOT JUDGED``)."""
    return STATUS_LABELS.get(status, status.upper())


def verdict_of(summary: Mapping[str, Any]) -> Verdict:
    """The overall verdict of a record's ``summary``, also for records that predate the
    ``verdict`` field (they hold only ``passed``)."""
    verdict = summary.get("verdict")
    if verdict in VERDICT_LABELS:
        return verdict  # type: ignore[no-any-return]
    return "pass" if summary.get("passed") else "fail"


def verdict_label(verdict: str) -> str:
    """``PASSED``, ``FAILED``, ``INCONCLUSIVE`` or ``NO VERDICT``."""
    return VERDICT_LABELS.get(verdict, verdict.upper())


def verdict_detail(verdict: str, statuses: Sequence[str]) -> str:
    """One line under the verdict: how many criteria failed, were inconclusive or unjudged."""
    total = len(statuses)
    failed = sum(s == "fail" for s in statuses)
    unsure = sum(s == "inconclusive" for s in statuses)
    unjudged = sum(s in ("not_judged", "insufficient_data") for s in statuses)
    if verdict == "no_verdict":
        return (f"No criterion failed, but {unjudged} of {total} could not be judged (too "
                "little data), so the audit neither passes nor fails.")
    if verdict == "pass":
        detail = f"All {total - unjudged} judged criteria passed."
    elif verdict == "inconclusive":
        detail = (f"No criterion failed, but for {unsure} of {total} the data cannot tell "
                  "whether it is met.")
    else:
        detail = f"{failed} of {total} criteria failed."
    if unjudged:
        detail += f" {unjudged} could not be judged (too little data)."
    return detail


def _undefined(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | int | None, digits: int = 3) -> str:
    """Fixed decimals with a true minus sign; an em dash when undefined (None or nan)."""
    if _undefined(value):
        return NULL
    return f"{value:.{digits}f}".replace("-", "−")


def format_percent(value: float | None, digits: int = 1) -> str:
    """``41.6%``; an em dash when undefined."""
    if _undefined(value):
        return NULL
    return f"{value:.{digits}%}".replace("-", "−")


def format_p(value: float | None) -> str:
    """A p-value: ``< 0.001`` for tiny ones, three decimals otherwise; em dash if undefined."""
    if _undefined(value):
        return NULL
    assert value is not None
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def format_against(value: float, threshold: float, digits: int = 2) -> str:
    """``value`` with as many decimals as it takes not to print equal to ``threshold`` when
    it is not (a gap of 0.1046 against 0.10 prints ``0.105``, never ``0.10``)."""
    if _undefined(value):
        return NULL
    shown = digits
    while (shown < 6 and abs(value - threshold) > PASS_TOLERANCE
           and format_number(value, shown) == format_number(threshold, shown)):
        shown += 1
    return format_number(value, shown)


def format_interval(low: float | None, high: float | None, digits: int = 3) -> str:
    """``0.669–0.738``, ``−0.22 to −0.16`` (a dash would read as a minus); em dash if undefined."""
    if _undefined(low) or _undefined(high):
        return NULL
    a, b = format_number(low, digits), format_number(high, digits)
    return f"{a}{' to ' if '−' in a + b else '–'}{b}"


def format_estimate(estimate: Mapping[str, Any] | None, digits: int = 3) -> str:
    """An estimate of a record (``{value, ci_low, ci_high}``): ``0.703 (0.669–0.738)``."""
    if not estimate or _undefined(estimate.get("value")):
        return NULL
    text = format_number(estimate["value"], digits)
    if not (_undefined(estimate.get("ci_low")) or _undefined(estimate.get("ci_high"))):
        text += f" ({format_interval(estimate['ci_low'], estimate['ci_high'], digits)})"
    return text


def clip(text: object, limit: int = CLIP) -> str:
    """A name or value from a file shortened to ``limit`` characters, so that a message
    stays readable (a 50 MB cell is quoted as its first characters and an ellipsis)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed(names: Iterable[str], limit: int = LIST_LIMIT) -> str:
    """At most ``limit`` names, then how many more: ``a, b, c and 4 more``."""
    names = list(names)
    shown = ", ".join(clip(n) for n in names[:limit])
    more = len(names) - limit
    return shown + (f" and {more:,} more" if more > 0 else "")


def quoted(values: Iterable[object], limit: int = 5) -> str:
    """``'a', 'b', 'c'`` for at most ``limit`` values (each clipped), then how many more."""
    values = list(values)
    shown = ", ".join(repr(clip(v)) for v in values[:limit])
    more = len(values) - limit
    return shown + (f" and {more:,} more" if more > 0 else "")
