"""The engine's numbers against fairlearn, aif360, sklearn and hand-worked examples."""

from __future__ import annotations

import logging
import math
from functools import partial

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import accuracy_score
from statsmodels.stats.multitest import multipletests

from audit.engine import run_audit
from audit.inputs import INTERSECTION_SEP, AuditSpec, prepare

logging.getLogger().addHandler(logging.NullHandler())
logging.disable(logging.WARNING)  # aif360's import-time notices about optional extras
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric  # noqa: E402
from aif360.sklearn import metrics as aif_sk  # noqa: E402

logging.disable(logging.NOTSET)

TOL = 1e-9
FAIRLEARN_FUNCS = {
    "selection_rate": fm.selection_rate,
    "true_positive_rate": partial(fm.true_positive_rate, pos_label=1),
    "false_positive_rate": partial(fm.false_positive_rate, pos_label=1),
    "true_negative_rate": partial(fm.true_negative_rate, pos_label=1),
    "false_negative_rate": partial(fm.false_negative_rate, pos_label=1),
    "accuracy": accuracy_score,
    "count": fm.count,
}
AIF_RATES = ("positive_predictive_value", "negative_predictive_value", "false_discovery_rate",
             "false_omission_rate", "base_rate", "true_positive_rate", "false_positive_rate",
             "selection_rate")
AIF_ZERO_WHEN_UNDEFINED = {"positive_predictive_value", "negative_predictive_value",
                           "false_discovery_rate", "false_omission_rate"}


def labels_of(frame: pd.DataFrame, attribute: str) -> pd.Series:
    parts = attribute.split(INTERSECTION_SEP)
    out = frame[parts[0]].astype(str)
    for part in parts[1:]:
        out = out + INTERSECTION_SEP + frame[part].astype(str)
    return out.rename(attribute)


def fairlearn_by_group(frame, spec, attribute):
    y_true = (frame[spec.label].astype(str) == spec.favorable).astype(int)
    y_pred = (frame[spec.prediction].astype(str) == spec.favorable).astype(int)
    mf = fm.MetricFrame(metrics=FAIRLEARN_FUNCS, y_true=y_true, y_pred=y_pred,
                        sensitive_features=labels_of(frame, attribute))
    return mf.by_group, y_true, y_pred


def aif_metric(y_true, y_pred, groups, group, reference):
    keep = (groups == group) | (groups == reference)
    df = pd.DataFrame({"y": np.asarray(y_true)[keep].astype(float),
                       "a": (np.asarray(groups)[keep] == reference).astype(float)})
    truth = BinaryLabelDataset(df=df, label_names=["y"], protected_attribute_names=["a"],
                               favorable_label=1.0, unfavorable_label=0.0)
    pred = truth.copy(deepcopy=True)
    pred.labels = np.asarray(y_pred)[keep].astype(float).reshape(-1, 1)
    return ClassificationMetric(truth, pred, unprivileged_groups=[{"a": 0.0}],
                                privileged_groups=[{"a": 1.0}])


def assert_close(ours: float, theirs: float, what: str) -> None:
    assert abs(ours - theirs) <= TOL, f"{what}: ours {ours!r} vs reference {theirs!r}"


def check_against_fairlearn(frame, spec, result) -> int:
    compared = 0
    for attribute in spec.attributes:
        by_group, _, _ = fairlearn_by_group(frame, spec, attribute)
        assert sorted(by_group.index) == sorted(g.group for g in result.groups_of(attribute))
        for g in result.groups_of(attribute):
            for name in FAIRLEARN_FUNCS:
                theirs = float(by_group.loc[g.group, name])
                ours = g.metrics[name].value
                if math.isnan(ours):
                    # fairlearn (sklearn) reports 0 for a rate with an empty denominator
                    assert theirs == 0.0, (attribute, g.group, name)
                    continue
                assert_close(ours, theirs, f"{attribute}/{g.group}/{name}")
                compared += 1
    return compared


