"""Judge each criterion on each attribute, with three outcomes, and say it in plain words.

A criterion is judged on the groups that can be judged: of a known category, with at least
``min_denominator`` people behind each rate it uses (everyone for a selection rate, those
with a favorable label for a true positive rate, those without for a false positive rate)
and, for impact ratios, at least 2% of the data. Groups left out are named with the count
that left them out, never silently dropped; with fewer than two the finding is
``not_judged``. Equalized odds needs both rates of a group: it never passes a group on its
false positive rate alone.

With ``judgement = "interval"`` (the default) a finding **fails** when its interval lies
wholly beyond the threshold, **passes** when wholly within, and is **inconclusive** when it
straddles; the sentence then says about how many more people per group would decide it.
``judgement = "point"`` applies the plain rule to the point value.

- The four-fifths rule: each judged category's impact ratio against the comparator (the
  highest selection rate not excluded, as NYC LL144 defines it), with its Koopman interval.
- Max − min criteria (equal opportunity, equalized odds, demographic parity): the
  simultaneous interval for the largest gap (`span_interval`), which is not biased upward
  as the plug-in gap is. A pair of groups is named only when the omnibus test across the
  judged groups is significant within the attribute's family *and* the pair's simultaneous
  interval excludes 0.

Drafting happens before the audit's p-values are adjusted (`audit.engine._family`): each
draft enters its tests, and is finished with the adjusted values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from audit._words import (
    LIST_LIMIT,
    METRIC_NAMES,
    TOO_FEW,
    clip,
    format_against,
    format_interval,
    given_words,
    label_words,
    listed,
    outcome_verb,
    people,
    people_needed_words,
    rule_name,
)
from audit.engine._attribute import AttributeView
from audit.engine._family import TestFamilies, omnibus_key, pair_key
from audit.engine._intervals import (
    IMPACT_BONFERRONI,
    homogeneity_test,
    impact_interval,
    judge_interval,
    judge_point,
)
from audit.engine._power import people_needed_impact, people_needed_span
from audit.engine._types import AdverseImpactRow, AdverseImpactTable, Estimate, Finding, Test
from audit.inputs import AuditSpec, Criterion

RATE_WORDS = {
    "selection_rate": "selection rates (share {given})",
    "true_positive_rate": "true positive rates (share {given} among those {label})",
    "false_positive_rate": "false positive rates (share {given} among those {not_label})",
}
SPAN_METRICS = {
    "equal_opportunity_difference": ("true_positive_rate",),
    "equalized_odds_difference": ("true_positive_rate", "false_positive_rate"),
    "demographic_parity_difference": ("selection_rate",),
}
NAN = float("nan")
PEOPLE_ROUNDS = 1  # "about N more people" (2 significant figures): the scale within 1.1%

Finisher = Callable[[TestFamilies], Finding]


def draft_findings(views: Sequence[AttributeView], tables: Mapping[str, AdverseImpactTable],
                   spec: AuditSpec, favorable: str,
                   families: TestFamilies) -> list[Finisher]:
    """One draft per criterion per attribute; each enters its tests in ``families``."""
    drafts = []
    for view in views:
        for criterion in spec.criteria:
            if criterion.metric == "impact_ratio":
                drafts.append(_impact(tables[view.attribute], criterion, spec, favorable))
            else:
                drafts.append(_span(view, criterion, spec, favorable, families))
    return drafts


def _judge(estimate: Estimate, criterion: Criterion, judgement: str) -> str:
    if judgement == "point":
        return str(judge_point(estimate.value, threshold=criterion.threshold,
                               bound=criterion.bound))
    return str(judge_interval(estimate.ci_low, estimate.ci_high, threshold=criterion.threshold,
                              bound=criterion.bound))


def _ci(estimate: Estimate, spec: AuditSpec, simultaneous: bool = False) -> str:
    if np.isnan(estimate.ci_low):
        return ""
    kind = " simultaneous" if simultaneous else ""
    return (f"{spec.confidence:.0%}{kind} CI "
            f"{format_interval(estimate.ci_low, estimate.ci_high, 2)}")


def _outcome(status: str, criterion: Criterion, spec: AuditSpec, rule: str) -> str:
    """``This fails <rule>: the whole interval is below 0.80.`` and the like."""
    verb = "passes" if status == "pass" else "fails"
    if spec.judgement == "point":
        return f"Judged on the point value, this {verb} {rule}."
    where = {("fail", "min"): "below", ("fail", "max"): "above",
             ("pass", "min"): "at or above", ("pass", "max"): "within"}[(status, criterion.bound)]
    return f"This {verb} {rule}: the whole interval is {where} {criterion.threshold:.2f}."


def _not_judged_note(reasons: Sequence[str]) -> str:
    """`` Not judged: a (unknown category, 60 people); b (...) and 3 more.``"""
    if not reasons:
        return ""
    more = len(reasons) - LIST_LIMIT
    return (" Not judged: " + "; ".join(reasons[:LIST_LIMIT])
            + (f"; and {more:,} more" if more > 0 else "") + ".")


def _reason(label: str, why: str) -> str:
    return f"{clip(label)} ({why})"


def _too_few(count: int, metric: str, minimum: int) -> str:
    return f"{TOO_FEW}: {people(count, metric)}, fewer than {minimum}"


def rate_words(metric: str, favorable: str, meaning: str = "") -> str:
    """``selection rates (share approved)``, ``true positive rates (share given '1' among
    those whose label is '1')``: a rate in words, with the outcome's meaning when given."""
    return RATE_WORDS[metric].format(
        given=given_words(favorable, meaning), label=label_words(favorable, meaning),
        not_label=label_words(favorable, meaning, negate=True))


