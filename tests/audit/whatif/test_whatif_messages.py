"""Every message of the what-if analysis, word for word (from the constants)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from audit import AuditInputError, prepare
from audit.whatif import STRATEGIES, apply_thresholds, plan, sweep, whatif, words


def test_no_score_column_says_what_is_needed_and_how_to_map_it(frame, spec_factory):
    spec = spec_factory(score=None)
    data = prepare(frame, spec, id_column="applicant")
    with pytest.raises(AuditInputError) as caught:
        whatif(data, spec)
    assert str(caught.value) == words.NO_SCORE.format(favorable="approved")
    assert str(caught.value) == (
        "The what-if analysis needs a score column (the model's score or probability for each "
        "person, higher meaning more likely 'approved'), and none was mapped. Without scores "
        "there is nothing to move a cut-off along. Fix: map the score column (command line: "
        "--score COLUMN; dashboard: choose it as the score on the Upload page).")
    with pytest.raises(AuditInputError, match="needs a score column"):
        sweep(data, attribute="sex")


def test_unknown_strategy_lists_the_allowed_ones(data, spec):
    with pytest.raises(AuditInputError) as caught:
        plan(data, spec, strategies=["equal_odds"])  # type: ignore[list-item]
    assert str(caught.value) == words.UNKNOWN_STRATEGY.format(
        value="equal_odds", allowed=", ".join(STRATEGIES))
    assert ("single, max_accuracy, demographic_parity, equal_opportunity, equalized_odds"
            in str(caught.value))
    with pytest.raises(AuditInputError) as caught:
        plan(data, spec, strategies=[])
    assert str(caught.value) == words.NO_STRATEGY.format(allowed=", ".join(STRATEGIES))


def test_unknown_attribute(data, spec):
    with pytest.raises(AuditInputError) as caught:
        plan(data, spec, attribute="age")
    assert str(caught.value) == words.UNKNOWN_ATTRIBUTE.format(
        attribute="age", attributes="'sex', 'race', 'sex × race'")


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), True])
def test_bad_tolerance(data, spec, value):
    with pytest.raises(AuditInputError) as caught:
        plan(data, spec, tolerance=value)
    assert str(caught.value) == words.BAD_TOLERANCE.format(value=value)


@pytest.mark.parametrize("value", [0, -2.0, float("inf")])
def test_bad_cost_ratio(data, spec, value):
    with pytest.raises(AuditInputError) as caught:
        plan(data, spec, cost_ratio=value)
    assert str(caught.value) == words.BAD_COST_RATIO.format(value=value)


def test_infinite_scores_are_refused(frame, spec):
    broken = frame.copy()
    broken.loc[[3, 8], "score"] = np.inf
    data = prepare(broken, spec, id_column="applicant")
    with pytest.raises(AuditInputError) as caught:
        plan(data, spec)
    assert str(caught.value) == words.SCORE_NOT_FINITE.format(column="score", count=2,
                                                              rows="4, 9")


def test_thresholds_set_by_hand_are_checked(data, spec):
    with pytest.raises(AuditInputError) as caught:
        apply_thresholds(data, spec, attribute="sex", thresholds={"female": 0.5})
    assert str(caught.value) == words.MISSING_THRESHOLDS.format(
        groups="'male'", attribute="sex", all_groups="'female', 'male'")
    with pytest.raises(AuditInputError) as caught:
        apply_thresholds(data, spec, attribute="sex",
                         thresholds={"female": 0.5, "male": 0.5, "other": 0.4})
    assert str(caught.value) == words.UNKNOWN_GROUPS.format(
        groups="'other'", attribute="sex", all_groups="'female', 'male'")
    with pytest.raises(AuditInputError) as caught:
        apply_thresholds(data, spec, attribute="sex", thresholds={"female": 0.5,
                                                                  "male": float("nan")})
    assert str(caught.value) == words.BAD_CUT_OFF.format(group="male", value=float("nan"),
                                                         favorable="approved")


def test_unknown_option_id(report_sex):
    with pytest.raises(AuditInputError) as caught:
        report_sex.to_dict(chosen="fairest")
    assert str(caught.value) == words.UNKNOWN_OPTION.format(
        value="fairest", options=", ".join(repr(o.id) for o in report_sex.options))


def test_fairlearn_needs_both_outcomes_in_every_group(report_race):
    assert [(s.strategy, s.method) for s in report_race.skipped] == [
        ("demographic_parity", "fairlearn"), ("equal_opportunity", "fairlearn"),
        ("equalized_odds", "fairlearn")]
    assert report_race.skipped[0].reason == words.FAIRLEARN_DEGENERATE.format(
        groups="'C'", attribute="race", verb="has")
    assert all(o.choice.method == "exact" for o in report_race.options)


def test_constrained_options_say_which_groups_are_not_held(report_race, spec):
    notes = report_race.option("equal_opportunity").choice.notes
    sizes = {g.group: g.n for g in report_race.plan.sweep.groups}
    assert words.UNCONSTRAINED_GROUPS.format(
        minimum=spec.min_group_size, groups=f"D (n={sizes['D']})") in notes
    assert words.UNDEFINED_RATE.format(
        groups="C", verb="has", outcome="'approved'", rate="the true positive rate") in notes
    assert report_race.plan.constrained == ("A", "B", "C")
    # demographic parity holds C (its selection rate is defined) but not D
    assert not any("undefined" in n for n in report_race.option("demographic_parity")
                   .choice.notes)


def test_cost_ratio_is_stated(report_intersection):
    for option in report_intersection.options:
        assert words.COST_OBJECTIVE.format(ratio=2.0) in option.choice.notes
    assert report_intersection.option("single").name == words.COST_NAMES["single"]


def test_fairlearn_options_say_what_they_cannot_do(data, spec):
    report = whatif(data, spec, attribute="sex", strategies=["equalized_odds"], cost_ratio=3)
    option = report.option("equalized_odds:fairlearn")
    assert option.choice.notes == (words.FAIRLEARN_EO_EXACT,
                                   words.FAIRLEARN_ACCURACY_ONLY.format(ratio=3.0))
    assert option.to_dict()["notes"][-1] == words.RANDOMIZED_CRITERIA.format(seed=spec.seed)
    assert option.name == words.FAIRLEARN_EXACT_EO_NAME


def test_a_score_that_runs_backwards_is_flagged(spec, frame_factory):
    frame = frame_factory(rows=600, seed=3)
    frame["score"] = 1 - frame["score"]
    data = prepare(frame, spec, id_column="applicant")
    result = plan(data, spec, attribute="sex", strategies=["single"])
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("Higher scores go with fewer 'approved' outcomes here")


def test_a_strict_tolerance_may_leave_a_group_with_one_decision(spec, frame_factory):
    """Fixed cut-offs sometimes reach parity only by deciding a whole group alike."""
    frame = frame_factory(rows=400, seed=11)
    data = prepare(frame, spec, id_column="applicant")
    report = plan(data, replace(spec, bootstrap=0), attribute="race", tolerance=0.0,
                  strategies=["equalized_odds"])
    notes = report.option("equalized_odds").notes
    same = [n for n in notes if n.startswith("To keep equalized odds")]
    assert same, notes
    assert same[0].endswith("Fixed cut-offs cannot do better on this data; the randomised "
                            "options can.")


def test_progress_is_reported_in_plain_words(data, spec):
    steps: list[tuple[float, str]] = []
    whatif(data, spec, attribute="sex", strategies=["single", "demographic_parity"],
           progress=lambda fraction, step: steps.append((fraction, step)))
    assert [s for _, s in steps] == [
        words.PROGRESS_SEARCH.format(attribute="sex"),
        words.PROGRESS_FAIRLEARN.format(strategy="demographic_parity"),
        words.PROGRESS_BEFORE,
        words.PROGRESS_AUDIT.format(name=words.STRATEGY_NAMES["single"]),
        words.PROGRESS_AUDIT.format(
            name=words.STRATEGY_NAMES["demographic_parity"].format(tolerance=0.02)
            + words.EXACT_SUFFIX),
        words.PROGRESS_AUDIT.format(
            name=words.STRATEGY_NAMES["demographic_parity"].format(tolerance=0.02)
            + words.FAIRLEARN_SUFFIX),
        words.PROGRESS_DONE]
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