def check_against_aif360(frame, spec, result) -> int:
    compared = 0
    y_true = (frame[spec.label].astype(str) == spec.favorable).to_numpy()
    y_pred = (frame[spec.prediction].astype(str) == spec.favorable).to_numpy()
    pairs = {(a.attribute, a.group, a.metric): a.estimate.value
             for a in result.aggregates if a.source == "aif360" and a.group}
    for attribute in spec.attributes:
        groups = labels_of(frame, attribute).to_numpy()
        reference = result.references[attribute]
        for g in result.groups_of(attribute):
            if g.group == reference:
                continue
            metric = aif_metric(y_true, y_pred, groups, g.group, reference)
            with np.errstate(divide="ignore", invalid="ignore"):
                for name in AIF_RATES:
                    theirs = float(getattr(metric, name)(privileged=False))
                    ours = g.metrics[name].value
                    if math.isnan(ours):
                        # aif360 reports an empty denominator as nan for TPR/FPR and as 0
                        # for the predictive values; we report undefined for all of them
                        expected_zero = name in AIF_ZERO_WHEN_UNDEFINED
                        assert (theirs == 0.0) if expected_zero else math.isnan(theirs), (
                            attribute, g.group, name, theirs)
                        continue
                    assert_close(ours, theirs, f"{attribute}/{g.group}/{name}")
                    compared += 1
                for name in ("statistical_parity_difference", "disparate_impact",
                             "equal_opportunity_difference", "average_odds_difference"):
                    theirs = float(getattr(metric, name)())
                    ours = pairs[(attribute, g.group, name)]
                    if math.isnan(theirs) or math.isinf(theirs):
                        assert math.isnan(ours), (attribute, g.group, name)
                        continue
                    assert_close(ours, theirs, f"{attribute}/{g.group}/{name}")
                    compared += 1
    return compared


def test_sample_lending_rates_equal_fairlearn(lending_frame, lending_spec, lending):
    _, result = lending
    # 2 sex + 6 race + 12 intersection groups, 7 fairlearn metrics each, none undefined
    assert check_against_fairlearn(lending_frame, lending_spec, result) == 20 * 7


def test_sample_lending_rates_equal_aif360(lending_frame, lending_spec, lending):
    _, result = lending
    assert check_against_aif360(lending_frame, lending_spec, result) > 100


def test_sample_hiring_rates_equal_fairlearn_and_aif360(hiring_frame):
    spec = AuditSpec(label="qualified", prediction="shortlisted", score="score",
                     sensitive=("gender", "age_band"), favorable="1", bootstrap=50)
    result = run_audit(prepare(hiring_frame, spec), spec)
    assert result.favorable == "1"
    reference = AuditSpec(**{**spec.__dict__, "favorable": "1"})
    assert check_against_fairlearn(hiring_frame, reference, result) > 50
    assert check_against_aif360(hiring_frame, reference, result) > 20


@pytest.mark.parametrize("attribute", ["sex", "race", "sex × race"])
def test_fairlearn_aggregates(lending_frame, lending_spec, lending, attribute):
    _, result = lending
    y_true = (lending_frame["outcome"] == "approved").astype(int)
    y_pred = (lending_frame["decision"] == "approved").astype(int)
    groups = labels_of(lending_frame, attribute)
    ours = {a.metric: a.estimate.value for a in result.aggregates
            if a.attribute == attribute and a.source == "fairlearn"}
    for name in ("demographic_parity_difference", "demographic_parity_ratio",
                 "equalized_odds_difference", "equalized_odds_ratio",
                 "equal_opportunity_difference", "equal_opportunity_ratio"):
        theirs = getattr(fm, name)(y_true, y_pred, sensitive_features=groups)
        assert_close(ours[name], float(theirs), f"{attribute}/{name}")


