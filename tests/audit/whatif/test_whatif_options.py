"""Every option of whatif.json, recomputed independently from the score column."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator

from audit import AuditSpec, run_audit
from audit.whatif import (
    LAWFULNESS_NOTE,
    RANDOMIZATION_NOTE,
    STRATEGIES,
    TARGETS,
    WhatIfReport,
    apply_thresholds,
    whatif,
)

RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")


def group_labels(frame: pd.DataFrame, spec: AuditSpec, attribute: str) -> np.ndarray:
    if attribute in spec.sensitive:
        return frame[attribute].astype(str).to_numpy()
    separator = attribute[len(spec.sensitive[0]):-len(spec.sensitive[-1])]
    return frame[list(spec.sensitive)].astype(str).agg(separator.join, axis=1).to_numpy()


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


_LABELS: dict[tuple[int, str], np.ndarray] = {}


def labels_of(frame: pd.DataFrame, spec: AuditSpec, attribute: str) -> np.ndarray:
    key = (id(frame), attribute)
    if key not in _LABELS:
        _LABELS[key] = group_labels(frame, spec, attribute)
    return _LABELS[key]


def recompute(frame: pd.DataFrame, spec: AuditSpec, attribute: str,
              thresholds: dict[str, float]) -> tuple[float, dict[str, dict[str, dict]]]:
    """Apply the cut-offs to the score column with plain numpy; every attribute's rates."""
    score = frame["score"].to_numpy()
    y = (frame["outcome"] == "approved").to_numpy()
    rows = labels_of(frame, spec, attribute)
    decided = score >= pd.Series(rows).map(thresholds).to_numpy()
    rates: dict[str, dict[str, dict]] = {}
    for audited in spec.attributes:
        labels = labels_of(frame, spec, audited)
        rates[audited] = {}
        for group in np.unique(labels):
            at = labels == group
            rates[audited][str(group)] = {
                "selection_rate": rate(int(decided[at].sum()), int(at.sum())),
                "true_positive_rate": rate(int((decided & y)[at].sum()), int(y[at].sum())),
                "false_positive_rate": rate(int((decided & ~y)[at].sum()), int((~y)[at].sum())),
            }
    return int((decided == y).sum()) / len(y), rates


def deterministic(report: WhatIfReport) -> list[dict]:
    return [o for o in report.to_dict()["options"] if not o["randomized"]]


def test_every_deterministic_option_is_reproduced_exactly_from_the_scores(reports, frame, spec):
    checked = 0
    for report in reports:
        for option in deterministic(report):
            thresholds = option["thresholds"][report.attribute]
            accuracy, rates = recompute(frame, spec, report.attribute, thresholds)
            assert option["accuracy"] == accuracy, option["id"]
            assert option["group_rates"] == rates, option["id"]
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("strategy", ["demographic_parity", "equal_opportunity",
                                      "equalized_odds"])
def test_constrained_options_meet_their_tolerance_on_the_data(reports, frame, spec, strategy):
    for report in reports:
        option = report.to_dict()
        constrained = option["constrained_groups"]
        chosen = next(o for o in option["options"] if o["id"] == strategy)
        _, rates = recompute(frame, spec, report.attribute,
                             chosen["thresholds"][report.attribute])
        metrics = {"demographic_parity": ["selection_rate"],
                   "equal_opportunity": ["true_positive_rate"],
                   "equalized_odds": ["true_positive_rate", "false_positive_rate"]}[strategy]
        for metric in metrics:
            values = [rates[report.attribute][g][metric] for g in constrained]
            values = [v for v in values if v is not None]
            assert max(values) - min(values) <= option["tolerance"] + 1e-12, (
                report.attribute, metric)
        assert chosen["disparities"][TARGETS[strategy]]["value"] <= option["tolerance"] + 1e-12


def test_equal_opportunity_meets_its_tolerance(report_sex, frame, spec):
    option = report_sex.option("equal_opportunity")
    cut = option.choice.cut_offs
    score = frame["score"].to_numpy()
    y = (frame["outcome"] == "approved").to_numpy()
    tpr = {}
    for group in ("female", "male"):
        at = (frame["sex"] == group).to_numpy()
        tpr[group] = ((score >= cut[group]) & y & at).sum() / (y & at).sum()
    assert abs(tpr["female"] - tpr["male"]) <= 0.02
    # and the engine agrees: its equal-opportunity gap on sex is the same number
    finding = next(f for f in option.audit.findings
                   if f.attribute == "sex" and f.criterion.metric == "equal_opportunity_difference")
    assert finding.estimate.value == pytest.approx(abs(tpr["female"] - tpr["male"]), abs=1e-15)


