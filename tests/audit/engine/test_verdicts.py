"""Verdicts a board can trust: intervals from the counts at any size, three outcomes against
the threshold, rates judged by their denominators, pairs named only when supported, and one
p-value per comparison (audit/engine/_findings.py, _attribute.py, _family.py).

Hand-worked numbers: Clopper-Pearson at x = 0 has upper bound 1 - (α/2)^(1/n) and at x = n
lower bound (α/2)^(1/n); with α = 0.05, n = 3: 0.707598 and 0.292402; n = 1: 0.975 and
0.025. Other references are statsmodels' (Newcombe, Koopman as its uncorrected score ratio
interval, Clopper-Pearson as "beta").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from audit import JUDGEMENT_WORDS, TOO_FEW, Criterion
from audit.engine import AuditResult, Estimate, Finding, run_audit
from audit.engine._intervals import CLOPPER_PEARSON, KOOPMAN, NEWCOMBE, SPAN_BONFERRONI
from audit.inputs import AuditSpec, prepare
from audit.inputs._prepare import BAD_JUDGEMENT, BAD_MIN_DENOMINATOR

FOUR_FIFTHS = (Criterion("impact_ratio", 0.8, "min"),)
EQUAL_OPPORTUNITY = (Criterion("equal_opportunity_difference", 0.1, "max"),)
EQUALIZED_ODDS = (Criterion("equalized_odds_difference", 0.1, "max"),)


def frame_of(groups: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    """Rows per group from its confusion counts (TP, FP, TN, FN); label/prediction 1/0."""
    rows = []
    for group, (tp, fp, tn, fn) in groups.items():
        rows += ([(group, 1, 1)] * tp + [(group, 0, 1)] * fp + [(group, 0, 0)] * tn
                 + [(group, 1, 0)] * fn)
    return pd.DataFrame(rows, columns=["g", "y", "p"])


def audit(groups: dict[str, tuple[int, int, int, int]], **options) -> AuditResult:
    options.setdefault("bootstrap", 0)
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="1", **options)
    return run_audit(prepare(frame_of(groups), spec), spec)


def selection(groups: dict[str, tuple[int, int]], **options) -> AuditResult:
    """Groups given as (people, selected); labels equal the decisions."""
    return audit({g: (s, 0, n - s, 0) for g, (n, s) in groups.items()}, **options)


def statsmodels_ratio(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    return confint_proportions_2indep(x1, n1, x2, n2, compare="ratio", method="score",
                                      correction=False)


# --- small counts, pinned to hand-worked intervals ------------------------------------------


def test_a_true_positive_rate_of_0_out_of_3_is_not_a_zero_width_interval():
    # A: 3 with a favorable label, none selected (TPR 0/3); B: 40 such people, 30 selected
    result = audit({"A": (0, 2, 20, 3), "B": (30, 5, 35, 10)}, min_denominator=1)
    tpr = result.group("g", "A").metrics["true_positive_rate"]
    assert (tpr.value, tpr.ci_low) == (0.0, 0.0)
    assert tpr.ci_high == pytest.approx(1 - 0.025 ** (1 / 3), abs=1e-9)  # 0.707598
    assert tpr.method == CLOPPER_PEARSON
    assert result.group("g", "A").denominators["true_positive_rate"] == 3


def test_3_out_of_3_by_hand():
    result = audit({"A": (3, 0, 7, 0), "B": (10, 10, 20, 0)}, min_denominator=1)
    tpr = result.group("g", "A").metrics["true_positive_rate"]
    assert tpr.value == 1.0 and tpr.ci_high == 1.0
    assert tpr.ci_low == pytest.approx(0.025 ** (1 / 3), abs=1e-9)  # 0.292402


def test_1_out_of_40_as_the_reference():
    # the reference R: 1 of 40 selected; A: 4 of 40
    result = selection({"R": (40, 1), "A": (40, 4)}, reference={"g": "R"})
    (sr,) = [d for d in result.disparities if d.metric == "selection_rate"]
    expected = confint_proportions_2indep(4, 40, 1, 40, compare="diff", method="newcomb")
    assert (sr.difference.value, sr.difference.method) == (pytest.approx(3 / 40), NEWCOMBE)
    assert [sr.difference.ci_low, sr.difference.ci_high] == pytest.approx(expected, abs=1e-9)
    assert (sr.ratio.value, sr.ratio.method) == (pytest.approx(4.0), KOOPMAN)
    assert [sr.ratio.ci_low, sr.ratio.ci_high] == pytest.approx(statsmodels_ratio(4, 40, 1, 40),
                                                                 rel=1e-6)
    rate = result.group("g", "R").metrics["selection_rate"]
    assert [rate.ci_low, rate.ci_high] == pytest.approx(
        proportion_confint(1, 40, method="beta"), abs=1e-9)


def test_a_single_row_group():
    result = selection({"A": (200, 60), "S": (1, 1)}, min_denominator=1)
    rate = result.group("g", "S").metrics["selection_rate"]
    assert (rate.value, rate.ci_high) == (1.0, 1.0)
    assert rate.ci_low == pytest.approx(0.025, abs=1e-12)  # (α/2)^(1/1)
    tpr = result.group("g", "S").metrics["false_positive_rate"]
    assert math.isnan(tpr.value) and math.isnan(tpr.ci_low)  # nobody without the label
    (sr,) = [d for d in result.disparities if d.metric == "selection_rate"]
    expected = confint_proportions_2indep(1, 1, 60, 200, compare="diff", method="newcomb")
    assert [sr.difference.ci_low, sr.difference.ci_high] == pytest.approx(expected, abs=1e-9)
    assert sr.difference.ci_low < sr.difference.value < sr.difference.ci_high


def test_equal_rates_give_intervals_around_no_difference():
    result = selection({"A": (50, 10), "B": (50, 10)})
    (sr,) = [d for d in result.disparities if d.metric == "selection_rate"]
    assert sr.difference.value == 0 and sr.difference.ci_low == pytest.approx(
        -sr.difference.ci_high)
    assert sr.difference.ci_low < 0 < sr.difference.ci_high
    assert sr.ratio.value == 1 and sr.ratio.ci_low < 1 < sr.ratio.ci_high
    assert sr.p_value == 1.0


ESTIMATES = st.tuples(*(st.integers(0, 6) for _ in range(4)))


def _every_estimate(result: AuditResult) -> list[Estimate]:
    found = [e for g in result.groups for e in g.metrics.values()]
    found += [e for d in result.disparities for e in (d.difference, d.ratio)]
    found += [r.impact_ratio for t in result.adverse_impact for r in t.rows]
    found += [a.estimate for a in result.aggregates] + [f.estimate for f in result.findings]
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=ESTIMATES, b=ESTIMATES, c=ESTIMATES)
def test_no_zero_width_interval_and_none_that_excludes_its_estimate(a, b, c):
    groups = {name: counts for name, counts in zip("ABC", (a, b, c), strict=True)
              if sum(counts)}
    if len(groups) < 2 or not any(tp + fp for tp, fp, _, _ in groups.values()):
        return
    result = audit(groups, min_denominator=1, bootstrap=30)
    for estimate in _every_estimate(result):
        if np.isnan(estimate.ci_low) or np.isnan(estimate.value):
            continue
        assert estimate.ci_low <= estimate.value <= estimate.ci_high, estimate
        assert estimate.ci_low < estimate.ci_high, estimate
        assert estimate.method, estimate


# --- three outcomes against the threshold ----------------------------------------------------


@pytest.mark.parametrize(("selected", "expected"), [(700, "fail"), (780, "inconclusive"),
                                                   (880, "pass")])
def test_the_four_fifths_rule_by_the_interval(selected, expected):
    # the comparator A: 1000 of 2000 selected; B: `selected` of 2000
    result = selection({"A": (2000, 1000), "B": (2000, selected)}, criteria=FOUR_FIFTHS)
    (finding,) = result.findings
    low, high = statsmodels_ratio(selected, 2000, 1000, 2000)
    by_hand = "fail" if high < 0.8 else "pass" if low >= 0.8 else "inconclusive"
    assert finding.status == by_hand == expected
    assert finding.estimate.value == pytest.approx(selected / 1000)
    assert [finding.estimate.ci_low, finding.estimate.ci_high] == pytest.approx([low, high],
                                                                                rel=1e-6)
    assert result.verdict == expected


def test_the_four_fifths_interval_allows_for_choosing_the_highest_group():
    # the comparator A is the highest observed rate (0.5); B (0.48) might truly be higher.
    # C's interval is for its rate over the highest *true* rate: the smaller of its
    # Koopman intervals against A and against B, each at 1 - 0.05/3 (three pairs), capped at 1
    result = selection({"A": (500, 250), "B": (500, 240), "C": (500, 200)},
                       criteria=FOUR_FIFTHS)
    (finding,) = result.findings
    assert finding.groups == ("C", "A") and finding.estimate.value == pytest.approx(0.8)
    against = [confint_proportions_2indep(200, 500, x, 500, compare="ratio", method="score",
                                          correction=False, alpha=0.05 / 3)
               for x in (250, 240)]
    assert finding.estimate.ci_low == pytest.approx(min(1, *(lo for lo, _ in against)),
                                                    rel=1e-6)
    assert finding.estimate.ci_high == pytest.approx(min(1, *(hi for _, hi in against)),
                                                     rel=1e-6)
    # the table keeps the law's layout: C against the comparator, an ordinary interval
    row = next(r for r in result.impact_table("g").rows if r.category == "C")
    assert [row.impact_ratio.ci_low, row.impact_ratio.ci_high] == pytest.approx(
        statsmodels_ratio(200, 500, 250, 500), rel=1e-6)
    assert finding.status == "inconclusive" and "95% simultaneous CI" in finding.message


def test_an_inconclusive_finding_says_so_and_how_many_more_people_would_decide():
    result = selection({"A": (2000, 1000), "B": (2000, 780)}, criteria=FOUR_FIFTHS)
    (finding,) = result.findings
    assert finding.message.startswith(
        "g: the data cannot tell whether this meets the four-fifths rule (impact ratio at "
        "least 0.80); about ")
    assert "more people per group would" in finding.message
    assert "chance" not in finding.message and "FAIL" not in finding.message
    # at the scale it names, the same interval decides; 1.2% below (the precision of
    # "about"), it does not
    scale = finding.scale
    assert 1 < scale < math.inf
    decided = statsmodels_ratio(780 * scale, 2000 * scale, 1000 * scale, 2000 * scale)
    assert decided[0] >= 0.8 - 1e-9 or decided[1] < 0.8
    below = scale / 1.012
    undecided = statsmodels_ratio(780 * below, 2000 * below, 1000 * below, 2000 * below)
    assert undecided[0] < 0.8 <= undecided[1]
    assert finding.people_needed == pytest.approx(
        np.mean([math.ceil(2000 * scale - 1e-9) - 2000] * 2))


def test_the_point_rule_is_the_conventional_one():
    spec = {"criteria": FOUR_FIFTHS, "judgement": "point"}
    (finding,) = selection({"A": (2000, 1000), "B": (2000, 780)}, **spec).findings
    assert finding.status == "fail"  # 0.78 < 0.80, although the interval straddles
    assert "Judged on the point value, this fails" in finding.message
    (finding,) = selection({"A": (2000, 1000), "B": (2000, 800)}, **spec).findings
    assert finding.status == "pass"  # exactly 0.80: on the threshold passes
    assert finding.judgement == "point" and "point" in JUDGEMENT_WORDS


def test_a_gap_just_above_the_threshold_never_prints_as_the_threshold():
    # TPR 0.6046 against 0.5 (gap 0.1046): judged on the point value, it fails
    result = audit({"A": (6046, 0, 100, 3954), "B": (5000, 0, 100, 5000)},
                   criteria=EQUAL_OPPORTUNITY, judgement="point")
    (finding,) = result.findings
    assert finding.status == "fail"
    assert "differ by up to 0.105" in finding.message and "up to 0.10 " not in finding.message


def _finding(statuses: list[str]) -> AuditResult:
    nan = Estimate(math.nan, math.nan, math.nan)
    findings = tuple(Finding(FOUR_FIFTHS[0], f"a{i}", s, nan, (), "") for i, s in
                     enumerate(statuses))
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",))
    return AuditResult(spec, "1", 0, (), (), (), (), findings, {})


@pytest.mark.parametrize(("statuses", "verdict"), [
    (["pass", "inconclusive", "fail", "not_judged"], "fail"),
    (["pass", "inconclusive", "not_judged"], "inconclusive"),
    (["pass", "not_judged"], "pass"),
    (["not_judged", "not_judged"], "no_verdict"),
    ([], "no_verdict"),
])
def test_the_overall_verdict(statuses, verdict):
    assert _finding(statuses).verdict == verdict


def test_options_are_checked_with_a_message_listing_what_is_allowed():
    frame = frame_of({"A": (1, 1, 1, 1)})
    with pytest.raises(ValueError) as error:
        prepare(frame, AuditSpec(label="y", prediction="p", sensitive=("g",),
                                 judgement="median"))  # type: ignore[arg-type]
    assert str(error.value) == BAD_JUDGEMENT.format(allowed="'interval', 'point'",
                                                    value="median")
    with pytest.raises(ValueError) as error:
        prepare(frame, AuditSpec(label="y", prediction="p", sensitive=("g",),
                                 min_denominator=0))
    assert str(error.value) == BAD_MIN_DENOMINATOR.format(value=0)


# --- rates judged by their denominators ------------------------------------------------------


def test_a_group_with_3_positives_is_too_few_to_judge_not_a_failure():
    # C: 66 people, 3 of them with a favorable label, none selected (TPR 0 of 3)
    groups = {"A": (1400, 400, 3000, 600), "B": (1350, 450, 2900, 650), "C": (0, 6, 57, 3)}
    result = audit(groups, criteria=EQUAL_OPPORTUNITY)
    (finding,) = result.findings
    assert finding.status == "pass"
    assert finding.judged == ("A", "B")
    assert finding.not_judged == (
        f"C ({TOO_FEW}: 3 people with a favorable label, fewer than 10)",)
    assert finding.message.endswith(
        f"Not judged: C ({TOO_FEW}: 3 people with a favorable label, fewer than 10).")
    # the old rule (30 rows) would have judged C on 0 of 3 and failed the audit
    old = audit(groups, criteria=EQUAL_OPPORTUNITY, min_denominator=3, judgement="point")
    assert old.findings[0].status == "fail"


def test_equalized_odds_never_passes_on_false_positive_rates_alone():
    # B has no one with a favorable label: its true positive rate is undefined
    result = audit({"A": (40, 10, 40, 10), "B": (0, 20, 80, 0)}, criteria=EQUALIZED_ODDS)
    (finding,) = result.findings
    assert finding.status == "not_judged"
    assert f"B ({TOO_FEW}: 0 people with a favorable label, fewer than 10)" in finding.message
    assert result.verdict == "no_verdict"


# --- pairs named only when supported ---------------------------------------------------------


def test_no_pair_is_named_when_the_rates_are_equal():
    groups = {g: (105, 30, 120, 45) for g in "ABCD"}  # 150 positives each, TPR 0.7
    (finding,) = audit(groups, criteria=EQUAL_OPPORTUNITY).findings
    assert finding.groups == () and finding.significant is False
    assert finding.estimate.value == 0 and finding.estimate.ci_low == 0
    assert finding.estimate.ci_high > 0 and finding.estimate.method == SPAN_BONFERRONI
    assert finding.status == "inconclusive"  # 150 positives cannot show a gap under 0.10
    assert "The clearest difference" not in finding.message


def test_a_supported_pair_is_named():
    groups = {"A": (120, 30, 120, 30), "B": (75, 30, 120, 75), "C": (110, 30, 120, 40)}
    (finding,) = audit(groups, criteria=EQUAL_OPPORTUNITY).findings
    assert finding.status == "fail"
    assert finding.groups == ("A", "B")
    assert finding.significant is True and finding.tests[0].p_adjusted < 0.05
    assert finding.message.endswith(
        "The clearest difference is in the true positive rate: A (0.80) against B (0.50).")


# --- one p-value per comparison ---------------------------------------------------------------


def test_one_comparison_has_one_p_value_in_every_table():
    # the reference (largest group) is also the comparator (highest selection rate)
    result = selection({"A": (600, 300), "B": (400, 160), "C": (300, 110)})
    table = result.impact_table("g")
    assert table is not None and table.highest_category == result.references["g"] == "A"
    for row in table.rows:
        if row.category == "A":
            continue
        disparity = next(d for d in result.disparities
                         if d.group == row.category and d.metric == "selection_rate")
        assert row.p_value == disparity.p_value
        assert row.p_adjusted == disparity.p_adjusted
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    (test,) = impact.tests
    row = next(r for r in table.rows if r.category == impact.groups[0])
    assert test.p_adjusted == row.p_adjusted and test.groups == (row.category, "A")
    fnr = {d.group: d.p_adjusted for d in result.disparities
           if d.metric == "false_negative_rate"}
    tpr = {d.group: d.p_adjusted for d in result.disparities
           if d.metric == "true_positive_rate"}
    assert fnr == tpr
    assert "Holm" in result.test_family and "Benjamini-Hochberg" in result.test_family