def _not_judged(criterion: Criterion, attribute: str, reason: str,
                excluded: Sequence[str], spec: AuditSpec) -> Finisher:
    nan = Estimate(NAN, NAN, NAN)
    finding = Finding(criterion, attribute, "not_judged", nan, (), f"{attribute}: {reason}"
                      + _not_judged_note(excluded), not_judged=tuple(excluded),
                      judgement=spec.judgement)
    return lambda families: finding


# --- the four-fifths rule ---------------------------------------------------------------


def _row_reason(row: AdverseImpactRow, minimum: int) -> str:
    if row.unknown:
        return _reason(row.category, f"unknown category, {people(row.n)}")
    if row.under_2_percent:
        return _reason(row.category, f"under 2% of the data, {people(row.n)}")
    return _reason(row.category, _too_few(row.n, "selection_rate", minimum))


def _impact(table: AdverseImpactTable, criterion: Criterion, spec: AuditSpec,
            favorable: str) -> Finisher:
    """The four-fifths rule on the judged categories of a selection-rate table.

    Each category's impact ratio is the table's (its rate over the comparator's, the law's
    point value); its interval here is simultaneous over the judged categories and holds for
    the ratio to the highest *true* rate (`impact_interval`), because the comparator is
    chosen as the highest observed rate, which is too high on average: the comparator's own
    ratio is judged too (another group may truly be the highest).
    """
    attribute, minimum = table.attribute, spec.min_denominator
    rule = rule_name(criterion.metric, criterion.threshold)
    top = next(r for r in table.rows if r.category == table.highest_category)
    judged = [r for r in table.rows if not (r.unknown or r.under_2_percent or r.n < minimum)]
    excluded = [_row_reason(r, minimum) for r in table.rows if r not in judged]
    if top not in judged:
        return _not_judged(criterion, attribute, (
            f"the comparator, {top.category} (the highest selection rate), rests on "
            f"{people(top.n)}, {TOO_FEW}; {rule} is not judged."), excluded, spec)
    if len(judged) < 2:
        return _not_judged(criterion, attribute, (
            f"fewer than two groups can be judged on {rule}; not judged."), excluded, spec)
    if top.selection_rate == 0:
        return _not_judged(criterion, attribute, (
            f"no group {outcome_verb(favorable, spec.outcome_meaning, plural=False)}, so "
            "the impact ratios are undefined and {rule} "
            "cannot be applied; not judged."), excluded, spec)
    xs = np.array([r.selected for r in judged], dtype=float)
    ns = np.array([r.n for r in judged], dtype=float)
    low, high = impact_interval(xs, ns, confidence=spec.confidence)
    estimates = [Estimate(r.impact_ratio.value, float(lo), float(hi), IMPACT_BONFERRONI)
                 for r, lo, hi in zip(judged, low, high, strict=True)]
    statuses = [_judge(e, criterion, spec.judgement) for e in estimates]
    status = next(s for s in ("fail", "inconclusive", "pass") if s in statuses)
    ranked = sorted((e.value, r is top, i) for i, (r, e, s) in enumerate(
        zip(judged, estimates, statuses, strict=True)) if s == status)
    focus_index = ranked[0][2]  # the lowest ratio of that status; the comparator last
    focus, ratio = judged[focus_index], estimates[focus_index]
    others = [r for r in judged if r is not top]
    lowest = min(others, key=lambda r: r.impact_ratio.value)
    interval = _ci(ratio, spec, simultaneous=True)
    if focus is top:
        ratio_words = (f"{top.category}, the group selected most ({top.selection_rate:.1%}), "
                       "could be selected at under "
                       f"{criterion.threshold:.2f} times the rate of another group ({interval} "
                       "for its ratio to the highest true rate)")
    else:
        ratio_words = (f"{focus.category} {outcome_verb(favorable, spec.outcome_meaning)} at "
                       f"{format_against(ratio.value, criterion.threshold)} times the rate of "
                       f"{top.category} ({interval}; {focus.selection_rate:.1%} against "
                       f"{top.selection_rate:.1%})")
    people_more, scale = NAN, NAN
    if status == "fail":
        message = f"{attribute}: {ratio_words}. {_outcome(status, criterion, spec, rule)}"
        also = [r for r, s in zip(judged, statuses, strict=True)
                if s == "fail" and r is not focus]
        if also:
            message += " Also below: " + listed(
                [f"{clip(r.category)} ({r.impact_ratio.value:.2f})" for r in also]) + "."
    elif status == "inconclusive":
        need = people_needed_impact(xs, ns, threshold=criterion.threshold,
                                    confidence=spec.confidence, rounds=PEOPLE_ROUNDS)
        people_more, scale = float(np.mean(need.additional)), need.scale
        message = (f"{attribute}: the data cannot tell whether this meets {rule}; "
                   f"{people_needed_words(people_more, scale)}. "
                   f"{'The lowest: ' if focus is not top else ''}{ratio_words}.")
    else:
        focus, ratio = lowest, estimates[judged.index(lowest)]
        verb = outcome_verb(favorable, spec.outcome_meaning, plural=False)
        message = (f"{attribute}: every group judged {verb} at "
                   f"{format_against(ratio.value, criterion.threshold)} or more times the "
                   f"rate of {top.category}, the group selected most "
                   f"({top.selection_rate:.1%}); the lowest is {focus.category} "
                   f"({_ci(ratio, spec, simultaneous=True)}). "
                   f"{_outcome(status, criterion, spec, rule)}")
    message += _not_judged_note(excluded)
    pair = lowest if focus is top else focus
    key = pair_key(attribute, "selection_rate", pair.category, top.category)

    def finish(families: TestFamilies) -> Finding:
        p_adjusted = families.get(key)
        test = Test("selection_rate", pair.test, pair.p_value, p_adjusted,
                    (pair.category, top.category))
        return Finding(criterion, attribute, status, ratio,  # type: ignore[arg-type]
                       (pair.category, top.category), message,
                       significant=None if np.isnan(p_adjusted) else bool(
                           p_adjusted < spec.alpha),
                       tests=(test,), people_needed=people_more, scale=scale,
                       judged=tuple(r.category for r in judged), not_judged=tuple(excluded),
                       judgement=spec.judgement)

    return finish