class _Scores(BaseEstimator):
    def fit(self, X, y=None):  # noqa: N803
        return self

    def predict(self, X):  # noqa: N803
        return np.asarray(X)[:, 0]

    def __sklearn_is_fitted__(self):
        return True


@pytest.mark.parametrize(("strategy", "constraint"), [
    ("demographic_parity", "demographic_parity"),
    ("equal_opportunity", "true_positive_rate_parity"),
    ("equalized_odds", "equalized_odds"),
])
def test_randomized_options_equal_fairlearns_threshold_optimizer(report_sex, frame, strategy,
                                                                 constraint):
    score = frame["score"].to_numpy()
    optimizer = ThresholdOptimizer(
        estimator=_Scores(), constraints=constraint, prefit=True, predict_method="predict",
        tol=None if strategy == "equalized_odds" else 0.02,
    ).fit(score.reshape(-1, 1), (frame["outcome"] == "approved").astype(int).to_numpy(),
          sensitive_features=frame["sex"].to_numpy())
    expected = optimizer.interpolated_thresholder_.interpolation_dict
    option = next(o for o in report_sex.to_dict()["options"]
                  if o["id"] == f"{strategy}:fairlearn")
    assert option["randomized"] is True
    assert option["method"] == "fairlearn"
    assert option["randomization"].startswith(RANDOMIZATION_NOTE)
    for group, bunch in expected.items():
        at = (frame["sex"] == group).to_numpy()
        group_scores = score[at]
        assert option["probabilities"]["sex"][group] == [bunch.p0, bunch.p1]
        cut_offs = []
        for operation in (bunch.operation0, bunch.operation1):
            above = group_scores[group_scores > operation.threshold]
            cut_offs.append(float(above.min()) if above.size
                            else float(np.nextafter(group_scores.max(), np.inf)))
        assert option["thresholds"]["sex"][group] == cut_offs
        ignored = option["score_ignored"]["sex"][group]
        assert ignored == {"probability": bunch.get("p_ignore", 0.0),
                           "favorable_probability": bunch.get("prediction_constant", 0.0)}
        # the expected selection rate is fairlearn's own rule applied to the scores
        favorable = (bunch.p0 * bunch.operation0(group_scores)
                     + bunch.p1 * bunch.operation1(group_scores))
        if "p_ignore" in bunch:
            favorable = (bunch.p_ignore * bunch.prediction_constant
                         + (1 - bunch.p_ignore) * favorable)
        assert option["group_rates"]["sex"][group]["selection_rate"] == pytest.approx(
            favorable.mean(), rel=1e-12)


def test_randomization_is_explained_group_by_group(report_sex):
    option = report_sex.option("demographic_parity:fairlearn")
    words = option.to_dict()["randomization"]
    for group in ("female", "male"):
        assert f"{group}: a score below" in words
    low, high, below, between, above = option.choice.rules["female"].bands
    assert below <= between <= above


def test_per_group_options_carry_the_lawfulness_note_and_single_ones_never(reports):
    for report in reports:
        options = report.to_dict()["options"]
        for option in options:
            if option["strategy"] == "single":
                assert option["uses_attribute"] is False
                assert option["lawfulness"] is None
                assert len(set(option["thresholds"][report.attribute].values())) == 1
            else:
                assert option["uses_attribute"] is True
                assert option["lawfulness"] == LAWFULNESS_NOTE.format(attribute=report.attribute)
        assert [o["id"] for o in options][0] == "single"


def test_the_single_cut_off_is_always_offered(data, spec):
    report = whatif(data, spec, attribute="sex", strategies=["equal_opportunity"],
                    randomized=False)
    assert [o.id for o in report.options] == ["single", "equal_opportunity"]


def test_lawfulness_words(report_sex):
    assert report_sex.option("max_accuracy").choice.lawfulness == (
        "This option uses the sensitive attribute 'sex' when deciding: people with the same "
        "score can get different decisions because of their group. In some settings that is "
        "unlawful disparate treatment: in US employment, adjusting scores or using different "
        "cut-offs by race, color, religion, sex or national origin is prohibited (Civil Rights "
        "Act of 1991, §106; 42 U.S.C. §2000e-2(l)). Take legal advice before using it; the "
        "single cut-off options do not use the attribute.")


