"""Judge each criterion on each attribute and say the result in plain words.

Only groups that can be judged take part: a group of a known category, with at least
``min_group_size`` rows and (for impact ratios) at least 2% of the data. Groups left out
are named in the message, never silently dropped. With fewer than two such groups the
criterion is ``insufficient_data``, not a pass.
"""

from __future__ import annotations

import numpy as np

from audit._words import listed, rule_name
from audit.engine._attribute import AttributeView
from audit.engine._counts import interval, rate_parts
from audit.engine._stats import holm, two_proportion_test
from audit.engine._types import AdverseImpactTable, Estimate, Finding, Status
from audit.inputs import AuditSpec, Criterion

RATE_WORDS = {
    "selection_rate": "selection rates (share given {fav!r})",
    "true_positive_rate":
        "true positive rates (share given {fav!r} among those whose label is {fav!r})",
    "false_positive_rate":
        "false positive rates (share given {fav!r} among those whose label is not)",
}
SPAN_METRICS = {
    "equal_opportunity_difference": ("true_positive_rate",),
    "equalized_odds_difference": ("true_positive_rate", "false_positive_rate"),
    "demographic_parity_difference": ("selection_rate",),
}


def _ci(estimate: Estimate, confidence: float, digits: str = ".2f") -> str:
    if np.isnan(estimate.ci_low):
        return ""
    return f" ({confidence:.0%} CI {estimate.ci_low:{digits}}–{estimate.ci_high:{digits}})"


def _significance(p_adjusted: float, alpha: float) -> str:
    if np.isnan(p_adjusted):
        return ""
    if p_adjusted < alpha:
        return f" The gap is statistically significant (Holm-adjusted p = {p_adjusted:.2g})."
    return (f" The gap is not statistically significant (Holm-adjusted p = {p_adjusted:.2g}): "
            "it could be chance.")


def _excluded_note(names: list[str]) -> str:
    if not names:
        return ""
    return f" Not judged (too small, under 2% of the data, or unknown): {listed(names)}."


def findings(views: list[AttributeView], impact: list[AdverseImpactTable], spec: AuditSpec,
             favorable: str) -> tuple[Finding, ...]:
    """One finding per criterion per attribute, with Holm-corrected significance."""
    drafts: list[tuple[Finding, float]] = []
    tables = {t.attribute: t for t in impact}
    for view in views:
        for criterion in spec.criteria:
            if criterion.metric == "impact_ratio":
                drafts.append(_impact_finding(tables[view.grouping.attribute], criterion, spec,
                                              favorable))
            else:
                drafts.append(_span_finding(view, criterion, spec, favorable))
    adjusted = holm(np.array([p for _, p in drafts], dtype=float))
    out = []
    for (finding, _), p in zip(drafts, adjusted, strict=True):
        if finding.status == "insufficient_data" or np.isnan(p):
            out.append(finding)
            continue
        out.append(Finding(
            criterion=finding.criterion, attribute=finding.attribute, status=finding.status,
            estimate=finding.estimate, groups=finding.groups,
            message=finding.message + _significance(float(p), spec.alpha),
            significant=bool(p < spec.alpha),
        ))
    return tuple(out)


def _insufficient(criterion: Criterion, attribute: str,
                  excluded: list[str]) -> tuple[Finding, float]:
    message = (f"{attribute}: fewer than two groups are large enough to judge "
               f"{rule_name(criterion.metric, criterion.threshold)}; no verdict."
               + _excluded_note(excluded))
    nan = float("nan")
    return Finding(criterion, attribute, "insufficient_data", Estimate(nan, nan, nan), (),
                   message), nan