def test_generalized_entropy_equals_aif360(lending_frame, lending):
    _, result = lending
    y_true = (lending_frame["outcome"] == "approved").astype(float).to_numpy()
    y_pred = (lending_frame["decision"] == "approved").astype(float).to_numpy()
    df = pd.DataFrame({"y": y_true, "a": (lending_frame["sex"] == "male").astype(float)})
    truth = BinaryLabelDataset(df=df, label_names=["y"], protected_attribute_names=["a"])
    pred = truth.copy(deepcopy=True)
    pred.labels = y_pred.reshape(-1, 1)
    metric = ClassificationMetric(truth, pred, unprivileged_groups=[{"a": 0.0}],
                                  privileged_groups=[{"a": 1.0}])
    overall = {a.metric: a.estimate for a in result.aggregates if a.attribute == "all"}
    assert_close(overall["theil_index"].value, metric.theil_index(), "theil")
    assert_close(overall["generalized_entropy_index"].value,
                 metric.generalized_entropy_index(alpha=2), "GE(2)")
    assert overall["theil_index"].ci_low < overall["theil_index"].value < overall[
        "theil_index"].ci_high
    # aif360's between_all_groups_theil_index: over all of an attribute's groups
    # (aif360.sklearn's between_group_generalized_entropy_error with priv_group=None)
    between = {a.attribute: a.estimate.value for a in result.aggregates
               if a.metric == "between_all_groups_theil_index"}
    for attribute in ("sex", "race"):
        theirs = aif_sk.between_group_generalized_entropy_error(
            pd.Series(y_true), y_pred, prot_attr=lending_frame[attribute].to_numpy(), alpha=1)
        assert_close(between[attribute], float(theirs), f"between-group theil {attribute}")


def test_count_formula_equals_aif360_for_every_alpha():
    from audit.engine._aggregates import generalized_entropy

    rng = np.random.default_rng(3)
    y_true, y_pred = rng.random(500) < 0.4, rng.random(500) < 0.55
    counts = np.array([(y_true & y_pred).sum(), (~y_true & y_pred).sum(),
                       (~y_true & ~y_pred).sum(), (y_true & ~y_pred).sum()])
    for alpha in (1, 2, 3):
        theirs = aif_sk.generalized_entropy_error(y_true.astype(int), y_pred.astype(int),
                                                  alpha=alpha)
        assert_close(float(generalized_entropy(counts, alpha)), float(theirs), f"alpha={alpha}")


ROW = st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]),
                st.sampled_from(["yes", "no"]), st.sampled_from(["yes", "no"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=2, max_size=120))
def test_random_data_equals_fairlearn_and_aif360(rows):
    frame = pd.DataFrame(rows, columns=["g1", "g2", "label", "pred"])
    assume("yes" in set(frame["label"]) | set(frame["pred"]))
    spec = AuditSpec(label="label", prediction="pred", sensitive=("g1", "g2"),
                     favorable="yes", bootstrap=20, min_denominator=1)
    result = run_audit(prepare(frame, spec), spec)
    check_against_fairlearn(frame, spec, result)
    check_against_aif360(frame, spec, result)


def test_group_with_no_positives_is_undefined_not_zero():
    frame = pd.DataFrame({
        "sex": ["f"] * 6 + ["m"] * 6,
        "label": ["denied"] * 6 + ["approved", "approved", "approved", "denied", "denied",
                                   "denied"],
        "pred": ["approved", "denied", "denied", "denied", "denied", "denied",
                 "approved", "approved", "denied", "approved", "denied", "denied"],
    })
    spec = AuditSpec(label="label", prediction="pred", sensitive=("sex",),
                     favorable="approved", bootstrap=50, min_denominator=1)
    result = run_audit(prepare(frame, spec), spec)
    women = result.group("sex", "f").metrics
    assert math.isnan(women["true_positive_rate"].value)
    assert math.isnan(women["false_negative_rate"].value)
    assert women["false_positive_rate"].value == pytest.approx(1 / 6, abs=TOL)
    assert women["selection_rate"].value == pytest.approx(1 / 6, abs=TOL)
    check_against_fairlearn(frame, spec, result)
    check_against_aif360(frame, spec, result)