def test_single_and_max_accuracy_are_optimal_by_brute_force(report_intersection, data, frame,
                                                            spec):
    """With a cost ratio of 2, single minimises 2·FP + FN over every cut-off."""
    score = frame["score"].to_numpy()
    y = (frame["outcome"] == "approved").to_numpy()
    costs = {c: 2 * ((score >= c) & ~y).sum() + ((score < c) & y).sum()
             for c in np.unique(score)}
    single = report_intersection.option("single").to_dict()
    assert single["cost"] * len(y) == pytest.approx(min(costs.values()), abs=1e-9)
    labels = group_labels(frame, spec, report_intersection.attribute)
    per_group = report_intersection.option("max_accuracy").choice.cut_offs
    for group, cut in per_group.items():
        at = labels == group
        candidates = [*np.unique(score[at]), np.inf]
        best = min(2 * ((score[at] >= c) & ~y[at]).sum() + ((score[at] < c) & y[at]).sum()
                   for c in candidates)
        assert 2 * ((score[at] >= cut) & ~y[at]).sum() + ((score[at] < cut) & y[at]).sum() == best


def test_before_is_the_engines_audit_of_the_uploaded_decisions(report_sex, data, spec):
    before = report_sex.to_dict()["before"]
    result = run_audit(data, spec)
    assert [(c["id"], c["status"], c["value"]) for c in before["criteria"]] == [
        (f"{f.criterion.metric}:{f.attribute}", f.status, f.estimate.value)
        for f in result.findings]
    assert before["accuracy"] == (data.y_pred == data.y_true).sum() / data.rows


def test_after_is_the_engines_audit_of_the_derived_decisions(report_sex, data, spec):
    option = report_sex.option("demographic_parity")
    cut = option.choice.cut_offs
    assert data.score is not None
    decided = data.score >= np.where(data.sensitive[0].codes == 0, cut["female"], cut["male"])
    result = run_audit(replace(data, y_pred=decided, score=None), spec)
    assert [(f.status, f.estimate) for f in result.findings] == [
        (f.status, f.estimate) for f in option.audit.findings]


def test_tradeoff_curves_trade_accuracy_for_parity(reports):
    for report in reports:
        for curve in report.to_dict()["tradeoffs"]:
            points = curve["points"]
            tolerances = [p["tolerance"] for p in points]
            assert tolerances == sorted(tolerances)
            assert report.plan.tolerance in tolerances
            costs = [p["cost"]["value"] for p in points]
            # a looser tolerance never costs more
            assert all(a >= b - 1e-12 for a, b in zip(costs, costs[1:], strict=False))
            for point in points:
                assert point["disparity"]["value"] <= point["tolerance"] + 1e-12
                low, high = point["accuracy"]["ci_low"], point["accuracy"]["ci_high"]
                assert low <= point["accuracy"]["value"] <= high
                assert set(point["thresholds"][report.attribute]) == set(report.plan.sweep.labels)


def test_apply_thresholds_reaudits_cut_offs_set_by_hand(report_sex, data, spec):
    cut_offs = dict(report_sex.option("max_accuracy").choice.cut_offs)
    manual = apply_thresholds(data, spec, attribute="sex", thresholds=cut_offs)
    expected = report_sex.option("max_accuracy").to_dict()
    assert manual.to_dict()["group_rates"] == expected["group_rates"]
    assert manual.to_dict()["accuracy"] == expected["accuracy"]
    assert manual.choice.lawfulness == LAWFULNESS_NOTE.format(attribute="sex")
    everyone = apply_thresholds(data, spec, attribute="sex", thresholds=0.5)
    assert everyone.choice.uses_attribute is False and everyone.choice.lawfulness is None
    # the uploaded decisions were made at 0.5: the same audit
    assert [f.status for f in everyone.audit.findings] == [
        f.status for f in run_audit(data, spec).findings]


def test_whatif_json_is_canonical(report_sex):
    text = report_sex.to_json(chosen="equal_opportunity")
    parsed = json.loads(text)
    assert parsed["chosen"] == "equal_opportunity"
    assert text == json.dumps(parsed, sort_keys=True, ensure_ascii=False, indent=2)
    assert "NaN" not in text and "Infinity" not in text
    option = parsed["options"][0]
    assert {"name", "strategy", "randomized", "thresholds", "accuracy", "cost", "group_rates",
            "criteria", "uses_attribute", "lawfulness"} <= set(option)
    assert {"id", "status", "value", "ci_low", "ci_high"} <= set(option["criteria"][0])
    assert set(parsed["before"]) >= {"accuracy", "group_rates", "criteria"}


def test_every_strategy_and_its_fairlearn_twin_are_offered(report_sex):
    ids = [o.id for o in report_sex.options]
    assert ids == [*STRATEGIES, "demographic_parity:fairlearn", "equal_opportunity:fairlearn",
                   "equalized_odds:fairlearn"]
    assert not report_sex.skipped
    assert all(math.isfinite(o.choice.evaluation.accuracy.value) for o in report_sex.options)