# --- max − min criteria -------------------------------------------------------------------


def _group_reasons(view: AttributeView, metrics: Sequence[str], mask: np.ndarray,
                   minimum: int) -> list[str]:
    reasons = []
    for g in np.flatnonzero(~mask):
        label = view.labels[g]
        if view.unknown[g]:
            reasons.append(_reason(label, f"unknown category, {people(int(view.n[g]))}"))
            continue
        short = next(m for m in metrics if view.parts(m)[1][g] < minimum)
        reasons.append(_reason(label, _too_few(int(view.parts(short)[1][g]), short, minimum)))
    return reasons


def _gap_words(view: AttributeView, metrics: Sequence[str], mask: np.ndarray,
               favorable: str, threshold: float, meaning: str) -> str:
    gaps = []
    for metric in metrics:
        values = view.point[metric][mask]
        gaps.append(format_against(float(values.max() - values.min()), threshold))
    first = f"{rate_words(metrics[0], favorable, meaning)} differ by up to {gaps[0]}"
    rest = "".join(f" and {rate_words(m, favorable, meaning)} by up to {gap}"
                   for m, gap in zip(metrics[1:], gaps[1:], strict=True))
    return f"{first}{rest} across the {int(mask.sum())} groups judged"


def _span(view: AttributeView, criterion: Criterion, spec: AuditSpec, favorable: str,
          families: TestFamilies) -> Finisher:
    attribute, minimum = view.attribute, spec.min_denominator
    rule = rule_name(criterion.metric, criterion.threshold)
    metrics = SPAN_METRICS[criterion.metric]
    mask = view.judged(metrics, minimum)
    excluded = _group_reasons(view, metrics, mask, minimum)
    if mask.sum() < 2:
        return _not_judged(criterion, attribute, (
            f"fewer than two groups can be judged on {rule}; not judged."), excluded, spec)
    span = view.span(metrics, mask)
    estimate = Estimate(float(span.estimate), float(span.low), float(span.high), span.method)
    status = _judge(estimate, criterion, spec.judgement)
    labels = [view.labels[g] for g in np.flatnonzero(mask)]
    keys, raw = [], []
    for metric in metrics:
        x, n = view.parts(metric)
        p_value, test = homogeneity_test(x[mask], n[mask], seed=spec.seed)
        key = omnibus_key(attribute, metric, labels)
        families.add(key, p_value)
        keys.append(key)
        raw.append((metric, test, p_value))
    people, scale = NAN, NAN
    if status == "inconclusive":
        xs = np.array([view.parts(m)[0][mask] for m in metrics], dtype=float)
        ns = np.array([view.parts(m)[1][mask] for m in metrics], dtype=float)
        need = people_needed_span(xs, ns, threshold=criterion.threshold,
                                  confidence=spec.confidence, rounds=PEOPLE_ROUNDS)
        sizes = view.n[mask].astype(float)
        scale = need.scale
        people = (float(np.mean(np.ceil(sizes * scale - 1e-9) - sizes))
                  if np.isfinite(scale) else scale)
    gap = _gap_words(view, metrics, mask, favorable, criterion.threshold,
                     spec.outcome_meaning)
    interval = _ci(estimate, spec, simultaneous=True)
    if status == "inconclusive":
        body = (f"{attribute}: the data cannot tell whether this meets {rule}; "
                f"{people_needed_words(people, scale)}. The {gap[0].lower()}{gap[1:]} "
                f"({interval} for the largest gap).")
    else:
        body = (f"{attribute}: {gap} ({interval} for the largest gap). "
                f"{_outcome(status, criterion, spec, rule)}")

    def finish(families: TestFamilies) -> Finding:
        tests = tuple(Test(metric, test, p, families.get(key), tuple(labels))
                      for (metric, test, p), key in zip(raw, keys, strict=True))
        adjusted = [t.p_adjusted for t in tests]
        significant = any(p < spec.alpha for p in adjusted if not np.isnan(p))
        pair = span.supported_pair()
        named: tuple[str, ...] = ()
        message = body
        if pair is not None and tests[pair[0]].p_adjusted < spec.alpha:
            metric = metrics[pair[0]]
            high, low = labels[pair[1]], labels[pair[2]]
            values = view.point[metric][mask]
            named = (high, low)
            message += (f" The clearest difference is in the {METRIC_NAMES[metric]}: {high} "
                        f"({values[pair[1]]:.2f}) against {low} ({values[pair[2]]:.2f}).")
        return Finding(criterion, attribute, status, estimate, named,  # type: ignore[arg-type]
                       message + _not_judged_note(excluded),
                       significant=None if all(np.isnan(adjusted)) else significant,
                       tests=tests, people_needed=people, scale=scale, judged=tuple(labels),
                       not_judged=tuple(excluded), judgement=spec.judgement)

    return finish