def test_hand_worked_counts_and_rates():
    # group A: TP 3, FP 1, TN 4, FN 2 ; group B: TP 1, FP 0, TN 2, FN 1
    def rows(tp, fp, tn, fn, group):
        return ([(group, 1, 1)] * tp + [(group, 0, 1)] * fp + [(group, 0, 0)] * tn
                + [(group, 1, 0)] * fn)

    frame = pd.DataFrame(rows(3, 1, 4, 2, "A") + rows(1, 0, 2, 1, "B"),
                         columns=["g", "y", "p"])
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="1", bootstrap=0,
                     min_denominator=1)
    result = run_audit(prepare(frame, spec), spec)
    a = result.group("g", "A")
    assert (a.counts.tp, a.counts.fp, a.counts.tn, a.counts.fn) == (3, 1, 4, 2)
    expected = {"selection_rate": 4 / 10, "true_positive_rate": 3 / 5,
                "false_positive_rate": 1 / 5, "positive_predictive_value": 3 / 4,
                "negative_predictive_value": 4 / 6, "false_omission_rate": 2 / 6,
                "accuracy": 7 / 10, "base_rate": 5 / 10}
    for name, value in expected.items():
        assert a.metrics[name].value == pytest.approx(value, abs=1e-15), name
    assert result.references["g"] == "A"  # largest group
    sr = next(d for d in result.disparities if d.metric == "selection_rate")
    assert sr.group == "B"
    assert sr.difference.value == pytest.approx(1 / 4 - 4 / 10)
    assert sr.ratio.value == pytest.approx((1 / 4) / (4 / 10))
    # no bootstrap asked for: the rates' intervals come from the counts all the same
    assert a.metrics["selection_rate"].method == "Clopper-Pearson exact"
    assert (a.metrics["selection_rate"].ci_low, a.metrics["selection_rate"].ci_high) == (
        pytest.approx(stats.beta.ppf(0.025, 4, 7)), pytest.approx(stats.beta.ppf(0.975, 5, 6)))


def test_reference_can_be_chosen(lending_frame):
    spec = AuditSpec(label="outcome", prediction="decision", sensitive=("race",),
                     favorable="approved", reference={"race": "Black"}, bootstrap=0)
    result = run_audit(prepare(lending_frame, spec), spec)
    assert result.references["race"] == "Black"
    white = next(d for d in result.disparities
                 if d.group == "White" and d.metric == "selection_rate")
    assert white.reference == "Black"
    sr = {g.group: g.metrics["selection_rate"].value for g in result.groups_of("race")}
    assert white.ratio.value == pytest.approx(sr["White"] / sr["Black"], abs=TOL)


def test_entropy_indexes_are_undefined_when_nobody_benefits():
    frame = pd.DataFrame({"g": ["a", "b", "a", "b"], "y": ["yes"] * 4, "p": ["no"] * 4})
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="yes",
                     bootstrap=10, min_denominator=1)
    result = run_audit(prepare(frame, spec), spec)
    overall = {a.metric: a.estimate for a in result.aggregates if a.attribute == "all"}
    assert math.isnan(overall["theil_index"].value)
    assert math.isnan(overall["generalized_entropy_index"].value)