def _impact_finding(table: AdverseImpactTable, criterion: Criterion, spec: AuditSpec,
                    favorable: str) -> tuple[Finding, float]:
    judged = [r for r in table.rows if not (r.unknown or r.under_2_percent or r.small)]
    excluded = [f"{r.category} (n={r.n})" for r in table.rows if r not in judged]
    others = [r for r in judged if r.category != table.highest_category]
    top = next(r for r in table.rows if r.category == table.highest_category)
    if not others or top not in judged:
        return _insufficient(criterion, table.attribute, excluded)
    if top.selection_rate == 0:  # nobody judged gets the outcome: every ratio is 0 / 0
        nan = float("nan")
        message = (f"{table.attribute}: no group gets {favorable!r}, so the impact ratios are "
                   f"undefined and {rule_name(criterion.metric, criterion.threshold)}"
                   " cannot be applied; no verdict." + _excluded_note(excluded))
        return Finding(criterion, table.attribute, "insufficient_data", Estimate(nan, nan, nan),
                       (), message), nan
    worst = min(others, key=lambda r: r.impact_ratio.value)
    status: Status = "pass" if criterion.passes(worst.impact_ratio.value) else "fail"
    rule = rule_name(criterion.metric, criterion.threshold)
    if status == "fail":
        failing = [r for r in others if not criterion.passes(r.impact_ratio.value)]
        message = (
            f"{table.attribute}: {worst.category} get {favorable!r} at "
            f"{worst.impact_ratio.value:.2f} times the rate of {top.category}"
            f"{_ci(worst.impact_ratio, spec.confidence)} ({worst.selection_rate:.1%} against "
            f"{top.selection_rate:.1%}). This fails {rule}."
        )
        if len(failing) > 1:
            message += " Also below: " + listed(
                [f"{r.category} ({r.impact_ratio.value:.2f})" for r in failing if r is not worst]
            ) + "."
    else:
        message = (
            f"{table.attribute}: every group gets {favorable!r} at {worst.impact_ratio.value:.2f}"
            f" or more times the rate of {top.category}, the group selected most "
            f"({top.selection_rate:.1%}); the lowest is {worst.category}"
            f"{_ci(worst.impact_ratio, spec.confidence)}. This passes {rule}."
        )
    return Finding(criterion, table.attribute, status, worst.impact_ratio,
                   (worst.category, top.category), message + _excluded_note(excluded)
                   ), worst.p_value


def _row_span(reps: np.ndarray) -> np.ndarray:
    """max − min of each replicate over the defined groups; nan with fewer than two."""
    defined = np.isfinite(reps)
    high = np.where(defined, reps, -np.inf).max(axis=1, initial=-np.inf)
    low = np.where(defined, reps, np.inf).min(axis=1, initial=np.inf)
    return np.where(defined.sum(axis=1) >= 2, high - low, np.nan)


def _span_finding(view: AttributeView, criterion: Criterion, spec: AuditSpec,
                  favorable: str) -> tuple[Finding, float]:
    labels = view.grouping.labels
    judged_mask = ~view.grouping.unknown & (view.n >= spec.min_group_size)
    excluded = [f"{labels[g]} (n={int(view.n[g])})" for g in np.flatnonzero(~judged_mask)]
    gaps: list[tuple[float, str, int, int]] = []
    spans = []
    for metric in SPAN_METRICS[criterion.metric]:
        values = np.where(judged_mask, view.point[metric], np.nan)
        reps = np.where(judged_mask, view.reps[metric], np.nan)
        if np.isfinite(values).sum() < 2:
            continue
        high, low = int(np.nanargmax(values)), int(np.nanargmin(values))
        gaps.append((float(values[high] - values[low]), metric, high, low))
        spans.append(_row_span(reps))
    if not gaps:
        return _insufficient(criterion, view.grouping.attribute, excluded)
    gap, metric, high, low = max(gaps, key=lambda item: item[0])
    rep_span = np.fmax.reduce(np.vstack(spans), axis=0) if spans[0].size else np.empty(0)
    lo, hi = interval(rep_span.reshape(-1, 1), confidence=spec.confidence)
    estimate = Estimate(gap, float(lo[0]), float(hi[0]))
    status: Status = "pass" if criterion.passes(gap) else "fail"
    rule = rule_name(criterion.metric, criterion.threshold)

    def gap_words(item: tuple[float, str, int, int]) -> str:
        size, name, top, bottom = item
        return (f"{RATE_WORDS[name].format(fav=favorable)} differ by up to {size:.2f}, "
                f"between {labels[top]} ({view.point[name][top]:.2f}) and {labels[bottom]} "
                f"({view.point[name][bottom]:.2f})")

    verdict = "passes" if status == "pass" else "fails"
    if len(gaps) == 1:
        message = (f"{view.grouping.attribute}: {gap_words(gaps[0])}"
                   f"{_ci(estimate, spec.confidence)}. This {verdict} {rule}.")
    else:
        message = (f"{view.grouping.attribute}: {'; '.join(gap_words(g) for g in gaps)}. "
                   f"The larger gap, {gap:.2f}{_ci(estimate, spec.confidence)}, {verdict} "
                   f"{rule}.")
    num, den = rate_parts(view.counts, metric)
    p, _ = two_proportion_test(num[[high]], den[[high]], num[[low]], den[[low]])
    return Finding(criterion, view.grouping.attribute, status, estimate,
                   (labels[high], labels[low]), message + _excluded_note(excluded)), float(p[0])