def _frame(groups: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Rows per group: (size, selected); labels equal predictions (only selection matters)."""
    rows = []
    for group, (size, selected) in groups.items():
        rows += [(group, 1, 1)] * selected + [(group, 0, 0)] * (size - selected)
    return pd.DataFrame(rows, columns=["g", "y", "p"])


def test_a_category_under_2_percent_never_sets_the_four_fifths_bar():
    # C has the highest rate but 100 of 10,100 rows (under 2%): A is the comparator, and C
    # is reported without a ratio
    frame = _frame({"A": (6000, 1800), "B": (4000, 1160), "C": (100, 95)})
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="1", bootstrap=0)
    result = run_audit(prepare(frame, spec), spec)
    table = result.adverse_impact[0]
    assert table.highest_category == "A"
    c = next(r for r in table.rows if r.category == "C")
    assert c.under_2_percent and math.isnan(c.impact_ratio.value) and c.selected == 95
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    assert impact.status == "pass"
    assert impact.estimate.value == pytest.approx((1160 / 4000) / (1800 / 6000))


def test_the_comparator_is_not_refused_for_being_under_30_rows():
    # NYC LL144 sets no row floor for the comparator: C (25 of 1,025 rows, 2.4%) has the
    # highest rate and is the comparator; its few people widen every ratio's interval
    frame = _frame({"A": (600, 180), "B": (400, 112), "C": (25, 23)})
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="1", bootstrap=0)
    result = run_audit(prepare(frame, spec), spec)
    assert result.adverse_impact[0].highest_category == "C"
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    assert impact.groups == ("B", "C") and impact.status == "fail"
    assert impact.estimate.value == pytest.approx((112 / 400) / (23 / 25))


def test_nobody_selected_is_no_verdict_not_a_failure():
    frame = _frame({"A": (300, 0), "B": (200, 0)})
    frame.loc[::7, "y"] = 1  # some deserved it; the model approved nobody
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="1", bootstrap=0)
    result = run_audit(prepare(frame, spec), spec)
    impact = next(f for f in result.findings if f.criterion.metric == "impact_ratio")
    assert impact.status == "not_judged"
    assert impact.message.startswith("g: no group gets '1', so the impact ratios are undefined")
    assert result.verdict != "pass" and not result.passed


def test_verdict_is_no_verdict_when_nothing_fails_but_something_cannot_be_judged():
    frame = _frame({"A": (300, 90), "B": (9, 3)})  # B too few: nothing to compare A with
    spec = AuditSpec(label="y", prediction="p", sensitive=("g",), favorable="1", bootstrap=0)
    result = run_audit(prepare(frame, spec), spec)
    assert {f.status for f in result.findings} == {"not_judged"}
    assert result.verdict == "no_verdict"
    assert result.passed is False


def test_many_sensitive_columns_count_only_observed_combinations():
    rng = np.random.default_rng(4)
    rows = 3000
    frame = pd.DataFrame({f"s{i}": rng.integers(0, 50, rows).astype(str) for i in range(5)})
    frame["y"] = rng.integers(0, 2, rows)
    frame["p"] = rng.integers(0, 2, rows)
    spec = AuditSpec(label="y", prediction="p", sensitive=tuple(f"s{i}" for i in range(5)),
                     favorable="1", bootstrap=20, min_denominator=1, criteria=(),
                     max_intersection_cells=5_000)  # about 3,000 observed: all of them
    # 50**5 possible combinations: a count for each would need about 10 GB
    result = run_audit(prepare(frame, spec), spec)
    intersection = result.groups_of(" × ".join(spec.sensitive))
    assert sum(g.n for g in intersection) == rows
    assert len(intersection) == len(frame.drop_duplicates(list(spec.sensitive)))
    check_against_fairlearn(frame, spec.__class__(**{**spec.__dict__, "favorable": "1"}), result)


def test_each_family_is_corrected_once_per_distinct_test(lending):
    """Holm within each sensitive attribute, Benjamini-Hochberg within the intersection, over
    the distinct tests of judged groups: recomputed here with statsmodels from the raw
    p-values, each comparison counted once however many tables show it."""
    _, result = lending
    complement = {"false_negative_rate": "true_positive_rate",
                  "true_negative_rate": "false_positive_rate",
                  "false_discovery_rate": "positive_predictive_value",
                  "false_omission_rate": "negative_predictive_value"}
    for attribute in result.spec.attributes:
        raw: dict[tuple, float] = {}
        for d in result.disparities:
            if d.attribute == attribute and not (d.small or d.unknown or d.metric == "base_rate"):
                key = (complement.get(d.metric, d.metric), frozenset((d.group, d.reference)))
                raw.setdefault(key, d.p_value)
        for table in result.adverse_impact:
            if table.attribute == attribute:
                for r in table.rows:
                    if not np.isnan(r.p_adjusted):
                        raw.setdefault((table.basis, frozenset((r.category,
                                                                 table.highest_category))),
                                       r.p_value)
        for f in result.findings:
            if f.attribute == attribute:
                for t in f.tests:
                    kind = "omnibus" if len(t.groups) > 2 or f.criterion.metric != (
                        "impact_ratio") else "pair"
                    key = ((t.metric, "omnibus", t.groups) if kind == "omnibus"
                           else (t.metric, frozenset(t.groups)))
                    raw.setdefault(key, t.p_value)
        method = "fdr_bh" if " × " in attribute else "holm"
        expected = dict(zip(raw, multipletests(list(raw.values()), method=method)[1],
                            strict=True))
        for d in result.disparities:
            if d.attribute == attribute and not (d.small or d.unknown or d.metric == "base_rate"):
                key = (complement.get(d.metric, d.metric), frozenset((d.group, d.reference)))
                assert d.p_adjusted == pytest.approx(expected[key], rel=1e-12)
                assert d.significant == (d.p_adjusted < result.spec.alpha)
            elif d.attribute == attribute:
                assert math.isnan(d.p_adjusted) and d.significant is False
        for f in result.findings:
            if f.attribute == attribute:
                for t in f.tests:
                    key = ((t.metric, frozenset(t.groups)) if f.criterion.metric == (
                        "impact_ratio") else (t.metric, "omnibus", t.groups))
                    assert t.p_adjusted == pytest.approx(expected[key], rel=1e-12)
